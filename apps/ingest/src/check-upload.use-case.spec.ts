import { ImageProcessingFailedV1, ImageUploadedV1, parseDetail, UploadRefusedV1 } from '@imgpipe/contracts';
import { DEFAULT_RENDITION_SET_PRESET, renditionSetVersion, resolveRenditionSet, type InputPolicy } from '@imgpipe/image-ops/checks';
import { testImage as makeTestImage, type TestImageKind, type TestImageOptions } from '@imgpipe/image-ops/testing';
import { uploadGrantExpiresAt, type ObjectStore } from '@imgpipe/platform';
import { createCheckUpload, GRANT_EXPIRY_GRACE_MS } from './check-upload.use-case';
import { createHarness, type Harness } from './testing/ingest-harness';

/** Test images are made once per kind and size: making them is most of this spec's time. */
const made = new Map<string, Promise<Buffer>>();
function testImage(kind: TestImageKind, options: TestImageOptions = {}): Promise<Buffer> {
  const id = `${kind}/${options.width ?? ''}x${options.height ?? ''}`;
  if (!made.has(id)) made.set(id, makeTestImage(kind, options));
  return made.get(id) as Promise<Buffer>;
}

const USER = 'user-1';

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
    deleteVersion: (location) => store.deleteVersion(location),
    deletePrefix: (bucket, prefix) => store.deletePrefix(bucket, prefix),
    deleteAllVersions: (bucket, prefix) => store.deleteAllVersions(bucket, prefix),
    list: (bucket, prefix) => store.list(bucket, prefix),
  };
  return { spy, reads };
}

