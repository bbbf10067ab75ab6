import { ImageDeletedV2, parseDetail } from '@imgpipe/contracts';
import { compressedKey, DependencyError, thumbnailKey } from '@imgpipe/platform';
import { ImageNotFoundError } from './errors';
import { createHarness, type Harness } from './testing/ingest-harness';

const UPLOADED_AT = '2025-01-01T00:00:00.000Z';

async function seedWithDerivatives(h: Harness, userId: string, imageId: string) {
  await h.seedImage({ userId, imageId, uploadedAt: UPLOADED_AT });
  const put = (bucket: string, key: string) =>
    h.store.put({ bucket, key, body: new Uint8Array([1, 2, 3]), contentType: 'image/jpeg' });
  const original = `uploads/${userId}/${imageId}/photo.jpg`;
  const derivatives = [
    compressedKey(userId, imageId, 'v1', 'webp'),
    compressedKey(userId, imageId, 'v1', 'avif'),
    thumbnailKey(userId, imageId, 'v1', 'small', 'jpeg'),
    thumbnailKey(userId, imageId, 'v1', 'large', 'jpeg'),
  ];
  await put(h.config.originalsBucket, original);
  for (const key of derivatives) await put(h.config.processedBucket, key);
  return { original, derivatives };
}

describe('deleteImage', () => {
  it('removes every derivative, invalidates the CDN paths and publishes ImageDeleted v2; the original stays for the undo window', async () => {
    const h = createHarness();
    const { original, derivatives } = await seedWithDerivatives(h, 'alice', 'img-1');
    // Another image of the same user keeps its derivatives.
    const other = await seedWithDerivatives(h, 'alice', 'img-10');

    const result = await h.services.deleteImage('alice', 'img-1');

    expect([...result.deletedKeys].sort()).toEqual([...derivatives].sort());
    expect(await h.store.list(h.config.processedBucket, '')).toEqual([...other.derivatives].sort());
    expect(await h.store.head({ bucket: h.config.originalsBucket, key: original })).toBeDefined();
    expect(await h.eventStore.load('img-1')).toHaveLength(1);

    expect(h.publisher.published).toHaveLength(1);
    const [entry] = h.publisher.published;
    expect(entry).toMatchObject({ source: 'imgpipe.ingest', detailType: 'ImageDeleted' });
    const detail = parseDetail(ImageDeletedV2, entry?.detail);
    expect(detail.version).toBe(2);
    expect(detail.data).toEqual({
      imageId: 'img-1',
      userId: 'alice',
      deletedKeys: result.deletedKeys,
      deletedAt: '2025-06-01T12:00:00.000Z',
      // The default undo window: 7 days.
      undoUntil: '2025-06-08T12:00:00.000Z',
    });
    expect(result.undoUntil).toBe('2025-06-08T12:00:00.000Z');
    expect(h.cdn.requests).toEqual([
      { paths: ['/compressed/alice/img-1/*', '/thumbnails/alice/img-1/*'], reference: detail.eventId },
    ]);
  });

  it('sets undoUntil from UNDO_WINDOW_SECONDS', async () => {
    const h = createHarness({ UNDO_WINDOW_SECONDS: '5' });
    await seedWithDerivatives(h, 'alice', 'img-1');

    const result = await h.services.deleteImage('alice', 'img-1');

    expect(result.event?.data).toMatchObject({ deletedAt: '2025-06-01T12:00:00.000Z', undoUntil: '2025-06-01T12:00:05.000Z' });
  });

  it('is idempotent: once the history has ImageDeleted, a repeat publishes nothing', async () => {
    const h = createHarness();
    await seedWithDerivatives(h, 'alice', 'img-1');

    await h.services.deleteImage('alice', 'img-1');
    await h.storePublished();
    const again = await h.services.deleteImage('alice', 'img-1');

    expect(again).toEqual({ imageId: 'img-1', deletedKeys: [], undoUntil: '2025-06-08T12:00:00.000Z' });
    expect(h.publisher.published).toHaveLength(1);
    expect(h.cdn.requests).toHaveLength(1);
    expect((await h.eventStore.load('img-1')).map((e) => e.detailType)).toEqual(['ImageUploaded', 'ImageDeleted']);
  });

  it('repeated before the history caught up, it publishes the same event id, which is stored once', async () => {
    const h = createHarness();
    await seedWithDerivatives(h, 'alice', 'img-1');

    const first = await h.services.deleteImage('alice', 'img-1');
    h.clock.advance(5000);
    const second = await h.services.deleteImage('alice', 'img-1');
    await h.storePublished();

    expect(second.event?.eventId).toBe(first.event?.eventId);
    // The CDN is asked under the same name twice: CloudFront makes one invalidation of it.
    expect(h.cdn.requests.map((r) => r.reference)).toEqual([first.event?.eventId, first.event?.eventId]);
    expect((await h.eventStore.load('img-1')).map((e) => e.detailType)).toEqual(['ImageUploaded', 'ImageDeleted']);
  });

  it('removes a derivative written after the delete on a repeat, and invalidates it under a new name', async () => {
    const h = createHarness();
    await seedWithDerivatives(h, 'alice', 'img-1');
    await h.services.deleteImage('alice', 'img-1');
    await h.storePublished();
    const late = thumbnailKey('alice', 'img-1', 'v1', 'small', 'jpeg');
    await h.store.put({ bucket: h.config.processedBucket, key: late, body: new Uint8Array([1]), contentType: 'image/jpeg' });

    const again = await h.services.deleteImage('alice', 'img-1');

    expect(again.deletedKeys).toEqual([late]);
    expect(await h.store.list(h.config.processedBucket, '')).toEqual([]);
    expect(h.publisher.published).toHaveLength(1);
    expect(h.cdn.requests).toHaveLength(2);
    expect(h.cdn.requests[1]?.reference).not.toBe(h.cdn.requests[0]?.reference);
  });

  it('publishes nothing when the CDN refuses, and a retry does it all', async () => {
    const h = createHarness();
    const { original } = await seedWithDerivatives(h, 'alice', 'img-1');
    const invalidate = h.cdn.invalidate.bind(h.cdn);
    h.cdn.invalidate = async () => Promise.reject(new DependencyError('CloudFront', 'CreateInvalidation', true));

    await expect(h.services.deleteImage('alice', 'img-1')).rejects.toMatchObject({ retryable: true });
    expect(h.publisher.published).toHaveLength(0);

    h.cdn.invalidate = invalidate;
    const retry = await h.services.deleteImage('alice', 'img-1');
    expect(retry.event).toBeDefined();
    expect(h.cdn.requests).toEqual([{ paths: expect.any(Array), reference: retry.event?.eventId }]);
    expect(await h.store.head({ bucket: h.config.originalsBucket, key: original })).toBeDefined();
  });

  it('after a restore, a new delete is a new event with a new undo window', async () => {
    const h = createHarness();
    await seedWithDerivatives(h, 'alice', 'img-1');
    const first = await h.services.deleteImage('alice', 'img-1');
    await h.storePublished();
    h.clock.advance(60_000);
    await h.services.restoreImage('alice', 'img-1');
    await h.storePublished();
    h.clock.advance(60_000);

    const second = await h.services.deleteImage('alice', 'img-1');

    expect(second.event).toBeDefined();
    expect(second.event?.eventId).not.toBe(first.event?.eventId);
    expect(second.undoUntil).toBe('2025-06-08T12:02:00.000Z');
    expect(h.cdn.requests.map((r) => r.reference)).toEqual([first.event?.eventId, second.event?.eventId]);
  });

  it('answers 404 for another user’s image and touches nothing', async () => {
    const h = createHarness();
    const { derivatives } = await seedWithDerivatives(h, 'alice', 'img-1');

    await expect(h.services.deleteImage('bob', 'img-1')).rejects.toBeInstanceOf(ImageNotFoundError);
    await expect(h.services.deleteImage('bob', 'nope')).rejects.toBeInstanceOf(ImageNotFoundError);

    expect(await h.store.list(h.config.processedBucket, '')).toEqual([...derivatives].sort());
    expect(h.publisher.published).toHaveLength(0);
    expect(h.cdn.requests).toHaveLength(0);
  });

  it('fails retryably when the bus refuses the event', async () => {
    const h = createHarness();
    await seedWithDerivatives(h, 'alice', 'img-1');
    h.publisher.publish = async (entries) => ({
      published: [],
      failed: entries.map((entry) => ({ entry, errorCode: 'ThrottlingException', errorMessage: 'slow down' })),
    });

    await expect(h.services.deleteImage('alice', 'img-1')).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      retryable: true,
    });
  });
});
