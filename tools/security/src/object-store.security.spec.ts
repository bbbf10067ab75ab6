import { randomBytes } from 'node:crypto';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { LOCAL_BUCKETS } from '@imgpipe/local';
import { RuntimeClient, type UploadGrant } from '@imgpipe/local/testing';
import { TABLES } from '@imgpipe/platform';
import { testImage } from '@imgpipe/image-ops/testing';
import { dynamoClient, findNamed, objectExists, runtimeCredentials, s3Client, sdkStatus, type Credentials } from './peers';
import { listeningSockets, scratchDir, startRuntime, type RuntimeProcess } from './runtime-process';

/*
 * Issue 9, "The local object store answers anyone": the S3- and DynamoDB-compatible servers of
 * `npm start` must refuse every caller that does not sign with the runtime's own credentials,
 * keep keys inside the data directory, and `/cdn` must never serve what it cannot name as an image.
 */

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let runtime: RuntimeProcess;
let alice: RuntimeClient;
let photo: UploadGrant;
let credentials: Credentials;
let s3: S3Client;

beforeAll(async () => {
  scratch = await scratchDir('store');
  runtime = await startRuntime({ dataDir: scratch.dataDir, concurrency: 1 });
  alice = await RuntimeClient.signIn(runtime.url, 'alice');
  // A camera photo with a GPS position: what an anonymous reader must not get.
  photo = await alice.upload(await testImage('jpeg-gps', { width: 320, height: 240 }), 'home.jpg', 'image/jpeg');
  await alice.waitForOutcome(photo.imageId);
  credentials = await runtimeCredentials(scratch.dataDir);
  s3 = s3Client(runtime.endpoints, credentials);
});

afterAll(async () => {
  s3?.destroy();
  await runtime?.stop();
  await scratch?.remove();
});

/** A key in a path-style S3 URL: each segment encoded, the slashes kept. */
const keyPath = (key: string) => key.split('/').map(encodeURIComponent).join('/');

describe('the local S3 endpoint refuses anonymous callers', () => {
  it('refuses an unsigned list of the originals bucket (403), from any web page too', async () => {
    const response = await fetch(`${runtime.endpoints.s3}/${LOCAL_BUCKETS.originals}?list-type=2`, {
      headers: { origin: 'http://attacker.example' },
    });
    const body = await response.text();

    expect(response.status).toBe(403);
    expect(body).toContain('AccessDenied');
    expect(body).not.toContain(photo.imageId);
    expect(response.headers.get('access-control-allow-origin')).not.toBe('*');
  });

  it('refuses an unsigned GET of another user’s original (403, none of its bytes)', async () => {
    expect(await objectExists(s3, LOCAL_BUCKETS.originals, photo.key)).toBe(true);
    const response = await fetch(`${runtime.endpoints.s3}/${LOCAL_BUCKETS.originals}/${keyPath(photo.key)}`);
    const body = Buffer.from(await response.arrayBuffer());

    expect(response.status).toBe(403);
    // No JPEG (SOI marker) and no EXIF block in the answer.
    expect(body.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(false);
    expect(body.includes(Buffer.from('Exif'))).toBe(false);
  });

  it('refuses an unsigned PUT of text/html into the processed bucket, and /cdn serves no HTML from it', async () => {
    const key = `thumbnails/alice/${photo.imageId}/unsigned.html`;
    const put = await fetch(`${runtime.endpoints.s3}/${LOCAL_BUCKETS.processed}/${keyPath(key)}`, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: '<script>alert(localStorage.getItem("token"))</script>',
    });
    expect(put.status).toBe(403);

    const served = await fetch(`${runtime.url}/cdn/${key}`);
    expect(served.headers.get('content-type') ?? '').not.toMatch(/html/i);
    expect(await served.text()).not.toContain('<script>');
  });

  it('refuses path traversal in a key: nothing is written outside the data directory', async () => {
    const marker = `escaped-${randomBytes(4).toString('hex')}`;
    // Three levels up from <data>/s3/originals is the scratch folder, where the check below looks.
    const attempts = [`..%2F..%2F..%2F${marker}`, `%2e%2e%2F%2e%2e%2F%2e%2e%2F${marker}-dots`];
    const statuses: number[] = [];
    for (const path of attempts) {
      const response = await fetch(`${runtime.endpoints.s3}/${LOCAL_BUCKETS.originals}/${path}`, { method: 'PUT', body: 'escaped' });
      statuses.push(response.status);
    }
    // The same with the runtime's own credentials: being signed does not make a traversal safe.
    const signed = await sdkStatus(s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKETS.originals, Key: `../../../${marker}-signed`, Body: 'x' })));

    expect(await findNamed(scratch.base, marker, scratch.dataDir)).toEqual([]);
    for (const status of statuses) expect(status).toBeGreaterThanOrEqual(400);
    expect(signed.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a request signed with a wrong secret (403), while the runtime’s own signature works', async () => {
    const list = new ListObjectsV2Command({ Bucket: LOCAL_BUCKETS.originals });
    const wrong = s3Client(runtime.endpoints, { accessKeyId: credentials.accessKeyId, secretAccessKey: 'not-the-runtime-secret-0000000000000000' });
    try {
      expect(await sdkStatus(s3.send(list))).toEqual({ status: undefined });
      expect(await sdkStatus(wrong.send(list))).toMatchObject({ status: 403 });
    } finally {
      wrong.destroy();
    }
  });
});

