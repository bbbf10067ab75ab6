import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { Readable } from 'node:stream';
import { clientConfig, s3ClientConfig } from '../aws/clients';
import { loadOrCreateLocalCredentials } from './local-credentials';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localCorsRule, startLocalDynamo, startLocalS3, type LocalPeer, type LocalS3 } from './local-peers';

// The local S3 and DynamoDB servers refuse every caller that does not sign with their
// credentials, as S3 and DynamoDB would, and keep every key inside its bucket's folder.

const BUCKET = 'originals';
const WRONG_SECRET = { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' };
const UNKNOWN_KEY = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey };

let parent: string;
let s3: LocalS3;
let dynamo: LocalPeer;
let client: S3Client;
beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'imgpipe-gate-'));
  await writeFile(join(parent, 'victim'), 'keep me');
  [s3, dynamo] = await Promise.all([startLocalS3({ buckets: [BUCKET], directory: join(parent, 's3') }), startLocalDynamo()]);
  client = s3Client(LOCAL_CREDENTIALS);
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/a/photo.jpg', Body: 'secret photo', ContentType: 'image/jpeg' }));
});
afterAll(async () => {
  client.destroy();
  await Promise.all([s3.stop(), dynamo.stop()]);
  await rm(parent, { recursive: true, force: true });
});

const s3Client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new S3Client({ ...s3ClientConfig({ region: LOCAL_REGION, endpoint: s3.endpoint, credentials }), maxAttempts: 1 });

/** A raw HTTP request, the path sent byte for byte (fetch would normalise `%2e%2e`). */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest({ host: '127.0.0.1', port: s3.port, method, path, headers: { ...length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs a raw request with the SDK's signer, the path exactly as it will be sent. */
async function signedRaw(method: string, path: string, body = '', credentials = LOCAL_CREDENTIALS) {
  const [rawPath = '/', rawQuery] = path.split('?');
  const query = Object.fromEntries(new URLSearchParams(rawQuery ?? ''));
  const signer = new SignatureV4({ credentials, region: LOCAL_REGION, service: 's3', sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: s3.port,
    path: rawPath,
    query,
    headers: { host: `127.0.0.1:${s3.port}`, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
  });
  return signed.headers as Record<string, string>;
}

const codeOf = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const errorName = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.name);
const outsideEntries = async () => (await readdir(parent)).sort();

describe('the local S3 server refuses anonymous callers', () => {
  it.each([
    ['GET an object', 'GET', `/${BUCKET}/uploads/u1/a/photo.jpg`],
    ['list a bucket', 'GET', `/${BUCKET}?list-type=2`],
    ['list the buckets', 'GET', '/'],
    ['PUT an object', 'PUT', `/${BUCKET}/planted.html`],
    ['DELETE an object', 'DELETE', `/${BUCKET}/uploads/u1/a/photo.jpg`],
    ['DeleteObjects', 'POST', `/${BUCKET}?delete`],
    ['PUT a bucket CORS rule', 'PUT', `/${BUCKET}?cors`],
  ])('%s: 403 AccessDenied', async (_case, method, path) => {
    const answer = await raw(method, path, { 'content-type': 'text/html' }, method === 'GET' ? undefined : '<html></html>');

    expect([answer.status, codeOf(answer.text)]).toEqual([403, 'AccessDenied']);
  });

  it('left everything as it was', async () => {
    await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/a/photo.jpg' }))).resolves.toBeDefined();
    expect(await errorName(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'planted.html' })))).toBe('NotFound');
  });

  it('answers no CORS rule unless origins are given', async () => {
    const answer = await raw('OPTIONS', `/${BUCKET}/x`, { origin: 'http://evil.example', 'access-control-request-method': 'GET' });

    expect(answer.status).toBe(403);
    expect(codeOf(answer.text)).toBe('CORSResponse');
  });
});

