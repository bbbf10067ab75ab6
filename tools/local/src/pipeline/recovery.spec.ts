import {
  createEnvelope,
  deterministicUuid,
  findContract,
  ImageCompressedV1,
  ImageDeletedV2,
  ImagePurgedV1,
  ImageProcessedV1,
  ImageProcessingFailedV1,
  ImageRestoredV1,
  ImageUploadedV1,
  ThumbnailsGeneratedV1,
  type KnownContract,
} from '@imgpipe/contracts';
import { type StoredImageEvent } from '@imgpipe/platform';
import { InMemoryImageEventStore, InMemoryObjectStore } from '@imgpipe/platform/testing';
import type { BusEntry, BusEvent } from '../bus/bus-event';
import { deletedImagesIn, recoverUnfinishedWork, toPipelineInput, unfinishedUpload } from './recovery';

// Each event is what its contract accepts (recovery folds histories with metadata's fold), for
// the image in question: the contracts' minimal examples under another image id.
const CONTRACTS: Readonly<Record<string, KnownContract>> = Object.fromEntries(
  [
    ImageUploadedV1,
    ImageCompressedV1,
    ThumbnailsGeneratedV1,
    ImageProcessedV1,
    ImageProcessingFailedV1,
    ImageDeletedV2,
    ImageRestoredV1,
    ImagePurgedV1,
  ].map((c) => [c.detailType, c]),
);

function detailFor(imageId: string, sequence: number, detailType: string): Record<string, unknown> {
  const contract = CONTRACTS[detailType] ?? findContract(detailType, 1);
  if (!contract) throw new Error(`no contract for ${detailType}`);
  const data = { ...(contract.examples.minimal as Record<string, unknown>), imageId };
  return createEnvelope(contract, data as never, {
    eventId: deterministicUuid(`${imageId}-${sequence}`),
    correlationId: 'corr-1',
    occurredAt: `2025-06-01T12:00:0${sequence}.000Z`,
  }) as unknown as Record<string, unknown>;
}

/** An `ImageUploaded` of another original (another content hash) under the same image id. */
function newOriginal(sequence: number): StoredImageEvent {
  const event = stored(sequence, 'ImageUploaded');
  const detail = event.detail as { data: { original: Record<string, unknown> } };
  const data = { ...detail.data, original: { ...detail.data.original, contentHash: 'etag:"another-original"' } };
  return { ...event, detail: { ...event.detail, data } };
}

const stored = (sequence: number, detailType: string): StoredImageEvent => ({
  imageId: 'img-1',
  sequence,
  eventId: `event-${sequence}`,
  source: 'imgpipe.ingest',
  detailType,
  occurredAt: `2025-06-01T12:00:0${sequence}.000Z`,
  detail: detailFor('img-1', sequence, detailType),
});

describe('unfinishedUpload', () => {
  it('is the last ImageUploaded when no terminal event follows it', () => {
    expect(unfinishedUpload([stored(1, 'ImageUploaded')])?.eventId).toBe('event-1');
    expect(unfinishedUpload([stored(1, 'ImageUploaded'), stored(2, 'ImageCompressed')])?.eventId).toBe('event-1');
    // Processed, then uploaded again (a new original under the same id): the second is owed.
    expect(
      unfinishedUpload([stored(1, 'ImageUploaded'), stored(2, 'ImageProcessed'), newOriginal(3)])?.eventId,
    ).toBe('event-3');
  });

  it('is nothing once the run ended, however it ended, or for an upload ingest refused', () => {
    for (const terminal of ['ImageProcessed', 'ImageProcessingFailed', 'ImageDeleted']) {
      expect(unfinishedUpload([stored(1, 'ImageUploaded'), stored(2, terminal)])).toBeUndefined();
    }
    expect(unfinishedUpload([stored(1, 'ImageProcessingFailed')])).toBeUndefined();
    expect(unfinishedUpload([])).toBeUndefined();
  });

  it('is nothing for a deleted image, whatever arrives after the delete (a late run, a replayed upload), or a purged one', () => {
    const deleted = [stored(1, 'ImageUploaded'), stored(2, 'ImageDeleted')];
    expect(unfinishedUpload([...deleted, stored(3, 'ImageCompressed')])).toBeUndefined();
    expect(unfinishedUpload([...deleted, newOriginal(3)])).toBeUndefined();
    expect(unfinishedUpload([...deleted, stored(3, 'ImagePurged'), stored(4, 'ImageUploaded')])).toBeUndefined();
  });

  it('is the last upload again once a delete was undone (the image goes back through the pipeline)', () => {
    expect(
      unfinishedUpload([stored(1, 'ImageUploaded'), stored(2, 'ImageProcessed'), stored(3, 'ImageDeleted'), stored(4, 'ImageRestored')])?.eventId,
    ).toBe('event-1');
  });

  it('follows sequence order, not array order', () => {
    expect(unfinishedUpload([stored(2, 'ImageDeleted'), stored(1, 'ImageUploaded')])).toBeUndefined();
  });

  it('rebuilds the event the pipeline started with, under the envelope’s id', () => {
    expect(toPipelineInput(stored(1, 'ImageUploaded'))).toMatchObject({
      id: 'event-1',
      'detail-type': 'ImageUploaded',
      source: 'imgpipe.ingest',
      time: '2025-06-01T12:00:01.000Z',
      detail: stored(1, 'ImageUploaded').detail,
    });
  });
});

