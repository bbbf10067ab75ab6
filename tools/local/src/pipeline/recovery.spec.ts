import { InMemoryImageEventStore, InMemoryObjectStore, type StoredImageEvent } from '@imgpipe/platform';
import type { BusEntry, BusEvent } from '../bus/bus-event';
import { recoverUnfinishedWork, toPipelineInput, unfinishedUpload } from './recovery';

const stored = (sequence: number, detailType: string): StoredImageEvent => ({
  imageId: 'img-1',
  sequence,
  eventId: `event-${sequence}`,
  source: 'imgpipe.ingest',
  detailType,
  occurredAt: `2025-06-01T12:00:0${sequence}.000Z`,
  detail: { eventId: `event-${sequence}`, data: { imageId: 'img-1' } },
});

describe('unfinishedUpload', () => {
  it('is the last ImageUploaded when no terminal event follows it', () => {
    expect(unfinishedUpload([stored(1, 'ImageUploaded')])?.eventId).toBe('event-1');
    expect(unfinishedUpload([stored(1, 'ImageUploaded'), stored(2, 'ImageCompressed')])?.eventId).toBe('event-1');
    // Processed, then uploaded again (a new original under the same id): the second is owed.
    expect(
      unfinishedUpload([stored(1, 'ImageUploaded'), stored(2, 'ImageProcessed'), stored(3, 'ImageUploaded')])?.eventId,
    ).toBe('event-3');
  });

  it('is nothing once the run ended, however it ended, or for an upload ingest refused', () => {
    for (const terminal of ['ImageProcessed', 'ImageProcessingFailed', 'ImageDeleted']) {
      expect(unfinishedUpload([stored(1, 'ImageUploaded'), stored(2, terminal)])).toBeUndefined();
    }
    expect(unfinishedUpload([stored(1, 'ImageProcessingFailed')])).toBeUndefined();
    expect(unfinishedUpload([])).toBeUndefined();
  });

  it('rebuilds the event the pipeline started with, under the envelope’s id', () => {
    expect(toPipelineInput(stored(1, 'ImageUploaded'))).toMatchObject({
      id: 'event-1',
      'detail-type': 'ImageUploaded',
      source: 'imgpipe.ingest',
      time: '2025-06-01T12:00:01.000Z',
      detail: { eventId: 'event-1' },
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
      detail: { eventId: `${imageId}-${sequence}`, data: { imageId } },
    });
    await events.append('img-1', 0, [event('img-1', 1, 'ImageUploaded')]);
    await events.append('img-2', 0, [event('img-2', 1, 'ImageUploaded'), event('img-2', 2, 'ImageProcessed')]);
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
});
