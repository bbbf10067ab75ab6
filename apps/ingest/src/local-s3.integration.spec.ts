import { ImageProcessingFailedV1, ImageUploadedV1, parseDetail } from '@imgpipe/contracts';
import { testImage } from '@imgpipe/image-ops/testing';
import { createAwsClients, S3ObjectStore, S3PresignedPostSigner, type AwsClients } from '@imgpipe/platform';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalS3, type LocalS3 } from '@imgpipe/platform/testing';
import type { CreateUploadResult } from './create-upload.use-case';
import { createHarness, TEST_ENV, type Harness } from './testing/ingest-harness';
import { createIngestServices, type IngestServices } from './services';

/*
 * Against a real S3-compatible server (s3rver, started by the platform's `startLocalS3`)
 * through the real SDK, presigner and `fetch`. s3rver itself ignores POST policies; the
 * platform puts an S3-like policy check in front of it, which is what refuses here (see
 * the baseline test at the end). Not testable locally: S3's own enforcement on AWS.
 */

const MAX_BYTES = 64 * 1024;
const BUCKETS = [TEST_ENV.ORIGINALS_BUCKET, TEST_ENV.PROCESSED_BUCKET];

interface Stack {
  readonly s3: LocalS3;
  readonly clients: AwsClients;
  readonly h: Harness;
  readonly services: IngestServices;
  readonly store: S3ObjectStore;
}

async function startStack(options: { enforcePostPolicy?: boolean } = {}): Promise<Stack> {
  const s3 = await startLocalS3({ buckets: BUCKETS, ...options });
  const clients = createAwsClients({ region: LOCAL_REGION, endpoint: s3.endpoint, credentials: LOCAL_CREDENTIALS });
  // In-memory history and bus (the publisher captures what would go out), real S3.
  const h = createHarness({ MAX_UPLOAD_BYTES: String(MAX_BYTES) });
  const store = new S3ObjectStore(clients.s3);
  const services = createIngestServices(h.config, {
    ...h.ports,
    signer: new S3PresignedPostSigner(clients.s3),
    store,
  });
  return { s3, clients, h, services, store };
}

async function stopStack(stack: Stack | undefined): Promise<void> {
  stack?.clients.destroy();
  await stack?.s3.stop();
}

/** Posts a file with a grant's fields the way a browser form does; `fields` may be tampered with. */
async function post(grant: CreateUploadResult, body: Uint8Array, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...grant.fields, ...fields })) form.append(name, value);
  form.append('file', new Blob([body]), 'upload.bin');
  const response = await fetch(grant.url, { method: 'POST', body: form });
  return { status: response.status, text: await response.text() };
}

