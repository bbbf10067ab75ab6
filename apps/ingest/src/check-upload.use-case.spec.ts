import { ImageProcessingFailedV1, ImageUploadedV1, parseDetail } from '@imgpipe/contracts';
import { renditionSetVersion, resolveRenditionSet } from '@imgpipe/image-ops/checks';
import { testImage as makeTestImage, type TestImageKind, type TestImageOptions } from '@imgpipe/image-ops/testing';
import type { ObjectStore } from '@imgpipe/platform';
import { createCheckUpload } from './check-upload.use-case';
import { createHarness, type Harness } from './testing/ingest-harness';

/** Test images are made once per kind and size: making them is most of this spec's time. */
const made = new Map<string, Promise<Buffer>>();
function testImage(kind: TestImageKind, options: TestImageOptions = {}): Promise<Buffer> {
  const id = `${kind}/${options.width ?? ''}x${options.height ?? ''}`;
  if (!made.has(id)) made.set(id, makeTestImage(kind, options));
  return made.get(id) as Promise<Buffer>;
}

const USER = 'user-1';
const IMAGE = '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const KEY = `uploads/${USER}/${IMAGE}/photo.jpg`;

/** Wraps a store to count what is read; a whole-object `get` fails the test. */
function spyStore(store: ObjectStore) {
  const reads = { head: 0, getHead: [] as number[] };
  const spy: ObjectStore = {
    get: () => Promise.reject(new Error('onObjectCreated must not download the whole object')),
    getHead: (location, bytes) => {
      reads.getHead.push(bytes);
      return store.getHead(location, bytes);
    },
    head: (location) => {
      reads.head += 1;
      return store.head(location);
    },
    put: (input) => store.put(input),
    deletePrefix: (bucket, prefix) => store.deletePrefix(bucket, prefix),
    list: (bucket, prefix) => store.list(bucket, prefix),
  };
  return { spy, reads };
}