describe('the local DynamoDB endpoint refuses callers it cannot verify', () => {
  const scanEvents = () => new ScanCommand({ TableName: TABLES.imageEvents.defaultName, Limit: 5 });

  it('refuses a call with a made-up signature (sent raw): no item of anyone’s history', async () => {
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const response = await fetch(runtime.endpoints.dynamodb, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.Scan',
        'x-amz-date': amzDate,
        authorization: `AWS4-HMAC-SHA256 Credential=anyone/${amzDate.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      },
      body: JSON.stringify({ TableName: TABLES.imageEvents.defaultName, Limit: 5 }),
    });
    const body = await response.text();

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(body).not.toContain('Items');
    expect(body).not.toContain(photo.imageId);
  });

  it('refuses an SDK call signed with a wrong secret, while the runtime’s own signature works', async () => {
    const own = dynamoClient(runtime.endpoints, credentials);
    const wrong = dynamoClient(runtime.endpoints, { accessKeyId: credentials.accessKeyId, secretAccessKey: 'not-the-runtime-secret-0000000000000000' });
    try {
      expect(await sdkStatus(own.send(scanEvents()))).toEqual({ status: undefined });
      const refused = await sdkStatus(wrong.send(scanEvents()));
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.name).toMatch(/UnrecognizedClient|InvalidSignature|AccessDenied|SignatureDoesNotMatch/);
    } finally {
      own.destroy();
      wrong.destroy();
    }
  });
});

describe('/cdn serves images only', () => {
  it('never serves a stored text/html object as HTML, even one written with the runtime’s own credentials', async () => {
    const html = '<!doctype html><script>alert(localStorage.getItem("token"))</script>';
    const keys = [`thumbnails/alice/${photo.imageId}/planted.html`, `thumbnails/alice/${photo.imageId}/planted.jpg`];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKETS.processed, Key: key, Body: html, ContentType: 'text/html' }));
    }

    for (const key of keys) {
      const served = await fetch(`${runtime.url}/cdn/${key}`);
      const type = served.headers.get('content-type') ?? '';
      expect({ key, type }).toEqual({ key, type: expect.not.stringMatching(/html/i) });
      if (served.status === 200) {
        expect(type).toMatch(/^image\//);
        expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      }
    }
  });
});

describe('the local S3 and DynamoDB servers hold bounded memory for request bodies', () => {
  const MiB = 1024 * 1024;
  const abandoned: ClientRequest[] = [];
  afterEach(() => {
    for (const request of abandoned.splice(0)) request.destroy();
  });

  /** Headers and `sent` bytes of a body declared `length` long; the answer, if one comes before the rest (never sent). */
  const partialPost = (endpoint: string, path: string, headers: Record<string, string>, length: number, sent: number) => {
    const { hostname, port } = new URL(endpoint);
    const request = httpRequest({ host: hostname, port, method: 'POST', path, headers: { ...headers, 'content-length': String(length) } });
    abandoned.push(request);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('error', reject);
    });
    answer.catch(() => undefined);
    request.flushHeaders();
    if (sent > 0) request.write(Buffer.alloc(sent, 0x61));
    return answer;
  };
  const within = <T>(promise: Promise<T>, ms = 5000): Promise<T> =>
    Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms: the server is buffering the body`)), ms).unref())]);
  const form = { 'content-type': 'multipart/form-data; boundary=x', origin: 'http://attacker.example' };
  /** Writes `count` MiB to `request`, waiting when the socket is full. */
  const writeMiB = async (request: ClientRequest, count: number) => {
    const chunk = Buffer.alloc(MiB, 0x61);
    for (let i = 0; i < count; i += 1) {
      if (!request.write(chunk)) await new Promise((resolve) => request.once('drain', resolve));
    }
  };

  it('refuses an anonymous form POST declaring 300 MiB before reading it (400 EntityTooLarge)', async () => {
    const refused = await within(partialPost(runtime.endpoints.s3, `/${LOCAL_BUCKETS.originals}`, form, 300 * MiB, 0));

    expect(refused.status).toBe(400);
    expect(refused.text).toContain('EntityTooLarge');
  });

  it('refuses an anonymous form POST that would take the server over what it holds at once (503 SlowDown): parallel posts cannot exhaust memory', async () => {
    // The first holds 200 MiB (of 250 declared) in the runtime; the second's 100 MiB would go over 256 MiB.
    void partialPost(runtime.endpoints.s3, `/${LOCAL_BUCKETS.originals}`, form, 250 * MiB, 0);
    const firstRequest = abandoned[abandoned.length - 1];
    if (firstRequest) await writeMiB(firstRequest, 200);
    const second = partialPost(runtime.endpoints.s3, `/${LOCAL_BUCKETS.originals}`, form, 100 * MiB, 0);
    const secondRequest = abandoned[abandoned.length - 1];
    if (secondRequest) {
      await writeMiB(secondRequest, 100);
      secondRequest.end();
    }

    const refused = await within(second, 30_000);

    expect(refused.status).toBe(503);
    expect(refused.text).toContain('SlowDown');
  }, 60_000);

  it('refuses an unsigned DynamoDB call before reading its 8 MiB body', async () => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' };

    const refused = await within(partialPost(runtime.endpoints.dynamodb, '/', headers, 8 * MiB, 0));

    expect(refused.status).toBe(400);
    expect(refused.text).toContain('MissingAuthenticationToken');
  });
});

