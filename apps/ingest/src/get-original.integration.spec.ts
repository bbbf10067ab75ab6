import { createAwsClients, originalKey, S3DownloadSigner, S3ObjectStore, type AwsClients } from '@imgpipe/platform';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalS3, type LocalS3 } from '@imgpipe/platform/testing';
import { ImageNotFoundError } from './errors';
import { attachmentDisposition } from './get-original.use-case';
import { createHttpApiHandler } from './handlers/http-api.adapter';
import { createIngestServices, type IngestServices } from './services';
import { createHarness, TEST_ENV, type Harness } from './testing/ingest-harness';

/*
 * GET /images/{id}/original against a real S3-compatible server (s3rver behind the
 * platform's SigV4 gate) through the SDK's presigner and `fetch`: the URL works for its
 * owner until it expires, and for nothing else.
 */

const BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);
const UPLOADED_AT = '2025-06-01T11:00:00.000Z';

let s3: LocalS3;
let clients: AwsClients;
let h: Harness;
let services: IngestServices;

function servicesSignedAt(now: () => Date): IngestServices {
  return createIngestServices(h.config, { ...h.ports, store: new S3ObjectStore(clients.s3), downloads: new S3DownloadSigner(clients.s3, now) });
}

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: [TEST_ENV.ORIGINALS_BUCKET, TEST_ENV.PROCESSED_BUCKET] });
  clients = createAwsClients({ region: LOCAL_REGION, endpoint: s3.endpoint, credentials: LOCAL_CREDENTIALS });
  h = createHarness();
  services = servicesSignedAt(() => new Date());
  await h.seedImage({ userId: 'alice', imageId: 'img-1', uploadedAt: UPLOADED_AT, filename: 'holiday photo.jpg' });
  await new S3ObjectStore(clients.s3).put({
    bucket: TEST_ENV.ORIGINALS_BUCKET,
    key: originalKey('alice', 'img-1', 'holiday photo.jpg'),
    body: BYTES,
    contentType: 'image/jpeg',
  });
});

afterAll(async () => {
  clients?.destroy();
  await s3?.stop();
});

describe('GET /images/{id}/original', () => {
  it('hands the owner a signed URL that downloads the original', async () => {
    const download = await services.getOriginal('alice', 'img-1');

    expect(download).toMatchObject({ imageId: 'img-1', filename: 'holiday photo.jpg' });
    expect(Date.parse(download.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const response = await fetch(download.url);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BYTES);
  });

  it('answers with Content-Disposition: attachment under the upload’s name, signed into the URL', async () => {
    const download = await services.getOriginal('alice', 'img-1');

    // The presigned GET carries S3's response-content-disposition; the local gate answers it as S3 does.
    expect(new URL(download.url).searchParams.get('response-content-disposition')).toBe(attachmentDisposition('holiday photo.jpg'));
    const response = await fetch(download.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="holiday_photo.jpg"; filename*=UTF-8''holiday_photo.jpg`);
    // The override is signed: another name breaks the signature.
    const renamed = new URL(download.url);
    renamed.searchParams.set('response-content-disposition', 'attachment; filename="evil.html"');
    expect((await fetch(renamed)).status).toBe(403);
  });

  it('sanitises a hostile file name in the header and keeps a non-ASCII one in filename*', async () => {
    const key = originalKey('alice', 'img-3', 'Café "menu"; x.jpg');
    await h.seedImage({ userId: 'alice', imageId: 'img-3', uploadedAt: UPLOADED_AT, filename: 'Café "menu"; x.jpg' });
    await new S3ObjectStore(clients.s3).put({ bucket: TEST_ENV.ORIGINALS_BUCKET, key, body: BYTES, contentType: 'image/jpeg' });

    const response = await fetch((await services.getOriginal('alice', 'img-3')).url);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="Caf_menu_x.jpg"; filename*=UTF-8''Caf%C3%A9_menu_x.jpg`);
  });

  it("answers another user's image exactly as an unknown one: 404, no URL", async () => {
    await expect(services.getOriginal('mallory', 'img-1')).rejects.toBeInstanceOf(ImageNotFoundError);
    await expect(services.getOriginal('mallory', 'img-nope')).rejects.toBeInstanceOf(ImageNotFoundError);

    const http = createHttpApiHandler(() => services);
    const asCaller = (sub: string, id: string) =>
      http({
        rawPath: `/images/${id}/original`,
        requestContext: { http: { method: 'GET', path: `/images/${id}/original` }, authorizer: { jwt: { claims: { sub } } } },
      } as never);
    const theirs = await asCaller('mallory', 'img-1');
    const unknown = await asCaller('mallory', 'img-nope');
    expect(theirs.statusCode).toBe(404);
    expect(theirs.body).toBe((unknown.body ?? '').replace('img-nope', 'img-1'));
    expect((await asCaller('alice', 'img-1')).statusCode).toBe(200);
  });

  it('refuses the URL once it has expired', async () => {
    const signedLongAgo = servicesSignedAt(() => new Date(Date.now() - 10 * 60_000));

    const { url, expiresAt } = await signedLongAgo.getOriginal('alice', 'img-1');

    expect(Date.parse(expiresAt)).toBeLessThan(Date.now());
    expect((await fetch(url)).status).toBe(403);
  });

  it('refuses the URL bent to another key or stripped of its signature', async () => {
    const { url } = await services.getOriginal('alice', 'img-1');

    expect((await fetch(url.replace('/alice/img-1/', '/alice/img-2/'))).status).toBe(403);
    const forged = new URL(url);
    forged.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(forged)).status).toBe(403);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    expect((await fetch(longer)).status).toBe(403);
    // No signature at all: the gate refuses an unsigned caller as S3 refuses a private object.
    const unsigned = new URL(url);
    for (const name of [...unsigned.searchParams.keys()]) if (name.startsWith('X-Amz-')) unsigned.searchParams.delete(name);
    expect([401, 403]).toContain((await fetch(unsigned)).status);
  });
});
