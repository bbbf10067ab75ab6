import { ImageDeletedV2, ImageRestoredV1, ImageUploadedV1 } from '@imgpipe/contracts';
import { compressedKey } from '@imgpipe/platform';
import { DISCARDED_BY_DELETE } from './discarded-run';
import { createRecordFailureHandler } from './handlers/record-failure.adapter';
import { createRecordMetadataHandler } from './handlers/record-metadata.adapter';
import type { RecordMetadataTaskInput as RecordMetadataInput } from '@imgpipe/workflow/task-io';
import {
  BUCKETS,
  compressed,
  IMAGE_ID,
  inMemoryService,
  newEvent,
  recorded,
  thumbnails,
  uploaded,
  USER_ID,
} from './testing/fixtures';

// Work finishing after the owner deleted the image: nothing recorded, nothing published, the
// derivatives it wrote removed; and after an undo, the image's next run is recorded again.

const input: RecordMetadataInput = { uploaded, results: [compressed, thumbnails], correlationId: 'corr-run-1' };
const failure = { uploaded, error: { Error: 'States.Timeout' }, stage: 'compress' as const, correlationId: 'corr-run-1' };
const deleted = newEvent(
  ImageDeletedV2,
  { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [], deletedAt: '2025-06-01T12:00:01.000Z', undoUntil: '2025-06-08T12:00:01.000Z' },
  { occurredAt: '2025-06-01T12:00:01.000Z' },
);
const restored = newEvent(
  ImageRestoredV1,
  { imageId: IMAGE_ID, userId: USER_ID, restoredAt: '2025-06-01T12:00:05.000Z' },
  { occurredAt: '2025-06-01T12:00:05.000Z' },
);

/** The service with the upload recorded and the run's outputs (and the original, and another image's output) stored. */
async function deletedWhileProcessing() {
  const ctx = inMemoryService();
  await ctx.service.appendAndProject(IMAGE_ID, [newEvent(ImageUploadedV1, uploaded), deleted]);
  const body = new Uint8Array([1, 2, 3]);
  const written = [
    ...compressed.variants.map((v) => v.key),
    ...thumbnails.renditions.map((r) => r.key),
  ];
  for (const key of written) await ctx.store.put({ bucket: BUCKETS.processed, key, body, contentType: 'image/webp' });
  await ctx.store.put({ bucket: BUCKETS.originals, key: uploaded.original.key, body, contentType: 'image/jpeg' });
  const otherImage = compressedKey(USER_ID, 'img-other', 'v1', 'webp');
  await ctx.store.put({ bucket: BUCKETS.processed, key: otherImage, body, contentType: 'image/webp' });
  return { ...ctx, written, otherImage };
}

describe('recordMetadata after a delete', () => {
  it('records and publishes nothing, removes what the run wrote, and says the run was discarded', async () => {
    const { service, events, store, publisher, written, otherImage } = await deletedWhileProcessing();
    const before = await events.load(IMAGE_ID);

    const result = await service.recordMetadata(input);

    expect(result).toMatchObject({ discarded: true, reason: 'ImageDeleted', recorded: false });
    expect(result.record).toMatchObject({ status: 'deleted' });
    expect(await events.load(IMAGE_ID)).toEqual(before);
    expect(publisher.published).toEqual([]);
    expect(await store.list(BUCKETS.processed, '')).toEqual([otherImage]);
    expect(result.discarded && [...result.removedKeys].sort()).toEqual([...written].sort());
    // The original stays for the undo window.
    await expect(store.head({ bucket: BUCKETS.originals, key: uploaded.original.key })).resolves.toBeDefined();
  });

  it('the task handler hands the state machine exactly { discarded: true, reason: ImageDeleted }', async () => {
    const { service } = await deletedWhileProcessing();

    await expect(createRecordMetadataHandler(() => service)(input)).resolves.toEqual({ discarded: true, reason: 'ImageDeleted' });
    await expect(createRecordFailureHandler(() => service)(failure)).resolves.toEqual(DISCARDED_BY_DELETE);
  });

  it('after an undo, the next run of the same original is recorded and published, with ids of its own', async () => {
    const { service, events } = inMemoryService();
    const first = recorded(await service.recordMetadata(input));
    await service.appendAndProject(IMAGE_ID, [deleted, restored]);

    const second = recorded(await service.recordMetadata(input));

    expect(second.recorded).toBe(true);
    expect(second.detail.eventId).not.toBe(first.detail.eventId);
    expect(second.record).toMatchObject({ status: 'processed' });
    expect((await events.load(IMAGE_ID)).map((e) => e.detailType)).toEqual([
      'ImageUploaded',
      'ImageCompressed',
      'ThumbnailsGenerated',
      'ImageProcessed',
      'ImageDeleted',
      'ImageRestored',
      'ImageUploaded', // the upload again, under the restore's generation: the bus delivery of it changes nothing
      'ImageCompressed',
      'ThumbnailsGenerated',
      'ImageProcessed',
    ]);
    // A retry of that run changes nothing.
    expect(recorded(await service.recordMetadata(input)).recorded).toBe(false);
  });
});

describe('recordFailure after a delete', () => {
  it('records and publishes no failure: the owner of a deleted image is not told its run failed', async () => {
    const { service, events, publisher } = await deletedWhileProcessing();
    const before = await events.load(IMAGE_ID);

    const result = await service.recordFailure(failure);

    expect(result).toMatchObject({ discarded: true, reason: 'ImageDeleted', recorded: false });
    expect(await events.load(IMAGE_ID)).toEqual(before);
    expect(publisher.published).toEqual([]);
  });

  it('still records a failure of a run after an undo', async () => {
    const { service, publisher } = inMemoryService();
    await service.appendAndProject(IMAGE_ID, [deleted, restored]);

    const result = recorded(await service.recordFailure(failure));

    expect(result.record).toMatchObject({ status: 'failed' });
    expect(publisher.published).toHaveLength(1);
  });
});