describe('the local S3 server refuses wrongly signed requests', () => {
  it('a wrong secret: SignatureDoesNotMatch; an unknown key: InvalidAccessKeyId', async () => {
    const wrong = s3Client(WRONG_SECRET);
    const unknown = s3Client(UNKNOWN_KEY);
    try {
      expect(await errorName(wrong.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/a/photo.jpg' })))).toBe('SignatureDoesNotMatch');
      expect(await errorName(wrong.send(new ListObjectsV2Command({ Bucket: BUCKET })))).toBe('SignatureDoesNotMatch');
      expect(await errorName(unknown.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })))).toBe('InvalidAccessKeyId');
    } finally {
      wrong.destroy();
      unknown.destroy();
    }
  });

  it('a body that does not match its signed hash: XAmzContentSHA256Mismatch, nothing stored', async () => {
    const headers = await signedRaw('PUT', `/${BUCKET}/hashed.txt`, 'signed body');

    const answer = await raw('PUT', `/${BUCKET}/hashed.txt`, headers, 'other body!');

    expect([answer.status, codeOf(answer.text)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect(await errorName(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'hashed.txt' })))).toBe('NotFound');
  });

  it('a signature for another path: SignatureDoesNotMatch', async () => {
    const headers = await signedRaw('GET', `/${BUCKET}/uploads/u1/a/other.jpg`);

    const answer = await raw('GET', `/${BUCKET}/uploads/u1/a/photo.jpg`, headers);

    expect([answer.status, codeOf(answer.text)]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('a presigned GET works; with a tampered key or expired it is refused', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/a/photo.jpg' }), { expiresIn: 60 });
    const short = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/a/photo.jpg' }), { expiresIn: 1 });

    const ok = await fetch(url);
    expect([ok.status, await ok.text()]).toEqual([200, 'secret photo']);
    const tampered = await fetch(url.replace('/uploads/u1/', '/uploads/u2/'));
    expect([tampered.status, codeOf(await tampered.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await fetch(short);
    expect([expired.status, codeOf(await expired.text())]).toEqual([403, 'AccessDenied']);
  });
});

describe('the SDK works unchanged against the gate', () => {
  it('PutObject (stream and bytes), GetObject, HeadObject, ListObjectsV2, CopyObject, DeleteObjects, PutBucketCors', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'sdk/stream name (1).bin', Body: Readable.from([Buffer.from('streamed')]), ContentLength: 8 }),
    );
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sdk/bytes é.bin', Body: new Uint8Array([1, 2, 3]) }));
    await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'sdk/copy.bin', CopySource: `${BUCKET}/sdk/${encodeURIComponent('bytes é.bin')}` }));

    const streamed = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'sdk/stream name (1).bin' }));
    expect(await streamed.Body?.transformToString()).toBe('streamed');
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'sdk/copy.bin' }))).ContentLength).toBe(3);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sdk/' }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(['sdk/bytes é.bin', 'sdk/copy.bin', 'sdk/stream name (1).bin']);
    await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'sdk/copy.bin' }, { Key: 'sdk/bytes é.bin' }] } }));
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sdk/' }))).KeyCount).toBe(1);
    await client.send(new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules: [localCorsRule(['http://127.0.0.1:3000'])] } }));

    const allowed = await raw('OPTIONS', `/${BUCKET}/x`, { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST' });
    const other = await raw('OPTIONS', `/${BUCKET}/x`, { origin: 'http://evil.example', 'access-control-request-method': 'POST' });
    expect(allowed.status).toBe(200);
    expect(other.status).toBe(403);
  });
});

describe('keys stay inside their bucket’s folder', () => {
  it.each([
    ['encoded slashes', `/${BUCKET}/..%2F..%2F..%2Fescaped`],
    ['encoded dots', `/${BUCKET}/%2e%2e/%2e%2e/escaped`],
    ['encoded dots and slashes', `/${BUCKET}/%2E%2E%2F%2E%2E%2Fescaped`],
    ['a dot segment', `/${BUCKET}/a/./b`],
    ['a backslash', `/${BUCKET}/..%5C..%5Cescaped`],
    ['a NUL', `/${BUCKET}/a%00b`],
    ['a bucket that climbs', `/..%2F..%2Fescaped/x`],
  ])('%s: refused with 400, nothing written outside', async (_case, path) => {
    const before = await outsideEntries();

    const answer = await raw('PUT', path, await signedRaw('PUT', path, 'pwned'), 'pwned');

    expect(answer.status).toBe(400);
    expect(['InvalidArgument', 'InvalidBucketName', 'InvalidURI']).toContain(codeOf(answer.text));
    expect(await outsideEntries()).toEqual(before);
  });

  it('refuses the same keys unsigned with 403 before looking at them', async () => {
    const answer = await raw('PUT', `/${BUCKET}/..%2F..%2F..%2Fescaped`, {}, 'pwned');

    expect([answer.status, codeOf(answer.text)]).toEqual([403, 'AccessDenied']);
  });

  it('stores a double-encoded key as its literal text, inside the bucket', async () => {
    const path = `/${BUCKET}/%252e%252e%252Fescaped`;
    const before = await outsideEntries();

    const answer = await raw('PUT', path, await signedRaw('PUT', path, 'literal'), 'literal');

    expect(answer.status).toBe(200);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: '%2e%2e%2Fescaped' }));
    expect(head.ContentLength).toBe(7);
    expect(await outsideEntries()).toEqual(before);
  });

  it('a DeleteObjects key that climbs out deletes nothing outside', async () => {
    await errorName(client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: '../../victim' }] } })));

    await expect(stat(join(parent, 'victim'))).resolves.toBeDefined();
  });
});

describe('the local DynamoDB server refuses anonymous and wrongly signed callers', () => {
  const dynamoClient = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
    new DynamoDBClient({ ...clientConfig({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials }), maxAttempts: 1 });

  it('unsigned: MissingAuthenticationTokenException', async () => {
    const response = await fetch(dynamo.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
  });

  it('a wrong secret: InvalidSignatureException; an unknown key: UnrecognizedClientException; the right pair works', async () => {
    const [wrong, unknown, right] = [dynamoClient(WRONG_SECRET), dynamoClient(UNKNOWN_KEY), dynamoClient(LOCAL_CREDENTIALS)];
    try {
      expect(await errorName(wrong.send(new ListTablesCommand({})))).toBe('InvalidSignatureException');
      expect(await errorName(unknown.send(new ListTablesCommand({})))).toBe('UnrecognizedClientException');
      await expect(right.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
    } finally {
      [wrong, unknown, right].forEach((c) => c.destroy());
    }
  });

  it('listens on 127.0.0.1 only', () => {
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('loadOrCreateLocalCredentials', () => {
  it('makes a random 20/40-character pair once, mode 0600, and reads the same pair back', async () => {
    const file = join(parent, 'creds', 'credentials.json');

    const first = await loadOrCreateLocalCredentials(file);
    const again = await loadOrCreateLocalCredentials(file);

    expect(first.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
    expect(first.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(again).toEqual(first);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateLocalCredentials(join(parent, 'creds', 'other.json'))).not.toEqual(first);
  });
});