describe('recoverUnfinishedWork', () => {
  it('runs unfinished images again and re-announces originals no one checked, but not fresh uploads', async () => {
    const events = new InMemoryImageEventStore();
    const event = (imageId: string, sequence: number, detailType: string) => ({
      ...stored(sequence, detailType),
      imageId,
      eventId: `${imageId}-${sequence}`,
      detail: detailFor(imageId, sequence, detailType),
    });
    await events.append('img-1', 0, [event('img-1', 1, 'ImageUploaded')]);
    await events.append('img-2', 0, [event('img-2', 1, 'ImageUploaded'), event('img-2', 2, 'ImageProcessed')]);
    // Deleted while processing, then a late event of its run: not run again.
    await events.append('img-5', 0, [event('img-5', 1, 'ImageUploaded'), event('img-5', 2, 'ImageDeleted'), event('img-5', 3, 'ImageCompressed')]);
    const store = new InMemoryObjectStore();
    for (const key of ['uploads/u/img-1/a.jpg', 'uploads/u/img-2/b.jpg', 'uploads/u/img-3/c.jpg', 'uploads/u/img-4/d.jpg', 'uploads/not-an-upload']) {
      await store.put({ bucket: 'originals', key, body: Buffer.from('x'), contentType: 'image/jpeg' });
    }
    const rerun: BusEvent[] = [];
    const announced: BusEntry[] = [];

    const result = await recoverUnfinishedWork({
      eventStore: events,
      store,
      originalsBucket: 'originals',
      runPipeline: (e) => rerun.push(e),
      announceObject: async (entry) => void announced.push(entry),
      announcedSinceStart: (key) => key === 'uploads/u/img-4/d.jpg',
    });

    expect(result).toEqual({ rerun: ['img-1'], reannounced: ['img-3'] });
    expect(rerun.map((e) => e.id)).toEqual(['img-1-1']);
    expect(announced).toEqual([
      expect.objectContaining({
        source: 'aws.s3',
        detailType: 'Object Created',
        detail: expect.objectContaining({ bucket: { name: 'originals' }, object: expect.objectContaining({ key: 'uploads/u/img-3/c.jpg', size: 1 }) }),
      }),
    ]);
  });

  it('does not re-announce the kept original of a deleted image whose history is gone (tables lost): it would come back as a new upload', async () => {
    const store = new InMemoryObjectStore();
    for (const key of ['uploads/u/img-deleted/a.jpg', 'uploads/u/img-live/b.jpg']) {
      await store.put({ bucket: 'originals', key, body: Buffer.from('x'), contentType: 'image/jpeg' });
    }
    const archived = (imageId: string, sequence: number, detailType: string) => ({ 'detail-type': detailType, detail: detailFor(imageId, sequence, detailType) });
    async function* archive() {
      yield archived('img-deleted', 1, 'ImageUploaded');
      yield archived('img-live', 1, 'ImageUploaded');
      yield archived('img-deleted', 2, 'ImageDeleted');
      yield archived('img-deleted', 3, 'ImageProcessed'); // finished after the delete
      yield { 'detail-type': 'Object Created', detail: { object: { key: 'uploads/u/img-live/b.jpg' } } };
    }
    const announced: BusEntry[] = [];

    const result = await recoverUnfinishedWork({
      eventStore: new InMemoryImageEventStore(), // the tables are gone
      store,
      originalsBucket: 'originals',
      runPipeline: () => undefined,
      announceObject: async (entry) => void announced.push(entry),
      survivingEvents: archive,
    });

    expect(result.reannounced).toEqual(['img-live']);
    await expect(deletedImagesIn(archive())).resolves.toEqual(new Set(['img-deleted']));
  });
});