/** An upload through a grant, as the browser makes it: `createUpload`, then the object under its key. */
async function setup(
  body: Uint8Array | Buffer,
  options: { env?: Record<string, string>; contentType?: string; policy?: Partial<InputPolicy> } = {},
) {
  const h = createHarness(options.env);
  const { grant, object: created } = await h.upload(USER, body, { contentType: options.contentType ?? 'image/jpeg' });
  const { spy, reads } = spyStore(h.store);
  const policy = { ...h.config.policy, ...options.policy };
  const checkUpload = createCheckUpload({ ...h.ports, histories: h.eventStore, store: spy, policy, renditionsVersion: h.config.renditionsVersion });
  const object = { ...created, etag: created.etag?.replace(/"/g, '') };
  return { h, checkUpload, object, reads, IMAGE: grant.imageId, KEY: grant.key };
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
    const { h, checkUpload, object, reads, IMAGE, KEY } = await setup(jpeg);

    const outcome = await checkUpload(object);

    expect(outcome.outcome).toBe('accepted');
    expect(reads).toEqual({ head: 1, getHead: [64 * 1024] });
    expect(h.publisher.published).toHaveLength(1);
    expect(h.publisher.published[0]).toMatchObject({ source: 'imgpipe.ingest', detailType: 'ImageUploaded' });
    const detail = parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail);
    expect(detail.correlationId).toBe(IMAGE);
    expect(detail.occurredAt).toBe('2025-06-01T12:00:01.000Z');
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
      renditionsVersion: renditionSetVersion(resolveRenditionSet(DEFAULT_RENDITION_SET_PRESET)),
      uploadedAt: '2025-06-01T12:00:01.000Z',
    });
    await expect(h.grants.get(IMAGE)).resolves.toMatchObject({
      claimed: { etag: object.etag, size: jpeg.byteLength, at: '2025-06-01T12:00:01.000Z' },
    });
  });

  it('carries the version of the configured rendition set', async () => {
    const { h, checkUpload, object } = await setup(await testImage('png-alpha'), { env: { RENDITION_SET: 'marketplace' }, contentType: 'image/png' });
    await checkUpload(object);
    const detail = parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail);
    expect(detail.data.renditionsVersion).toBe(renditionSetVersion(resolveRenditionSet('marketplace')));
    expect(detail.data.renditionsVersion).not.toBe(renditionSetVersion(resolveRenditionSet(DEFAULT_RENDITION_SET_PRESET)));
    expect(detail.data.format).toBe('png');
  });

  it('reads the real type from the bytes, not the declared content type', async () => {
    const { h, checkUpload, object } = await setup(await testImage('png-alpha'), { contentType: 'image/jpeg' });
    await checkUpload(object);
    const detail = parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail);
    expect(detail.data.format).toBe('png');
    expect(detail.data.original.contentType).toBe('image/jpeg');
  });

  it('publishes the same event for a repeated notification (deterministic id and time), even one without a time', async () => {
    const { h, checkUpload, object } = await setup(await testImage('jpeg'));
    await checkUpload(object);
    h.clock.advance(60 * 60_000);
    await checkUpload({ ...object, etag: `"${object.etag}"` });
    const { createdAt: _time, ...withoutTime } = object;
    await checkUpload(withoutTime);
    const [first, second, third] = h.publisher.published.map((e) => JSON.stringify(e));
    expect(h.publisher.published).toHaveLength(3);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('takes the owner and image id from the grant, never from the key', async () => {
    const h = createHarness();
    const imageId = '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    // A grant whose key names someone else: only the grant may say whose image it is.
    const key = `uploads/someone-else/${imageId}/photo.jpg`;
    const body = await testImage('jpeg');
    await h.grants.put({
      imageId,
      userId: 'owner-from-grant',
      key,
      contentType: 'image/jpeg',
      bytes: body.byteLength,
      createdAt: '2025-06-01T12:00:00.000Z',
      validUntil: '2025-06-01T12:15:00.000Z',
      expiresAt: uploadGrantExpiresAt('2025-06-01T12:15:00.000Z'),
    });
    await h.store.put({ bucket: h.config.originalsBucket, key, body, contentType: 'image/jpeg' });

    const outcome = await h.services.checkUpload({ bucket: h.config.originalsBucket, key });

    expect(outcome).toMatchObject({ outcome: 'accepted', imageId, userId: 'owner-from-grant' });
    expect(parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail).data.userId).toBe('owner-from-grant');
  });

  it.each<[TestImageKind, string]>([
    ['random', 'UNSUPPORTED_FORMAT'],
    ['svg', 'UNSUPPORTED_FORMAT'],
    ['png-bomb-header', 'TOO_MANY_PIXELS'],
  ])('records ImageProcessingFailed for %s bytes (%s) without starting the pipeline', async (kind, code) => {
    const { h, checkUpload, object, IMAGE, KEY } = await setup(await testImage(kind), { contentType: 'image/png' });

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

  it('publishes a byte-identical rejection when the same object is checked again at another time', async () => {
    const { h, checkUpload, object } = await setup(await testImage('random'), { contentType: 'image/png' });

    await checkUpload(object);
    h.clock.advance(3 * 24 * 3600_000);
    await checkUpload(object);

    const [first, second] = h.publisher.published.map((e) => JSON.stringify(e));
    expect(h.publisher.published.map((e) => e.detailType)).toEqual(['ImageProcessingFailed', 'ImageProcessingFailed']);
    expect(second).toBe(first);
    expect(JSON.parse(first ?? '{}').detail.occurredAt).toBe(object.createdAt);
  });

  it('refuses an object over the limit as TOO_LARGE without reading a byte', async () => {
    const jpeg = await testImage('jpeg');
    // The limit was lowered between the grant and the upload.
    const { h, checkUpload, object, reads } = await setup(jpeg, { policy: { maxBytes: jpeg.byteLength - 1 } });
    await expect(checkUpload(object)).resolves.toMatchObject({ outcome: 'rejected', code: 'TOO_LARGE' });
    expect(reads.getHead).toEqual([]);
    expect(publishedFailure(h).reason).toMatch(/limit/);
  });

  it('reads a small object in one piece of its own size', async () => {
    const { checkUpload, object, reads } = await setup(await testImage('jpeg', { width: 16, height: 16 }));
    await checkUpload(object);
    expect(reads.getHead).toEqual([object.size]);
  });

  it('ignores a key outside uploads/', async () => {
    const { h, checkUpload, object, reads } = await setup(await testImage('jpeg'));
    const outcome = await checkUpload({ ...object, key: 'compressed/user-1/img/full.webp' });
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect(outcome.outcome === 'ignored' && outcome.reason).toContain('not under uploads/');
    expect(reads.head).toBe(0);
    expect(h.publisher.published).toHaveLength(0);
  });

  it('decodes a URL-encoded key from a notification', async () => {
    const h = createHarness();
    const { grant } = await h.upload(USER, await testImage('png-alpha'), { filename: 'café.png', contentType: 'image/png' });
    const outcome = await h.services.checkUpload({
      bucket: h.config.originalsBucket,
      key: grant.key.replace('café', 'caf%C3%A9'),
    });
    expect(outcome.outcome).toBe('accepted');
    expect(parseDetail(ImageUploadedV1, h.publisher.published[0]?.detail).data.original).toMatchObject({
      key: grant.key,
      filename: 'café.png',
    });
  });

  it('reports an object that is gone as missing and publishes nothing', async () => {
    const h = createHarness();
    const key = `uploads/${USER}/0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/photo.jpg`;
    await expect(h.services.checkUpload({ bucket: h.config.originalsBucket, key })).resolves.toEqual({ outcome: 'missing', key });
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

describe('checkUpload refuses what no grant admits, records it and removes the object', () => {
  /** The one UploadRefused published, parsed by its contract. */
  function refusal(h: Harness) {
    const refused = h.publisher.published.filter((e) => e.detailType === 'UploadRefused');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.source).toBe('imgpipe.ingest');
    return parseDetail(UploadRefusedV1, refused[0]?.detail);
  }
  const started = (h: Harness) => h.publisher.published.filter((e) => e.detailType !== 'UploadRefused');

  it('NO_GRANT: an object under an image id nobody was granted, with no owner in the record', async () => {
    const h = createHarness();
    const key = `uploads/${USER}/0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/photo.jpg`;
    await h.store.put({ bucket: h.config.originalsBucket, key, body: await testImage('jpeg'), contentType: 'image/jpeg' });

    const outcome = await h.services.checkUpload({ bucket: h.config.originalsBucket, key, createdAt: '2025-06-01T12:00:05Z' });

    expect(outcome).toMatchObject({ outcome: 'refused', code: 'NO_GRANT' });
    expect(outcome).not.toHaveProperty('userId');
    const event = refusal(h);
    expect(event.occurredAt).toBe('2025-06-01T12:00:05.000Z');
    expect(event.data).toEqual({
      key,
      bucket: h.config.originalsBucket,
      code: 'NO_GRANT',
      reason: expect.stringContaining('No upload grant'),
      refusedAt: '2025-06-01T12:00:05.000Z',
    });
    expect(started(h)).toEqual([]);
    await expect(h.store.head({ bucket: h.config.originalsBucket, key })).resolves.toBeUndefined();
  });

  it.each([
    ['two segments', 'uploads/user-1/photo.jpg'],
    ['a user id that cannot be a key segment', 'uploads/user 1/img/photo.jpg'],
    ['a .. segment', 'uploads/user-1/../photo.jpg'],
    ['control characters', 'uploads/user-1/\u0001img/photo.jpg'],
  ])('NO_GRANT for a key of no granted form (%s), recorded under a key the contract holds', async (_case, key) => {
    const h = createHarness();
    await h.store.put({ bucket: h.config.originalsBucket, key, body: new Uint8Array([1, 2, 3]), contentType: 'image/jpeg' });

    await expect(h.services.checkUpload({ bucket: h.config.originalsBucket, key })).resolves.toMatchObject({
      outcome: 'refused',
      code: 'NO_GRANT',
    });

    expect(refusal(h).data.key.startsWith('uploads/')).toBe(true);
    await expect(h.store.head({ bucket: h.config.originalsBucket, key })).resolves.toBeUndefined();
  });

  it("KEY_MISMATCH: user B cannot plant an object in user A's space, and A's upload stays A's", async () => {
    const h = createHarness();
    const a = await h.upload('user-a', await testImage('jpeg'));
    await h.services.checkUpload(a.object);
    const b = await h.upload('user-b', await testImage('png-alpha'), { contentType: 'image/png' });
    // B's object under A's image id (another file name), and under A's user with B's image id.
    const planted = [
      a.grant.key.replace('photo.jpg', 'planted.jpg'),
      `uploads/user-a/${b.grant.imageId}/photo.jpg`,
    ];
    for (const key of planted) {
      await h.store.put({ bucket: h.config.originalsBucket, key, body: await testImage('png-alpha'), contentType: 'image/png' });
    }

    const outcomes = await Promise.all(planted.map((key) => h.services.checkUpload({ bucket: h.config.originalsBucket, key })));

    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'refused', code: 'KEY_MISMATCH', imageId: a.grant.imageId, userId: 'user-a' }),
      expect.objectContaining({ outcome: 'refused', code: 'KEY_MISMATCH', imageId: b.grant.imageId, userId: 'user-b' }),
    ]);
    for (const key of planted) await expect(h.store.head({ bucket: h.config.originalsBucket, key })).resolves.toBeUndefined();
    await expect(h.store.head({ bucket: h.config.originalsBucket, key: a.grant.key })).resolves.toBeDefined();
    expect(h.publisher.published.map((e) => e.detailType)).toEqual(['ImageUploaded', 'UploadRefused', 'UploadRefused']);
    // B's own grant is still unused: B can still upload what B declared.
    await expect(h.services.checkUpload(b.object)).resolves.toMatchObject({ outcome: 'accepted', userId: 'user-b' });
  });

  it.each([
    ['larger', 1],
    ['smaller', -1],
  ])('SIZE_MISMATCH: an object %s than declared', async (_case, delta) => {
    const h = createHarness();
    const jpeg = await testImage('jpeg');
    const grant = await h.services.createUpload(USER, { filename: 'photo.jpg', contentType: 'image/jpeg', bytes: jpeg.byteLength + delta });
    await h.store.put({ bucket: h.config.originalsBucket, key: grant.key, body: jpeg, contentType: 'image/jpeg' });

    const outcome = await h.services.checkUpload({ bucket: h.config.originalsBucket, key: grant.key });

    expect(outcome).toMatchObject({ outcome: 'refused', code: 'SIZE_MISMATCH', imageId: grant.imageId, userId: USER });
    expect(refusal(h).data.reason).toContain(String(jpeg.byteLength));
    await expect(h.store.head({ bucket: h.config.originalsBucket, key: grant.key })).resolves.toBeUndefined();
    await expect(h.grants.get(grant.imageId)).resolves.not.toHaveProperty('claimed');
  });

  it('SIZE_MISMATCH for an empty object: every grant declares at least one byte', async () => {
    const h = createHarness();
    const grant = await h.services.createUpload(USER, { filename: 'photo.jpg', contentType: 'image/jpeg', bytes: 1 });
    await h.store.put({ bucket: h.config.originalsBucket, key: grant.key, body: new Uint8Array(), contentType: 'image/jpeg' });

    await expect(h.services.checkUpload({ bucket: h.config.originalsBucket, key: grant.key })).resolves.toMatchObject({
      outcome: 'refused',
      code: 'SIZE_MISMATCH',
    });
  });

  it('GRANT_EXPIRED: an object created after its grant expired (beyond the grace for a slow upload)', async () => {
    const h = createHarness();
    const { grant, object } = await h.upload(USER, await testImage('jpeg'));
    const expiry = Date.parse(grant.expiresAt);

    const late = await h.services.checkUpload({ ...object, createdAt: new Date(expiry + GRANT_EXPIRY_GRACE_MS + 1000).toISOString() });

    expect(late).toMatchObject({ outcome: 'refused', code: 'GRANT_EXPIRED', imageId: grant.imageId, userId: USER });
    await expect(h.store.head({ bucket: h.config.originalsBucket, key: grant.key })).resolves.toBeUndefined();
  });

  it('admits an object that finished within the grace after its grant expired', async () => {
    const h = createHarness();
    const { grant, object } = await h.upload(USER, await testImage('jpeg'));
    const slow = new Date(Date.parse(grant.expiresAt) + GRANT_EXPIRY_GRACE_MS - 1000).toISOString();
    await expect(h.services.checkUpload({ ...object, createdAt: slow })).resolves.toMatchObject({ outcome: 'accepted' });
  });

  it('GRANT_ALREADY_USED: a second object for one grant is removed by version, and the first becomes current again', async () => {
    const h = createHarness({}, { versionedStore: true });
    const jpeg = await testImage('jpeg');
    const { grant, object: first } = await h.upload(USER, jpeg);
    await expect(h.services.checkUpload(first)).resolves.toMatchObject({ outcome: 'accepted' });
    // Same size, other bytes, same key: S3 keeps both versions.
    const other = Buffer.from(jpeg);
    other[other.length - 3] = (other[other.length - 3] ?? 0) ^ 0xff;
    const stored = await h.store.put({ bucket: h.config.originalsBucket, key: grant.key, body: other, contentType: 'image/jpeg' });
    const second = { ...first, etag: stored.etag, versionId: stored.versionId, createdAt: '2025-06-01T12:00:30.000Z' };

    const outcome = await h.services.checkUpload(second);

    expect(outcome).toMatchObject({ outcome: 'refused', code: 'GRANT_ALREADY_USED', imageId: grant.imageId, userId: USER });
    expect(refusal(h).data).toMatchObject({ versionId: stored.versionId, key: grant.key });
    const current = await h.store.get({ bucket: h.config.originalsBucket, key: grant.key });
    expect(current.versionId).toBe(first.versionId);
    expect(Buffer.from(current.body).equals(jpeg)).toBe(true);
    await expect(h.store.head({ bucket: h.config.originalsBucket, key: grant.key, versionId: stored.versionId })).resolves.toBeUndefined();
    expect(started(h).map((e) => e.detailType)).toEqual(['ImageUploaded']);
    // The first object's redelivered notification is still admitted, as before.
    await expect(h.services.checkUpload(first)).resolves.toMatchObject({ outcome: 'accepted' });
    expect(JSON.stringify(started(h)[1])).toBe(JSON.stringify(started(h)[0]));
  });

  it('GRANT_ALREADY_USED without versions (the local store): the second object is deleted', async () => {
    const h = createHarness();
    const jpeg = await testImage('jpeg');
    const { grant, object: first } = await h.upload(USER, jpeg);
    await h.services.checkUpload(first);
    const other = Buffer.from(jpeg);
    other[other.length - 3] = (other[other.length - 3] ?? 0) ^ 0xff;
    await h.store.put({ bucket: h.config.originalsBucket, key: grant.key, body: other, contentType: 'image/jpeg' });

    await expect(h.services.checkUpload({ bucket: h.config.originalsBucket, key: grant.key })).resolves.toMatchObject({
      outcome: 'refused',
      code: 'GRANT_ALREADY_USED',
    });
    await expect(h.store.head({ bucket: h.config.originalsBucket, key: grant.key })).resolves.toBeUndefined();
  });

  it('records a refusal whose removal failed identically when the notification comes again', async () => {
    const h = createHarness();
    const key = `uploads/${USER}/0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/photo.jpg`;
    await h.store.put({ bucket: h.config.originalsBucket, key, body: new Uint8Array([9, 9]), contentType: 'image/jpeg' });
    const deleteVersion = h.store.deleteVersion.bind(h.store);
    h.store.deleteVersion = jest.fn().mockRejectedValueOnce(new Error('S3 unavailable')).mockImplementation(deleteVersion);
    const notification = { bucket: h.config.originalsBucket, key, createdAt: '2025-06-01T12:00:05Z' };

    await expect(h.services.checkUpload(notification)).rejects.toThrow('S3 unavailable');
    h.clock.advance(10 * 60_000);
    await expect(h.services.checkUpload(notification)).resolves.toMatchObject({ outcome: 'refused', code: 'NO_GRANT' });

    const [first, second] = h.publisher.published.map((e) => JSON.stringify(e));
    expect(h.publisher.published).toHaveLength(2);
    expect(second).toBe(first);
    await expect(h.store.head({ bucket: h.config.originalsBucket, key })).resolves.toBeUndefined();
  });
});
