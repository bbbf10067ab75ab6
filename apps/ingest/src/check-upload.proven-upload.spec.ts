import { ImageUploadedV1, parseDetail } from '@imgpipe/contracts';
import { testImage } from '@imgpipe/image-ops/testing';
import { InMemoryUploadGrantStore } from '@imgpipe/platform/testing';
import type { CreatedObject } from './check-upload.use-case';
import { createIngestServices } from './services';
import { createHarness, type Harness } from './testing/ingest-harness';

/**
 * "Lose nothing": an original whose grant is gone (stored before grants existed, or the
 * tables were lost with it) but whose image history accepted exactly this object is the
 * image's proven upload. Crash recovery announces it again; it must never be refused and removed.
 */
describe('checkUpload: a proven upload without its grant', () => {
  /** alice's photo, uploaded through a grant and accepted, the history caught up; then the grants are lost. */
  async function acceptedThenGrantsLost(filename = 'photo.jpg') {
    const h = createHarness();
    const { grant, object } = await h.upload('alice', await testImage('jpeg', { width: 64, height: 48 }), { filename });
    const first = await h.services.checkUpload(object);
    expect(first.outcome).toBe('accepted');
    await h.storePublished();
    // The grants table is gone (a rebuild, or a data directory from before grants existed).
    const withoutGrants = createIngestServices(h.config, { ...h.ports, grants: new InMemoryUploadGrantStore() });
    const firstEvent = h.publisher.published[0];
    return { h, grant, object, services: withoutGrants, firstEvent };
  }

  const exists = (h: Harness, object: CreatedObject) => h.store.head({ bucket: object.bucket, key: object.key });

  it('is readmitted: the stored ImageUploaded is published again unchanged, and the original stays', async () => {
    const { h, object, services, firstEvent } = await acceptedThenGrantsLost('Ünïcode 100% été.jpg');
    const before = h.publisher.published.length;

    const outcome = await services.checkUpload(object);

    expect(outcome).toMatchObject({ outcome: 'readmitted', userId: 'alice', republished: true });
    await expect(exists(h, object)).resolves.toBeDefined();
    const again = h.publisher.published.slice(before);
    expect(again.map((entry) => entry.detailType)).toEqual(['ImageUploaded']);
    // Same id and payload: the event store keeps it once, the pipeline's idempotency sees the same run.
    expect(parseDetail(ImageUploadedV1, again[0]?.detail)).toEqual(parseDetail(ImageUploadedV1, firstEvent?.detail));
  });

  it('the same notification twice: the same event both times, nothing removed', async () => {
    const { h, object, services } = await acceptedThenGrantsLost();
    const before = h.publisher.published.length;

    await services.checkUpload(object);
    await services.checkUpload(object);

    const ids = h.publisher.published.slice(before).map((entry) => (entry.detail as { eventId: string }).eventId);
    expect(new Set(ids).size).toBe(1);
    await expect(exists(h, object)).resolves.toBeDefined();
  });

  it('a deleted image’s kept original is left alone: not removed, not sent through the pipeline', async () => {
    const { h, object, services, grant } = await acceptedThenGrantsLost();
    await h.services.deleteImage('alice', grant.imageId);
    await h.storePublished();
    const before = h.publisher.published.length;

    const outcome = await services.checkUpload(object);

    expect(outcome).toMatchObject({ outcome: 'readmitted', republished: false });
    expect(h.publisher.published).toHaveLength(before);
    await expect(exists(h, object)).resolves.toBeDefined();
  });

  it('other bytes under the same key are no proven upload: NO_GRANT, removed', async () => {
    const { h, object, services } = await acceptedThenGrantsLost();
    const other = await h.store.put({
      bucket: object.bucket,
      key: object.key,
      body: await testImage('png-alpha', { width: 32, height: 32 }),
      contentType: 'image/png',
    });

    const outcome = await services.checkUpload({ bucket: object.bucket, key: object.key, ...(other.etag ? { etag: other.etag } : {}) });

    expect(outcome).toMatchObject({ outcome: 'refused', code: 'NO_GRANT' });
    await expect(exists(h, object)).resolves.toBeUndefined();
  });

  it('an image whose history is another key is no proven upload for this one', async () => {
    const { h, object, services, grant } = await acceptedThenGrantsLost();
    const key = object.key.replace(/[^/]+$/, 'elsewhere.jpg');
    const body = await h.store.get({ bucket: object.bucket, key: object.key });
    const planted = await h.store.put({ bucket: object.bucket, key, body: body.body, contentType: 'image/jpeg' });

    const outcome = await services.checkUpload({ bucket: object.bucket, key, ...(planted.etag ? { etag: planted.etag } : {}) });

    expect(outcome).toMatchObject({ outcome: 'refused', code: 'NO_GRANT' });
    expect(grant.key).not.toBe(key);
    await expect(h.store.head({ bucket: object.bucket, key })).resolves.toBeUndefined();
  });
});
