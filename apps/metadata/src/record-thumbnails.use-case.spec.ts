import { ImageDeletedV2, ImageRestoredV1, ImageUploadedV1, ThumbnailsGeneratedV2, toEventBridgeEvent, type EnvelopeOf } from '@imgpipe/contracts';
import type { PublishEntry } from '@imgpipe/platform';
import { runEventId } from './stored-events';
import {
  compressed,
  historyOf,
  IMAGE_ID,
  inMemoryService,
  newEvent,
  recorded,
  thumbnails,
  uploaded,
  USER_ID,
} from './testing/fixtures';

// Issue 13, the first thing a user sees, early: the thumbnail branch records ThumbnailsGenerated
// while the full-size encode still runs; RecordMetadata after the Parallel state does not
// append it again; a delete is never undone by it.

const input = { uploaded, thumbnails, correlationId: 'corr-run-1' };
const recordInput = { uploaded, results: [compressed, thumbnails] as [typeof compressed, typeof thumbnails], correlationId: 'corr-run-1' };
const thumbnailEvents = <E extends { readonly detailType: string }>(history: readonly E[]): E[] => history.filter((e) => e.detailType === 'ThumbnailsGenerated');

describe('recordThumbnails', () => {
  it('records ThumbnailsGenerated on a record still processing, with the renditions and the placeholder, and puts it on the bus', async () => {
    const { service, events, readModel, publisher } = inMemoryService();

    const result = await service.recordThumbnails(input);

    expect(result).toMatchObject({ recorded: true, discarded: false });
    const history = await events.load(IMAGE_ID);
    // The upload first (the bus delivery had not arrived), then the thumbnails.
    expect(history.map((e) => e.detailType)).toEqual(['ImageUploaded', 'ThumbnailsGenerated']);
    const record = await readModel.get(IMAGE_ID);
    expect(record).toMatchObject({
      status: 'processing',
      placeholder: thumbnails.placeholder,
      thumbnails: Object.fromEntries(thumbnails.renditions.map((r) => [r.name, r.key])),
    });
    expect(record?.delivery).toBeUndefined();
    expect(publisher.published).toHaveLength(1);
    const [entry] = publisher.published as PublishEntry[];
    expect(entry).toMatchObject({ source: 'imgpipe.thumbnail', detailType: 'ThumbnailsGenerated' });
    expect((entry?.detail as EnvelopeOf<typeof ThumbnailsGeneratedV2>).eventId).toBe(history[1]?.eventId);
  });

  it('puts ThumbnailsGenerated in the history before ImageCompressed and ImageProcessed, once: RecordMetadata does not append it again', async () => {
    const { service, events, readModel } = inMemoryService();
    await service.recordThumbnails(input);

    const result = recorded(await service.recordMetadata(recordInput));

    const history = await events.load(IMAGE_ID);
    expect(history.map((e) => e.detailType)).toEqual(['ImageUploaded', 'ThumbnailsGenerated', 'ImageCompressed', 'ImageProcessed']);
    expect(result.recorded).toBe(true);
    expect(await readModel.get(IMAGE_ID)).toMatchObject({ status: 'processed', placeholder: thumbnails.placeholder, revision: 4 });
  });

  it('stays exact on a retry and a replay: nothing appended twice, the same event published again', async () => {
    const { service, events, publisher } = inMemoryService();
    await service.recordThumbnails(input);
    await service.recordMetadata(recordInput);
    const before = await events.load(IMAGE_ID);

    const again = await service.recordThumbnails(input);
    await service.recordMetadata(recordInput);

    expect(again).toMatchObject({ recorded: false, discarded: false });
    expect(await events.load(IMAGE_ID)).toEqual(before);
    const ids = (publisher.published as PublishEntry[]).map((e) => (e.detail as { eventId: string }).eventId);
    expect(new Set(ids).size).toBe(1);
  });

  it('is a duplicate when the bus delivers the published event to onPipelineEvent', async () => {
    const { service, events, publisher } = inMemoryService();
    await service.recordThumbnails(input);
    const [entry] = publisher.published as PublishEntry[];
    const envelope = entry?.detail as EnvelopeOf<typeof ThumbnailsGeneratedV2>;

    const delivered = await service.recordPipelineEvent(toEventBridgeEvent(ThumbnailsGeneratedV2, envelope));

    expect(delivered.duplicate).toBe(true);
    expect(thumbnailEvents(await events.load(IMAGE_ID))).toHaveLength(1);
  });

  it('appends no second copy over a run recorded before issue 13 (its thumbnails id also named compress’s version)', async () => {
    const { service, events, readModel } = inMemoryService();
    const run = { imageId: IMAGE_ID, contentHash: uploaded.original.contentHash, renditionsVersion: thumbnails.renditionsVersion, generation: 0 };
    const legacyId = runEventId({ ...run, outputsVersion: `${compressed.version}.${thumbnails.version}` }, 'thumbnails');
    await service.appendAndProject(IMAGE_ID, [
      newEvent(ImageUploadedV1, uploaded, { eventId: runEventId(run, 'uploaded') }),
      newEvent(ThumbnailsGeneratedV2, thumbnails, { eventId: legacyId }),
    ]);
    await readModel.get(IMAGE_ID);

    const early = await service.recordThumbnails(input);
    await service.recordMetadata(recordInput);

    expect(early.recorded).toBe(false);
    const history = await events.load(IMAGE_ID);
    expect(thumbnailEvents(history).map((e) => e.eventId)).toEqual([legacyId]);
  });

  it('does not revive a deleted image: nothing appended or published, the record stays deleted', async () => {
    const { service, events, readModel, publisher } = inMemoryService();
    const deleted = newEvent(
      ImageDeletedV2,
      { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [], deletedAt: '2025-06-01T12:00:01.000Z', undoUntil: '2025-06-08T12:00:01.000Z' },
      { occurredAt: '2025-06-01T12:00:01.000Z' },
    );
    await service.appendAndProject(IMAGE_ID, [newEvent(ImageUploadedV1, uploaded), deleted]);
    const before = await events.load(IMAGE_ID);

    const result = await service.recordThumbnails(input);

    expect(result).toMatchObject({ recorded: false, discarded: true });
    expect(await events.load(IMAGE_ID)).toEqual(before);
    expect(publisher.published).toEqual([]);
    const record = await readModel.get(IMAGE_ID);
    expect(record?.status).toBe('deleted');
    expect(record?.placeholder).toBeUndefined();
  });

  it('records the thumbnails of the run after a restore again (a new generation), though the same bytes were recorded before the delete', async () => {
    const { service, events } = inMemoryService();
    await service.recordThumbnails(input);
    await service.appendAndProject(IMAGE_ID, [
      newEvent(
        ImageDeletedV2,
        { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [], deletedAt: '2025-06-01T12:00:03.000Z', undoUntil: '2025-06-08T12:00:03.000Z' },
        { occurredAt: '2025-06-01T12:00:03.000Z' },
      ),
      newEvent(ImageRestoredV1, { imageId: IMAGE_ID, userId: USER_ID, restoredAt: '2025-06-01T12:00:04.000Z' }, { occurredAt: '2025-06-01T12:00:04.000Z' }),
    ]);

    const result = await service.recordThumbnails(input);

    expect(result.recorded).toBe(true);
    expect(thumbnailEvents(await events.load(IMAGE_ID))).toHaveLength(2);
  });

  it('fails with a retryable PublishFailed when the bus refuses the event, the record kept', async () => {
    const { service, events } = inMemoryService({
      publisher: {
        publish: async (entries) => ({ published: [], failed: entries.map((entry) => ({ entry, errorCode: 'ThrottlingException', errorMessage: 'slow down' })) }),
      },
    });

    await expect(service.recordThumbnails(input)).rejects.toMatchObject({ code: 'PublishFailed', retryable: true });
    expect(thumbnailEvents(await events.load(IMAGE_ID))).toHaveLength(1);
  });
});

describe('the fold of an early ThumbnailsGenerated', () => {
  it('shows the renditions and placeholder while processing, and a history folded again gives the same record', async () => {
    const { service, events } = inMemoryService();
    await service.recordThumbnails(input);
    const history = historyOf(await events.load(IMAGE_ID));

    const rebuilt = inMemoryService();
    await rebuilt.service.appendAndProject(IMAGE_ID, history.map(({ eventId, source, detailType, occurredAt, detail }) => ({ eventId, source, detailType, occurredAt, detail })));

    expect(await rebuilt.readModel.get(IMAGE_ID)).toMatchObject({ status: 'processing', placeholder: thumbnails.placeholder });
  });
});
