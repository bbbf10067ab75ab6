import { ImageDeletedV2, ImageRestoredV1, ImageUploadedV1, REDACTED } from '@imgpipe/contracts';
import { compressedKey, type StoredImageEvent } from '@imgpipe/platform';
import { PURGE_GRACE_MS, purgedEventId } from './purge-deleted.use-case';
import { BUCKETS, IMAGE_ID, inMemoryService, newEvent, successfulRun, uploaded, USER_ID } from './testing/fixtures';

// The purge over the in-memory ports (the same use case runs over dynalite and s3rver in
// dynamo.integration.spec.ts).

const DELETED_AT = '2025-06-02T08:30:00.000Z';
const UNDO_UNTIL = '2025-06-09T08:30:00.000Z';
const AFTER_WINDOW = new Date(Date.parse(UNDO_UNTIL) + PURGE_GRACE_MS + 1000);
const FILENAME = uploaded.original.filename;

const deleted = newEvent(
  ImageDeletedV2,
  { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [compressedKey(USER_ID, IMAGE_ID, 'v1', 'webp')], deletedAt: DELETED_AT, undoUntil: UNDO_UNTIL },
  { occurredAt: DELETED_AT },
);

/** A processed image, deleted; its original in two versions, a derivative left behind, another image's original. */
async function deletedImage() {
  const ctx = inMemoryService();
  await ctx.service.appendAndProject(IMAGE_ID, [...successfulRun(), deleted]);
  const body = new Uint8Array([1, 2, 3]);
  await ctx.store.put({ bucket: BUCKETS.originals, key: uploaded.original.key, body, contentType: 'image/jpeg' });
  await ctx.store.put({ bucket: BUCKETS.originals, key: uploaded.original.key, body, contentType: 'image/jpeg' });
  await ctx.store.put({ bucket: BUCKETS.processed, key: compressedKey(USER_ID, IMAGE_ID, 'v1', 'avif'), body, contentType: 'image/avif' });
  const other = `uploads/${USER_ID}/img-other/x.jpg`;
  await ctx.store.put({ bucket: BUCKETS.originals, key: other, body, contentType: 'image/jpeg' });
  return { ...ctx, other };
}

const mentionsFile = (history: readonly StoredImageEvent[]) => JSON.stringify(history).includes(FILENAME);

describe('purgeDeletedImages', () => {
  it('erases every version of the original and what is left of the derivatives, redacts the history, appends ImagePurged and leaves a tombstone', async () => {
    const { service, events, readModel, store, publisher, other } = await deletedImage();
    expect(mentionsFile(await events.load(IMAGE_ID))).toBe(true);

    const result = await service.purgeDeletedImages({ now: AFTER_WINDOW });

    expect(result).toEqual({ purged: [{ imageId: IMAGE_ID, purgedKeys: 3 }], skipped: [], failed: [] });
    expect(await store.list(BUCKETS.originals, '')).toEqual([other]);
    expect(await store.list(BUCKETS.processed, '')).toEqual([]);
    const history = await events.load(IMAGE_ID);
    expect(mentionsFile(history)).toBe(false);
    expect(history.map((e) => e.detailType).slice(-2)).toEqual(['ImageDeleted', 'ImagePurged']);
    expect(history[0]?.detail).toMatchObject({ data: { original: { filename: REDACTED } } });
    const record = await readModel.get(IMAGE_ID);
    expect(record).toMatchObject({ status: 'deleted', undoUntil: UNDO_UNTIL, purgedAt: AFTER_WINDOW.toISOString() });
    expect(record).not.toHaveProperty('originalKey');
    expect(record).not.toHaveProperty('thumbnails');
    expect(publisher.published).toEqual([
      expect.objectContaining({ source: 'imgpipe.metadata', detailType: 'ImagePurged', detail: expect.objectContaining({ eventId: purgedEventId(IMAGE_ID) }) }),
    ]);
  });

  it('is idempotent: a second run finds nothing to do', async () => {
    const { service, events } = await deletedImage();
    await service.purgeDeletedImages({ now: AFTER_WINDOW });
    const history = await events.load(IMAGE_ID);

    const again = await service.purgeDeletedImages({ now: new Date(AFTER_WINDOW.getTime() + 3_600_000) });

    expect(again).toEqual({ purged: [], skipped: [], failed: [] });
    expect(await events.load(IMAGE_ID)).toEqual(history);
  });

  it('two purges at the same time leave one ImagePurged', async () => {
    const { service, events } = await deletedImage();

    const results = await Promise.all([service.purgeDeletedImages({ now: AFTER_WINDOW }), service.purgeDeletedImages({ now: AFTER_WINDOW })]);

    expect(results.flatMap((r) => r.failed)).toEqual([]);
    expect((await events.load(IMAGE_ID)).filter((e) => e.detailType === 'ImagePurged')).toHaveLength(1);
  });

  it('touches nothing while the undo window (and its grace) is open', async () => {
    const { service, store, events } = await deletedImage();
    const history = await events.load(IMAGE_ID);

    const result = await service.purgeDeletedImages({ now: new Date(Date.parse(UNDO_UNTIL) + PURGE_GRACE_MS - 1000) });

    expect(result.purged).toEqual([]);
    expect(await events.load(IMAGE_ID)).toEqual(history);
    await expect(store.head({ bucket: BUCKETS.originals, key: uploaded.original.key })).resolves.toBeDefined();
  });

  it('skips a candidate the history says was restored (the read model had not caught up)', async () => {
    const { service, events, store } = await deletedImage();
    // The restore lands in the history only: the read model still says deleted.
    const restore = newEvent(ImageRestoredV1, { imageId: IMAGE_ID, userId: USER_ID, restoredAt: '2025-06-03T00:00:00.000Z' });
    const history = await events.load(IMAGE_ID);
    await events.append(IMAGE_ID, history.length, [restore]);

    const result = await service.purgeDeletedImages({ now: AFTER_WINDOW });

    expect(result).toEqual({ purged: [], skipped: [IMAGE_ID], failed: [] });
    await expect(store.head({ bucket: BUCKETS.originals, key: uploaded.original.key })).resolves.toBeDefined();
  });

  it('does not purge an image that was never deleted', async () => {
    const { service, events } = inMemoryService();
    await service.appendAndProject(IMAGE_ID, [newEvent(ImageUploadedV1, uploaded)]);

    await expect(service.purgeDeletedImages({ now: AFTER_WINDOW })).resolves.toEqual({ purged: [], skipped: [], failed: [] });
    expect((await events.load(IMAGE_ID)).map((e) => e.detailType)).toEqual(['ImageUploaded']);
  });

  it('reports an image it could not purge and carries on (it is tried again on the next run)', async () => {
    const { service, store } = await deletedImage();
    jest.spyOn(store, 'deleteAllVersions').mockRejectedValueOnce(new Error('S3 is down'));

    const first = await service.purgeDeletedImages({ now: AFTER_WINDOW });
    const second = await service.purgeDeletedImages({ now: AFTER_WINDOW });

    expect(first.failed).toEqual([{ imageId: IMAGE_ID, error: new Error('S3 is down') }]);
    expect(second.purged.map((p) => p.imageId)).toEqual([IMAGE_ID]);
  });
});
