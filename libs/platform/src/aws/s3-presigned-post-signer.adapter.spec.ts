import { newId } from '../ids';
import { startLocalS3, type LocalS3 } from '../testing/local-peers';
import { BUCKETS, TEST_ORIGIN, useLocalAws } from '../testing/local-aws.spec-helper';
import { S3ObjectStore } from './s3-object-store.adapter';
import { S3PresignedPostSigner } from './s3-presigned-post-signer.adapter';
import { createAwsClients } from './clients';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../testing/local-peers';
import type { SignedUpload } from '../ports/upload-signer.port';

const local = useLocalAws();
const bucket = BUCKETS.originals;
const MAX = 1024;

async function post(upload: SignedUpload, file: Blob, extra: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...extra })) form.append(name, value);
  form.append('file', file, 'photo.png');
  return fetch(upload.url, { method: 'POST', body: form });
}

const errorCode = async (response: Response) => /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];

function decodePolicy(upload: SignedUpload): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(upload.fields['Policy'] ?? '', 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };
}

describe('S3PresignedPostSigner', () => {
  const sign = (key: string, overrides: Partial<Parameters<S3PresignedPostSigner['sign']>[0]> = {}) =>
    new S3PresignedPostSigner(local.clients.s3).sign({
      bucket,
      key,
      contentType: 'image/png',
      maxBytes: MAX,
      expiresInSeconds: 900,
      ...overrides,
    });

  it('signs a policy with the exact content type, the byte range, the exact key and the expiry', async () => {
    const key = `uploads/u1/${newId()}/photo.png`;
    const before = Date.now();

    const upload = await sign(key, { metadata: { 'user-id': 'u1' } });

    const policy = decodePolicy(upload);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['eq', '$Content-Type', 'image/png'],
        ['content-length-range', 1, MAX],
        { key },
        { bucket },
        { 'x-amz-meta-user-id': 'u1' },
      ]),
    );
    expect(upload.expiresAt).toBe(policy.expiration);
    const expiresIn = Date.parse(upload.expiresAt) - before;
    expect(expiresIn).toBeGreaterThan(898_000);
    expect(expiresIn).toBeLessThanOrEqual(901_000);
    expect(upload.url).toBe(`${local.s3.endpoint}/${bucket}`);
    expect(upload.fields).toMatchObject({ key, 'Content-Type': 'image/png', 'x-amz-meta-user-id': 'u1' });
  });

  it('is accepted by the local S3 server with the right type and size; the object keeps both', async () => {
    const key = `uploads/u1/${newId()}/photo.png`;
    const bytes = new Uint8Array(MAX).fill(9);

    const response = await post(await sign(key, { metadata: { 'user-id': 'u1' } }), new Blob([bytes], { type: 'image/png' }));

    expect(response.status).toBe(204);
    const stored = await new S3ObjectStore(local.clients.s3).get({ bucket, key });
    expect(stored.size).toBe(MAX);
    expect(stored.contentType).toBe('image/png');
    expect(stored.metadata).toEqual({ 'user-id': 'u1' });
  });

  it('is refused with another content type (403), and nothing is stored', async () => {
    const key = `uploads/u1/${newId()}/photo.png`;

    const response = await post(await sign(key), new Blob([new Uint8Array(10)]), { 'Content-Type': 'text/html' });

    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
    await expect(new S3ObjectStore(local.clients.s3).head({ bucket, key })).resolves.toBeUndefined();
  });

  it('is refused when the body is one byte too large (EntityTooLarge) or empty (EntityTooSmall)', async () => {
    const key = `uploads/u1/${newId()}/photo.png`;
    const upload = await sign(key);

    const tooLarge = await post(upload, new Blob([new Uint8Array(MAX + 1)], { type: 'image/png' }));
    const empty = await post(upload, new Blob([], { type: 'image/png' }));

    expect([tooLarge.status, await errorCode(tooLarge)]).toEqual([400, 'EntityTooLarge']);
    expect([empty.status, await errorCode(empty)]).toEqual([400, 'EntityTooSmall']);
    await expect(new S3ObjectStore(local.clients.s3).head({ bucket, key })).resolves.toBeUndefined();
  });

  it('is refused for another key, an extra field, or a forged policy', async () => {
    const key = `uploads/u1/${newId()}/photo.png`;
    const upload = await sign(key);
    const png = () => new Blob([new Uint8Array(4)], { type: 'image/png' });
    const forged = Buffer.from(
      JSON.stringify({ ...decodePolicy(upload), conditions: [['content-length-range', 1, 10 ** 9]] }),
    ).toString('base64');

    const otherKey = await post(upload, png(), { key: 'uploads/u2/x/evil.png' });
    const extraField = await post(upload, png(), { 'x-amz-meta-admin': 'true' });
    const forgedPolicy = await post(upload, png(), { Policy: forged });

    expect([otherKey.status, await errorCode(otherKey)]).toEqual([403, 'AccessDenied']);
    expect([extraField.status, await errorCode(extraField)]).toEqual([403, 'AccessDenied']);
    expect([forgedPolicy.status, await errorCode(forgedPolicy)]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('answers browser uploads, accepted or refused, with CORS headers so the page can read them', async () => {
    const upload = await sign(`uploads/u1/${newId()}/photo.png`);
    const browserPost = (size: number) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(size)], { type: 'image/png' }), 'photo.png');
      return fetch(upload.url, { method: 'POST', body: form, headers: { origin: TEST_ORIGIN } });
    };

    const refused = await browserPost(MAX + 1);
    const accepted = await browserPost(MAX);

    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    expect(accepted.status).toBe(204);
    expect(accepted.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
  });

  it('binds the exact declared size when given: one byte more or less is refused', async () => {
    const upload = await sign(`uploads/u1/${newId()}/photo.png`, { bytes: 100 });

    expect(decodePolicy(upload).conditions).toContainEqual(['content-length-range', 100, 100]);
    const over = await post(upload, new Blob([new Uint8Array(101)]));
    const under = await post(upload, new Blob([new Uint8Array(99)]));
    const exact = await post(upload, new Blob([new Uint8Array(100)]));
    expect([over.status, await errorCode(over)]).toEqual([400, 'EntityTooLarge']);
    expect([under.status, await errorCode(under)]).toEqual([400, 'EntityTooSmall']);
    expect(exact.status).toBe(204);
    await expect(sign('k', { bytes: MAX + 1 })).rejects.toThrow(RangeError);
    await expect(sign('k', { bytes: 0 })).rejects.toThrow(RangeError);
  });

  it('rejects grants S3 could not honour', async () => {
    await expect(sign('k', { maxBytes: 0 })).rejects.toThrow(RangeError);
    await expect(sign('k', { expiresInSeconds: 8 * 24 * 3600 })).rejects.toThrow(RangeError);
    await expect(sign('uploads/${filename}')).rejects.toThrow(RangeError);
    await expect(sign('k', { metadata: { 'Bad Name': 'x' } })).rejects.toThrow(RangeError);
  });
});

describe('s3rver on its own (no policy check in front)', () => {
  let bare: LocalS3;
  beforeAll(async () => {
    bare = await startLocalS3({ buckets: [bucket], enforcePostPolicy: false });
  });
  afterAll(() => bare.stop());

  it('stores a POST that breaks every condition: it does not enforce the policy at all', async () => {
    const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: bare.endpoint });
    const key = `uploads/u1/${newId()}/photo.png`;
    const upload = await new S3PresignedPostSigner(clients.s3).sign({
      bucket,
      key,
      contentType: 'image/png',
      maxBytes: 10,
      expiresInSeconds: 60,
    });

    const response = await post(upload, new Blob([new Uint8Array(100)]), { 'Content-Type': 'text/html', Policy: 'garbage' });

    expect(response.status).toBe(204);
    await expect(new S3ObjectStore(clients.s3).head({ bucket, key })).resolves.toMatchObject({
      size: 100,
      contentType: 'text/html',
    });
    clients.destroy();
  });
});
