import { ImageRestoredV1, ImageUploadedV1, parseDetail } from '@imgpipe/contracts';
import { originalKey, type StoredImageEvent } from '@imgpipe/platform';
import { ImageNotFoundError, ImageStateConflictError, PublishFailedError } from './errors';
import { createHarness, type Harness } from './testing/ingest-harness';

const UPLOADED_AT = '2025-01-01T00:00:00.000Z';

/** alice's img-1, uploaded, its original stored, then deleted (and the delete recorded). */
async function deletedImage(env: Record<string, string> = {}): Promise<Harness> {
  const h = createHarness(env);
  await h.seedImage({ userId: 'alice', imageId: 'img-1', uploadedAt: UPLOADED_AT });
  await h.store.put({
    bucket: h.config.originalsBucket,
    key: originalKey('alice', 'img-1', 'photo.jpg'),
    body: new Uint8Array([1, 2, 3]),
    contentType: 'image/jpeg',
  });
  await h.services.deleteImage('alice', 'img-1');
  await h.storePublished();
  return h;
}

const conflictCode = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageStateConflictError);
  return (error as ImageStateConflictError).code;
};

const types = (history: readonly StoredImageEvent[]) => history.map((e) => e.detailType);

describe('restoreImage', () => {
  it('within the window: publishes ImageRestored, then the image’s ImageUploaded again under a new id', async () => {
    const h = await deletedImage();
    h.clock.advance(3600_000);
    const [firstUpload] = await h.eventStore.load('img-1');

    const result = await h.services.restoreImage('alice', 'img-1');

    expect(h.publisher.published.slice(1).map((e) => [e.source, e.detailType])).toEqual([
      ['imgpipe.ingest', 'ImageRestored'],
      ['imgpipe.ingest', 'ImageUploaded'],
    ]);
    const restored = parseDetail(ImageRestoredV1, h.publisher.published[1]?.detail);
    expect(restored.data).toEqual({ imageId: 'img-1', userId: 'alice', restoredAt: '2025-06-01T13:00:00.000Z' });
    const again = parseDetail(ImageUploadedV1, h.publisher.published[2]?.detail);
    // The same upload (same original, hash, rendition set), a new event the store appends and the pipeline rule starts on.
    expect(again.data).toEqual(parseDetail(ImageUploadedV1, firstUpload?.detail).data);
    expect(again.eventId).not.toBe(firstUpload?.eventId);
    expect(again.correlationId).toBe(restored.eventId);
    await h.storePublished();
    expect(types(await h.eventStore.load('img-1'))).toEqual(['ImageUploaded', 'ImageDeleted', 'ImageRestored', 'ImageUploaded']);

    expect(result.image).toMatchObject({ imageId: 'img-1', userId: 'alice', status: 'processing' });
    expect(result.image).not.toHaveProperty('deletedAt');
    expect(result.image).not.toHaveProperty('undoUntil');
  });

  it('answers 404 for another user’s image and for an unknown id, and publishes nothing', async () => {
    const h = await deletedImage();

    await expect(h.services.restoreImage('bob', 'img-1')).rejects.toBeInstanceOf(ImageNotFoundError);
    await expect(h.services.restoreImage('alice', 'nope')).rejects.toBeInstanceOf(ImageNotFoundError);
    expect(h.publisher.published).toHaveLength(1);
  });

  it('refuses an image that is not deleted: NOT_DELETED', async () => {
    const h = createHarness();
    await h.seedImage({ userId: 'alice', imageId: 'img-1', uploadedAt: UPLOADED_AT });

    expect(await conflictCode(h.services.restoreImage('alice', 'img-1'))).toBe('NOT_DELETED');
    expect(h.publisher.published).toHaveLength(0);
  });

  it('refuses once the undo window has passed: UNDO_WINDOW_PASSED, at undoUntil exactly', async () => {
    const h = await deletedImage({ UNDO_WINDOW_SECONDS: '5' });
    h.clock.advance(5000);

    expect(await conflictCode(h.services.restoreImage('alice', 'img-1'))).toBe('UNDO_WINDOW_PASSED');
    expect(h.publisher.published).toHaveLength(1);
  });

  it('restores just before undoUntil', async () => {
    const h = await deletedImage({ UNDO_WINDOW_SECONDS: '5' });
    h.clock.advance(4999);

    await expect(h.services.restoreImage('alice', 'img-1')).resolves.toMatchObject({ image: { status: 'processing' } });
  });

  it('refuses when the original is gone: ORIGINAL_GONE', async () => {
    const h = await deletedImage();
    await h.store.deletePrefix(h.config.originalsBucket, originalKey('alice', 'img-1', 'photo.jpg'));

    expect(await conflictCode(h.services.restoreImage('alice', 'img-1'))).toBe('ORIGINAL_GONE');
    expect(h.publisher.published).toHaveLength(1);
  });

  it('refuses a purged image: UNDO_WINDOW_PASSED', async () => {
    const h = await deletedImage();
    const history = await h.eventStore.load('img-1');
    await h.eventStore.append('img-1', history.length, [
      {
        eventId: '0197a1b2-c3d4-7e5f-8a9b-000000000001',
        source: 'imgpipe.metadata',
        detailType: 'ImagePurged',
        occurredAt: '2025-06-01T12:00:01.000Z',
        detail: {
          version: 1,
          eventId: '0197a1b2-c3d4-7e5f-8a9b-000000000001',
          correlationId: 'img-1',
          occurredAt: '2025-06-01T12:00:01.000Z',
          data: { imageId: 'img-1', userId: 'alice', purgedAt: '2025-06-01T12:00:01.000Z', purgedKeys: 1 },
        },
      },
    ]);

    expect(await conflictCode(h.services.restoreImage('alice', 'img-1'))).toBe('UNDO_WINDOW_PASSED');
  });

  it('twice: before the history caught up it publishes the same ids again; after, the second is NOT_DELETED', async () => {
    const h = await deletedImage();

    await h.services.restoreImage('alice', 'img-1');
    h.clock.advance(1000);
    await h.services.restoreImage('alice', 'img-1');
    const ids = h.publisher.published.slice(1).map((e) => (e.detail as { eventId: string }).eventId);
    expect(ids.slice(0, 2)).toEqual(ids.slice(2, 4));
    await h.storePublished();
    expect(types(await h.eventStore.load('img-1'))).toEqual(['ImageUploaded', 'ImageDeleted', 'ImageRestored', 'ImageUploaded']);

    expect(await conflictCode(h.services.restoreImage('alice', 'img-1'))).toBe('NOT_DELETED');
  });

  it('publishes ImageRestored and ImageUploaded in one call, and a retry completes a restore whose ImageUploaded was lost', async () => {
    const h = await deletedImage();
    h.clock.advance(60_000);
    const publish = jest.spyOn(h.publisher, 'publish');
    // The bus takes ImageRestored and fails ImageUploaded (a partly failed PutEvents batch).
    publish.mockImplementationOnce(async (entries) => {
      const taken = entries.filter((entry) => entry.detailType !== 'ImageUploaded');
      h.publisher.published.push(...taken.map((entry) => structuredClone(entry)));
      return {
        published: taken.map((entry) => ({ entry })),
        failed: entries
          .filter((entry) => entry.detailType === 'ImageUploaded')
          .map((entry) => ({ entry, errorCode: 'InternalFailure', errorMessage: 'try again' })),
      };
    });

    await expect(h.services.restoreImage('alice', 'img-1')).rejects.toBeInstanceOf(PublishFailedError);
    expect(publish.mock.calls[0]?.[0].map((entry) => entry.detailType)).toEqual(['ImageRestored', 'ImageUploaded']);
    await h.storePublished();
    expect(types(await h.eventStore.load('img-1'))).toEqual(['ImageUploaded', 'ImageDeleted', 'ImageRestored']);

    // The user (or the client) retries a minute later: the restore is completed, not refused.
    h.clock.advance(60_000);
    const retried = await h.services.restoreImage('alice', 'img-1');
    await h.storePublished();
    const history = await h.eventStore.load('img-1');
    expect(types(history)).toEqual(['ImageUploaded', 'ImageDeleted', 'ImageRestored', 'ImageUploaded']);
    const restored = parseDetail(ImageRestoredV1, history[2]?.detail);
    // The same events a first, successful restore would have published: ids, time and correlation.
    expect(retried.restored).toEqual(restored);
    expect(retried.uploaded.occurredAt).toBe(restored.data.restoredAt);
    expect(retried.uploaded.correlationId).toBe(restored.eventId);
    expect(history[3]?.eventId).toBe(retried.uploaded.eventId);
    expect(retried.image.status).toBe('processing');

    // Done now: another restore is a conflict, and nothing more is published.
    const count = h.publisher.published.length;
    expect(await conflictCode(h.services.restoreImage('alice', 'img-1'))).toBe('NOT_DELETED');
    expect(h.publisher.published).toHaveLength(count);
  });

  it('refuses an image ingest never accepted (no ImageUploaded to process again): NOT_RESTORABLE', async () => {
    const h = createHarness();
    await h.eventStore.append('img-2', 0, [
      {
        eventId: '0197a1b2-c3d4-7e5f-8a9b-000000000002',
        source: 'imgpipe.ingest',
        detailType: 'ImageProcessingFailed',
        occurredAt: UPLOADED_AT,
        detail: {
          version: 1,
          eventId: '0197a1b2-c3d4-7e5f-8a9b-000000000002',
          correlationId: 'img-2',
          occurredAt: UPLOADED_AT,
          data: {
            imageId: 'img-2',
            userId: 'alice',
            originalKey: originalKey('alice', 'img-2', 'noise.jpg'),
            stage: 'ingest',
            code: 'UNSUPPORTED_FORMAT',
            errorName: 'InvalidImage',
            reason: 'the bytes are not an image this service reads',
            retryable: false,
          },
        },
      },
    ]);
    await h.services.deleteImage('alice', 'img-2');
    await h.storePublished();

    expect(await conflictCode(h.services.restoreImage('alice', 'img-2'))).toBe('NOT_RESTORABLE');
  });
});
