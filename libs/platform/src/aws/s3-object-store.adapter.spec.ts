import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { DependencyError, ObjectNotFoundError } from '../errors';
import { newId } from '../ids';
import { BUCKETS, useLocalAws } from '../testing/local-aws.spec-helper';
import { S3ObjectStore } from './s3-object-store.adapter';

const local = useLocalAws();
const store = () => new S3ObjectStore(local.clients.s3);
const bucket = BUCKETS.originals;

describe('S3ObjectStore against the local S3 server', () => {
  it('stores and returns the exact bytes with content type, cache control and metadata', async () => {
    const key = `it/${newId()}/photo.jpg`;
    const body = new Uint8Array(randomBytes(300_000));

    const { etag } = await store().put({
      bucket,
      key,
      body,
      contentType: 'image/jpeg',
      cacheControl: 'public, max-age=31536000, immutable',
      metadata: { 'image-id': 'abc' },
    });
    const got = await store().get({ bucket, key });

    expect(Buffer.from(got.body).equals(Buffer.from(body))).toBe(true);
    expect(got).toMatchObject({
      size: 300_000,
      contentType: 'image/jpeg',
      cacheControl: 'public, max-age=31536000, immutable',
      metadata: { 'image-id': 'abc' },
      etag,
    });
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('reads only the first bytes with getHead, and all of a shorter object', async () => {
    const key = `it/${newId()}/head.bin`;
    const body = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    await store().put({ bucket, key, body, contentType: 'application/octet-stream' });

    const head = await store().getHead({ bucket, key }, 16);
    const all = await store().getHead({ bucket, key }, 10_000);

    expect([...head]).toEqual([...body.subarray(0, 16)]);
    expect(all.byteLength).toBe(5000);
  });

  it('reports facts with head, and undefined / ObjectNotFoundError for a missing key', async () => {
    const key = `it/${newId()}/facts.png`;
    await store().put({ bucket, key, body: new Uint8Array([1, 2, 3]), contentType: 'image/png' });

    await expect(store().head({ bucket, key })).resolves.toMatchObject({ size: 3, contentType: 'image/png' });
    await expect(store().head({ bucket, key: `${key}.missing` })).resolves.toBeUndefined();
    await expect(store().get({ bucket, key: `${key}.missing` })).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store().getHead({ bucket, key: `${key}.missing` }, 8)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('lists a prefix in key order and deletes exactly that prefix', async () => {
    const root = `it/${newId()}`;
    const keys = [`${root}/a/2.webp`, `${root}/a/1.webp`, `${root}/a/sub/3.webp`, `${root}/b/1.webp`];
    for (const key of keys) await store().put({ bucket, key, body: new Uint8Array([7]), contentType: 'image/webp' });

    await expect(store().list(bucket, `${root}/a/`)).resolves.toEqual([
      `${root}/a/1.webp`,
      `${root}/a/2.webp`,
      `${root}/a/sub/3.webp`,
    ]);
    const deleted = await store().deletePrefix(bucket, `${root}/a/`);

    expect(deleted).toHaveLength(3);
    await expect(store().list(bucket, `${root}/`)).resolves.toEqual([`${root}/b/1.webp`]);
    await expect(store().deletePrefix(bucket, `${root}/nothing/`)).resolves.toEqual([]);
  });

  it('deletes an unversioned object with deleteVersion (no version id), and a missing one without error', async () => {
    const key = `it/${newId()}/gone.jpg`;
    const other = `it/${newId()}/stays.jpg`;
    await store().put({ bucket, key, body: new Uint8Array([1]), contentType: 'image/jpeg' });
    await store().put({ bucket, key: other, body: new Uint8Array([2]), contentType: 'image/jpeg' });

    await store().deleteVersion({ bucket, key });
    await store().deleteVersion({ bucket, key });

    await expect(store().head({ bucket, key })).resolves.toBeUndefined();
    await expect(store().head({ bucket, key: other })).resolves.toMatchObject({ size: 1 });
  });

  it('names the version on every request for one version (S3 with a versioned bucket)', async () => {
    const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
    const s3 = {
      send: jest.fn(async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return { ContentLength: 3, ETag: '"e"', VersionId: 'v2', Body: { transformToByteArray: async () => new Uint8Array(3) } };
      }),
    } as unknown as S3Client;
    const versioned = new S3ObjectStore(s3);
    const location = { bucket, key: 'uploads/u/i/a.jpg', versionId: 'v2' };

    await expect(versioned.head(location)).resolves.toMatchObject({ versionId: 'v2' });
    await versioned.getHead(location, 3);
    await versioned.get(location);
    await versioned.deleteVersion(location);

    expect(sent.map((c) => [c.name, c.input['VersionId']])).toEqual([
      ['HeadObjectCommand', 'v2'],
      ['GetObjectCommand', 'v2'],
      ['GetObjectCommand', 'v2'],
      ['DeleteObjectCommand', 'v2'],
    ]);
  });

  it('wraps an S3 outage as a retryable DependencyError (a 503 no local server produces)', async () => {
    const outage = Object.assign(new Error('Please reduce your request rate.'), {
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    const failing = { send: jest.fn().mockRejectedValue(outage) } as unknown as S3Client;

    const error = await new S3ObjectStore(failing).put({ bucket, key: 'k', body: new Uint8Array(1), contentType: 'a/b' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DependencyError);
    expect(error).toMatchObject({ code: 'DependencyFailure', retryable: true, cause: outage });
  });
});

describe('S3ObjectStore.deleteAllVersions', () => {
  it('on the local server (no versioning: it answers NotImplemented) deletes exactly the keys under the prefix', async () => {
    const root = `it/${newId()}`;
    for (const key of [`${root}/img/a.jpg`, `${root}/img/b.jpg`, `${root}/other/c.jpg`]) {
      await store().put({ bucket, key, body: new Uint8Array([1]), contentType: 'image/jpeg' });
    }

    await expect(store().deleteAllVersions(bucket, `${root}/img/`)).resolves.toBe(2);

    await expect(store().list(bucket, `${root}/`)).resolves.toEqual([`${root}/other/c.jpg`]);
    await expect(store().deleteAllVersions(bucket, `${root}/img/`)).resolves.toBe(0);
  });

  it('on a versioned bucket deletes every version and delete marker by id, over every page', async () => {
    const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
    const pages = [
      {
        Versions: [
          { Key: 'uploads/u/i/a.jpg', VersionId: 'v1' },
          { Key: 'uploads/u/i/a.jpg', VersionId: 'v2' },
        ],
        IsTruncated: true,
        NextKeyMarker: 'uploads/u/i/a.jpg',
        NextVersionIdMarker: 'v2',
      },
      { Versions: [], DeleteMarkers: [{ Key: 'uploads/u/i/a.jpg', VersionId: 'm3' }], IsTruncated: false },
    ];
    const s3 = {
      send: jest.fn(async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return command.constructor.name === 'ListObjectVersionsCommand' ? pages.shift() : { Errors: [] };
      }),
    } as unknown as S3Client;

    const erased = await new S3ObjectStore(s3).deleteAllVersions('originals', 'uploads/u/i/');

    expect(erased).toBe(3);
    expect(sent.map((c) => c.name)).toEqual(['ListObjectVersionsCommand', 'ListObjectVersionsCommand', 'DeleteObjectsCommand']);
    expect(sent[1]?.input).toMatchObject({ Prefix: 'uploads/u/i/', KeyMarker: 'uploads/u/i/a.jpg', VersionIdMarker: 'v2' });
    expect(sent[2]?.input).toEqual({
      Bucket: 'originals',
      Delete: {
        Objects: [
          { Key: 'uploads/u/i/a.jpg', VersionId: 'v1' },
          { Key: 'uploads/u/i/a.jpg', VersionId: 'v2' },
          { Key: 'uploads/u/i/a.jpg', VersionId: 'm3' },
        ],
        Quiet: true,
      },
    });
  });

  it('fails as a dependency error when S3 refuses a listing for another reason', async () => {
    const s3 = {
      send: jest.fn(async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      }),
    } as unknown as S3Client;
    await expect(new S3ObjectStore(s3).deleteAllVersions('originals', 'uploads/u/i/')).rejects.toBeInstanceOf(DependencyError);
  });
});