async function setup(body: Uint8Array | Buffer, options: { env?: Record<string, string>; contentType?: string } = {}) {
  const h = createHarness(options.env);
  const { etag } = await h.store.put({
    bucket: h.config.originalsBucket,
    key: KEY,
    body,
    contentType: options.contentType ?? 'image/jpeg',
  });
  const { spy, reads } = spyStore(h.store);
  const checkUpload = createCheckUpload({ ...h.ports, store: spy, policy: h.config.policy, renditionsVersion: h.config.renditionsVersion });
  const object = { bucket: h.config.originalsBucket, key: KEY, size: body.byteLength, etag: etag?.replace(/"/g, ''), createdAt: '2025-06-01T11:59:58Z' };
  return { h, checkUpload, object, reads };
}

function publishedFailure(h: Harness) {
  expect(h.publisher.published).toHaveLength(1);
  const entry = h.publisher.published[0];
  expect(entry).toMatchObject({ source: 'imgpipe.ingest', detailType: 'ImageProcessingFailed' });
  return parseDetail(ImageProcessingFailedV1, entry?.detail).data;
}

describe('checkUpload (onObjectCreated)', () => {
  it('publishes ImageUploaded for a real JPEG, reading only the head and the first 64 KiB', async () => {
    const jpeg = await testImage('jpeg', { width: 1200, height: 800 });
    expect(jpeg.byteLength).toBeGreaterThan(64 * 1024);
    const { h, checkUpload, object, reads } = await setup(jpeg);

    const outcome = await checkUpload(object);

    expect(outcome.outcome).toBe('accepted');
    expect(reads).toEqual({ head: 1, getHead: [64 * 1024] });
    expect(h.publisher.published).toHaveLength(1);
    expect(h.publisher.published[0]).toMatchObject({ source: 'imgpipe.ingest', detailType: 'ImageUploaded' });
    const detail = parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail);
    expect(detail.correlationId).toBe(IMAGE);
    expect(detail.occurredAt).toBe('2025-06-01T11:59:58.000Z');
    expect(detail.data).toEqual({
      imageId: IMAGE,
      userId: USER,
      original: {
        bucket: h.config.originalsBucket,
        key: KEY,
        size: jpeg.byteLength,
        contentHash: `etag:${object.etag}`,
        contentType: 'image/jpeg',
        filename: 'photo.jpg',
      },
      format: 'jpeg',
      width: 1200,
      height: 800,
      renditionsVersion: renditionSetVersion(resolveRenditionSet('default')),
      uploadedAt: '2025-06-01T11:59:58.000Z',
    });
  });

  it('carries the version of the configured rendition set', async () => {
    const { h, checkUpload, object } = await setup(await testImage('png-alpha'), { env: { RENDITION_SET: 'marketplace' } });
    await checkUpload(object);
    const detail = parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail);
    expect(detail.data.renditionsVersion).toBe(renditionSetVersion(resolveRenditionSet('marketplace')));
    expect(detail.data.renditionsVersion).not.toBe(renditionSetVersion(resolveRenditionSet('default')));
    expect(detail.data.format).toBe('png');
  });

  it('reads the real type from the bytes, not the declared content type', async () => {
    const { h, checkUpload, object } = await setup(await testImage('png-alpha'), { contentType: 'image/jpeg' });
    await checkUpload(object);
    const detail = parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail);
    expect(detail.data.format).toBe('png');
    expect(detail.data.original.contentType).toBe('image/jpeg');
  });

  it('publishes the same event for a repeated notification (deterministic id and time)', async () => {
    const { h, checkUpload, object } = await setup(await testImage('jpeg'));
    await checkUpload(object);
    h.clock.advance(60_000);
    await checkUpload({ ...object, etag: `"${object.etag}"` });
    const [first, second] = h.publisher.published;
    expect(second?.detail).toEqual(first?.detail);
  });

  it.each<[TestImageKind, string]>([
    ['random', 'UNSUPPORTED_FORMAT'],
    ['svg', 'UNSUPPORTED_FORMAT'],
    ['png-bomb-header', 'TOO_MANY_PIXELS'],
  ])('records ImageProcessingFailed for %s bytes (%s) without starting the pipeline', async (kind, code) => {
    const { h, checkUpload, object } = await setup(await testImage(kind), { contentType: 'image/png' });

    const outcome = await checkUpload(object);

    expect(outcome).toMatchObject({ outcome: 'rejected', code });
    const data = publishedFailure(h);
    expect(data).toMatchObject({
      imageId: IMAGE,
      userId: USER,
      originalKey: KEY,
      stage: 'ingest',
      code,
      errorName: 'InvalidImage',
      retryable: false,
    });
    expect(data.reason.length).toBeGreaterThan(10);
    expect(h.publisher.published.some((e) => e.detailType === 'ImageUploaded')).toBe(false);
    // Nothing is deleted: the original stays.
    expect(await h.store.head({ bucket: h.config.originalsBucket, key: KEY })).toBeDefined();
  });

  it('refuses an empty object as EMPTY without reading a byte', async () => {
    const { h, checkUpload, object, reads } = await setup(new Uint8Array());
    await expect(checkUpload(object)).resolves.toMatchObject({ outcome: 'rejected', code: 'EMPTY' });
    expect(reads.getHead).toEqual([]);
    expect(publishedFailure(h).code).toBe('EMPTY');
  });

  it('refuses an object over the limit as TOO_LARGE without reading a byte', async () => {
    const jpeg = await testImage('jpeg');
    const { h, checkUpload, object, reads } = await setup(jpeg, { env: { MAX_UPLOAD_BYTES: String(jpeg.byteLength - 1) } });
    await expect(checkUpload(object)).resolves.toMatchObject({ outcome: 'rejected', code: 'TOO_LARGE' });
    expect(reads.getHead).toEqual([]);
    expect(publishedFailure(h).reason).toMatch(/limit/);
  });

  it('reads a small object in one piece of its own size', async () => {
    const { checkUpload, object, reads } = await setup(await testImage('jpeg', { width: 16, height: 16 }));
    await checkUpload(object);
    expect(reads.getHead).toEqual([object.size]);
  });

  it.each([
    ['compressed/user-1/img/full.webp', 'not under uploads/'],
    ['uploads/user-1/photo.jpg', 'not of the form'],
    ['uploads/user 1/img/photo.jpg', 'not of the form'],
  ])('ignores %j', async (key, reason) => {
    const { h, checkUpload, object, reads } = await setup(await testImage('jpeg'));
    const outcome = await checkUpload({ ...object, key });
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect(outcome.outcome === 'ignored' && outcome.reason).toContain(reason);
    expect(reads.head).toBe(0);
    expect(h.publisher.published).toHaveLength(0);
  });

  it('decodes a URL-encoded key from a notification', async () => {
    const h = createHarness();
    const key = `uploads/${USER}/${IMAGE}/café.png`;
    await h.store.put({ bucket: h.config.originalsBucket, key, body: await testImage('png-alpha'), contentType: 'image/png' });
    const outcome = await h.services.checkUpload({
      bucket: h.config.originalsBucket,
      key: `uploads/${USER}/${IMAGE}/caf%C3%A9.png`,
    });
    expect(outcome.outcome).toBe('accepted');
    expect(parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail).data.original).toMatchObject({
      key,
      filename: 'café.png',
    });
  });

  it('reports an object that is gone as missing and publishes nothing', async () => {
    const h = createHarness();
    await expect(h.services.checkUpload({ bucket: h.config.originalsBucket, key: KEY })).resolves.toEqual({
      outcome: 'missing',
      key: KEY,
      imageId: IMAGE,
    });
    expect(h.publisher.published).toHaveLength(0);
  });

  it('fails retryably when the bus refuses the event', async () => {
    const { h, checkUpload, object } = await setup(await testImage('jpeg'));
    h.publisher.publish = async (entries) => ({
      published: [],
      failed: entries.map((entry) => ({ entry, errorCode: 'InternalFailure', errorMessage: 'try again' })),
    });
    await expect(checkUpload(object)).rejects.toMatchObject({ code: 'PUBLISH_FAILED', retryable: true });
  });
});