describe('ingest against a local S3 server', () => {
  let stack: Stack | undefined;
  const current = () => {
    if (!stack) throw new Error('the local S3 server did not start');
    return stack;
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stopStack(stack);
  });

  async function grant(filename: string, contentType: string, bytes = 1000) {
    return current().services.createUpload('user-1', { filename, contentType, bytes });
  }

  async function stored(key: string) {
    return current().store.head({ bucket: TEST_ENV.ORIGINALS_BUCKET, key });
  }

  describe('presigned POST', () => {
    it('accepts the declared content type and stores the object under the granted key', async () => {
      const jpeg = await testImage('jpeg', { width: 64, height: 48 });
      const upload = await grant('my photo.jpg', 'image/jpeg', jpeg.byteLength);

      const response = await post(upload, jpeg);

      expect(response.status).toBe(204);
      expect(upload.url).toBe(`${current().s3.endpoint}/${TEST_ENV.ORIGINALS_BUCKET}`);
      expect(await stored(upload.key)).toMatchObject({ size: jpeg.byteLength, contentType: 'image/jpeg' });
    });

    it('refuses another content type than the one granted', async () => {
      const png = await testImage('png-alpha', { width: 32, height: 32 });
      const upload = await grant('photo.jpg', 'image/jpeg');

      const response = await post(upload, png, { 'Content-Type': 'image/png' });

      expect(response.status).toBe(403);
      expect(response.text).toContain('Content-Type');
      expect(await stored(upload.key)).toBeUndefined();
    });

    it('refuses a body over the configured maximum', async () => {
      const upload = await grant('big.jpg', 'image/jpeg', MAX_BYTES);

      const response = await post(upload, new Uint8Array(MAX_BYTES + 1));

      expect(response.status).toBe(400);
      expect(response.text).toContain('EntityTooLarge');
      expect(await stored(upload.key)).toBeUndefined();
    });

    it('accepts a body of exactly the maximum', async () => {
      const upload = await grant('edge.jpg', 'image/jpeg', MAX_BYTES);
      const response = await post(upload, new Uint8Array(MAX_BYTES));
      expect(response.status).toBe(204);
      expect(await stored(upload.key)).toMatchObject({ size: MAX_BYTES });
    });

    it('refuses an empty body', async () => {
      const upload = await grant('empty.jpg', 'image/jpeg');
      const response = await post(upload, new Uint8Array());
      expect(response.status).toBe(400);
      expect(response.text).toContain('EntityTooSmall');
      expect(await stored(upload.key)).toBeUndefined();
    });

    it('refuses another key than the one granted (another user’s prefix)', async () => {
      const jpeg = await testImage('jpeg', { width: 16, height: 16 });
      const upload = await grant('photo.jpg', 'image/jpeg');
      const foreignKey = upload.key.replace('uploads/user-1/', 'uploads/user-2/');

      const response = await post(upload, jpeg, { key: foreignKey });

      expect(response.status).toBe(403);
      expect(await stored(foreignKey)).toBeUndefined();
    });

    it('keeps a sanitized Unicode file name intact through the real SDK', async () => {
      const jpeg = await testImage('jpeg', { width: 16, height: 16 });
      const upload = await grant('../Café Ünïcode.jpg', 'image/jpeg', jpeg.byteLength);
      expect(upload.key.endsWith('/Café_Ünïcode.jpg')).toBe(true);

      expect((await post(upload, jpeg)).status).toBe(204);
      expect(await stored(upload.key)).toMatchObject({ size: jpeg.byteLength });
    });
  });

  describe('onObjectCreated over uploaded objects', () => {
    async function uploadAndCheck(filename: string, contentType: string, body: Uint8Array) {
      const { h, services } = current();
      const upload = await grant(filename, contentType, body.byteLength);
      expect((await post(upload, body)).status).toBe(204);
      const head = await stored(upload.key);
      const before = h.publisher.published.length;
      const outcome = await services.checkUpload({
        bucket: TEST_ENV.ORIGINALS_BUCKET,
        key: upload.key,
        size: body.byteLength,
        ...(head?.etag ? { etag: head.etag } : {}),
        createdAt: '2025-06-01T12:00:00Z',
      });
      return { upload, head, outcome, published: h.publisher.published.slice(before) };
    }

    it('publishes ImageUploaded for a real JPEG', async () => {
      const jpeg = await testImage('jpeg', { width: 120, height: 80 });

      const { upload, head, outcome, published } = await uploadAndCheck('photo.jpg', 'image/jpeg', jpeg);

      expect(outcome.outcome).toBe('accepted');
      expect(published.map((e) => e.detailType)).toEqual(['ImageUploaded']);
      const data = parseDetail(ImageUploadedV1, published[0]?.detail).data;
      expect(data).toMatchObject({
        imageId: upload.imageId,
        userId: 'user-1',
        format: 'jpeg',
        width: 120,
        height: 80,
        original: {
          bucket: TEST_ENV.ORIGINALS_BUCKET,
          key: upload.key,
          size: jpeg.byteLength,
          contentType: 'image/jpeg',
          contentHash: `etag:${String(head?.etag).replace(/"/g, '')}`,
        },
      });
    });

    it.each([
      ['random bytes', 'random'],
      ['an SVG', 'svg'],
    ] as const)('publishes ImageProcessingFailed for %s, and the original stays', async (_case, kind) => {
      const body = await testImage(kind);

      const { upload, outcome, published } = await uploadAndCheck('image.png', 'image/png', body);

      expect(outcome).toMatchObject({ outcome: 'rejected', code: 'UNSUPPORTED_FORMAT' });
      expect(published.map((e) => e.detailType)).toEqual(['ImageProcessingFailed']);
      expect(parseDetail(ImageProcessingFailedV1, published[0]?.detail).data).toMatchObject({
        imageId: upload.imageId,
        stage: 'ingest',
        code: 'UNSUPPORTED_FORMAT',
        errorName: 'InvalidImage',
        retryable: false,
      });
      expect(await stored(upload.key)).toMatchObject({ size: body.byteLength });
    });
  });
});

describe('baseline: s3rver without the platform’s policy check', () => {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack({ enforcePostPolicy: false });
  });
  afterAll(async () => {
    await stopStack(stack);
  });

  it('stores an upload with a content type the policy forbids: the refusals above are the policy check’s', async () => {
    if (!stack) throw new Error('the local S3 server did not start');
    const upload = await stack.services.createUpload('user-1', { filename: 'a.jpg', contentType: 'image/jpeg', bytes: 10 });

    const response = await post(upload, new Uint8Array(MAX_BYTES + 1), { 'Content-Type': 'text/html' });

    expect(response.status).toBe(204);
    expect(await stack.store.head({ bucket: TEST_ENV.ORIGINALS_BUCKET, key: upload.key })).toMatchObject({
      contentType: 'text/html',
    });
  });
});