describe('another local user cannot read the data directory', () => {
  it('the data directory is its owner’s only (0700): the originals with their EXIF/GPS, the tables, the archive and the logs in it', async () => {
    expect(await objectExists(s3, LOCAL_BUCKETS.originals, photo.key)).toBe(true);

    expect(((await stat(scratch.dataDir)).mode & 0o777).toString(8)).toBe('700');
  });
});

describe('with `--host 0.0.0.0`', () => {
  let wide: Awaited<ReturnType<typeof scratchDir>>;
  let open: RuntimeProcess;

  beforeAll(async () => {
    wide = await scratchDir('host');
    // What a runtime before the fix left behind (mkdir under umask 022): readable by every local user.
    await mkdir(wide.dataDir, { mode: 0o755 });
    await chmod(wide.dataDir, 0o755);
    open = await startRuntime({ dataDir: wide.dataDir, concurrency: 1, host: '0.0.0.0' });
  });

  it('a data directory left readable by every local user (0755) is closed on start (0700)', async () => {
    expect(((await stat(wide.dataDir)).mode & 0o777).toString(8)).toBe('700');
  });
  afterAll(async () => {
    await open?.stop();
    await wide?.remove();
  });

  it('the S3 and DynamoDB servers still listen on loopback only', async () => {
    const peers = [Number(new URL(open.endpoints.s3).port), Number(new URL(open.endpoints.dynamodb).port)];
    const sockets = (await listeningSockets(open.child.pid ?? -1)).filter((socket) => peers.includes(socket.port));

    expect(sockets.map((s) => s.port).sort()).toEqual([...peers].sort());
    expect(sockets.filter((socket) => !socket.loopbackOnly)).toEqual([]);
  });
});
