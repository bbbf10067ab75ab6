import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ImageUploadedV1, parseDetail, UploadRefusedV1 } from '@imgpipe/contracts';
import { testImage } from '@imgpipe/image-ops/testing';
import {
  createAwsClients,
  DynamoUploadGrantStore,
  S3ObjectStore,
  S3PresignedPostSigner,
  TABLES,
  type AwsClients,
  type ObjectStore,
} from '@imgpipe/platform';
import {
  InMemoryObjectStore,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startLocalDynamo,
  startLocalS3,
  type LocalPeer,
  type LocalS3,
} from '@imgpipe/platform/testing';
import type { CreatedObject } from './check-upload.use-case';
import type { CreateUploadResult } from './create-upload.use-case';
import { createIngestServices, type IngestServices } from './services';
import { createHarness, TEST_ENV, type Harness } from './testing/ingest-harness';

/*
 * Upload grants end to end on the local peers, through the real SDK: the presigned POST
 * from s3rver, grants in DynamoDB (dynalite, conditional writes), ingest's check over both.
 * The versioned path (a second object for a used grant removed by version id) runs over the
 * versioned in-memory store: s3rver keeps no versions.
 */

const BUCKET = TEST_ENV.ORIGINALS_BUCKET;
const A = 'user-a';
const B = 'user-b';

interface Peers {
  readonly s3: LocalS3;
  readonly dynamo: LocalPeer;
  readonly clients: AwsClients;
}

let peers: Peers | undefined;
const current = (): Peers => {
  if (!peers) throw new Error('the local peers did not start');
  return peers;
};

beforeAll(async () => {
  const [s3, dynamo] = await Promise.all([
    startLocalS3({ buckets: [TEST_ENV.ORIGINALS_BUCKET, TEST_ENV.PROCESSED_BUCKET] }),
    startLocalDynamo({ tables: [{ definition: TABLES.uploadGrants, name: TEST_ENV.GRANTS_TABLE }] }),
  ]);
  const clients = createAwsClients({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint },
  });
  peers = { s3, dynamo, clients };
});
afterAll(async () => {
  peers?.clients.destroy();
  await Promise.all([peers?.s3.stop(), peers?.dynamo.stop()]);
});

/** Ingest on DynamoDB grants and the given store (default: the local S3 server), history and bus in memory. */
function ingest(store?: ObjectStore): { h: Harness; services: IngestServices; store: ObjectStore; grants: DynamoUploadGrantStore } {
  const { clients } = current();
  const h = createHarness();
  const grants = new DynamoUploadGrantStore(clients.documents, TEST_ENV.GRANTS_TABLE);
  const objects = store ?? new S3ObjectStore(clients.s3);
  const services = createIngestServices(h.config, {
    ...h.ports,
    signer: new S3PresignedPostSigner(clients.s3),
    store: objects,
    grants,
  });
  return { h, services, store: objects, grants };
}

/** Posts a file with a grant's fields, as the browser does. */
async function post(grant: CreateUploadResult, body: Uint8Array): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
  form.append('file', new Blob([body]), 'upload.bin');
  return (await fetch(grant.url, { method: 'POST', body: form })).status;
}

async function notification(store: ObjectStore, key: string, createdAt: string): Promise<CreatedObject> {
  const head = await store.head({ bucket: BUCKET, key });
  if (!head) throw new Error(`s3://${BUCKET}/${key} was not stored`);
  return {
    bucket: BUCKET,
    key,
    size: head.size,
    ...(head.etag ? { etag: head.etag } : {}),
    ...(head.versionId ? { versionId: head.versionId } : {}),
    createdAt,
  };
}

describe('upload grants on the local S3 and DynamoDB servers', () => {
  it("admits A's upload as A's, and refuses and removes what user B plants in A's space", async () => {
    const { h, services, store, grants } = ingest();
    const jpeg = await testImage('jpeg', { width: 64, height: 48 });
    const grantA = await services.createUpload(A, { filename: 'mine.jpg', contentType: 'image/jpeg', bytes: jpeg.byteLength });
    expect(await post(grantA, jpeg)).toBe(204);
    await expect(services.checkUpload(await notification(store, grantA.key, '2025-06-01T12:00:01Z'))).resolves.toMatchObject({
      outcome: 'accepted',
      imageId: grantA.imageId,
      userId: A,
    });

    // B holds a grant of its own, and gets objects into A's space (however they got past the
    // store: a duplicate form field on an unfixed store, a leaked credential): under a new
    // image id in A's prefix, beside A's original, and over B's own image id in A's prefix.
    const png = await testImage('png-alpha', { width: 16, height: 16 });
    const grantB = await services.createUpload(B, { filename: 'x.png', contentType: 'image/png', bytes: png.byteLength });
    const planted = [
      `uploads/${A}/0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/x.png`,
      grantA.key.replace('mine.jpg', 'x.png'),
      `uploads/${A}/${grantB.imageId}/x.png`,
    ];
    for (const key of planted) {
      await current().clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: png, ContentType: 'image/png' }));
    }

    const outcomes = [];
    for (const key of planted) outcomes.push(await services.checkUpload(await notification(store, key, '2025-06-01T12:00:02Z')));

    expect(outcomes.map((o) => [o.outcome, 'code' in o ? o.code : undefined, 'userId' in o ? o.userId : undefined])).toEqual([
      ['refused', 'NO_GRANT', undefined],
      ['refused', 'KEY_MISMATCH', A],
      ['refused', 'KEY_MISMATCH', B],
    ]);
    for (const key of planted) await expect(store.head({ bucket: BUCKET, key })).resolves.toBeUndefined();
    const refusals = h.publisher.published.filter((e) => e.detailType === 'UploadRefused');
    expect(refusals.map((e) => parseDetail(UploadRefusedV1, e.detail).data.key)).toEqual(planted);
    // A's original and A's grant are as they were; nothing of B's entered A's history.
    await expect(store.head({ bucket: BUCKET, key: grantA.key })).resolves.toMatchObject({ size: jpeg.byteLength });
    await expect(grants.get(grantA.imageId)).resolves.toMatchObject({ userId: A, claimed: { size: jpeg.byteLength } });
    const uploaded = h.publisher.published.filter((e) => e.detailType === 'ImageUploaded');
    expect(uploaded.map((e) => parseDetail(ImageUploadedV1, e.detail).data.userId)).toEqual([A]);
  });

  it('refuses an upload larger than the grant declared, and removes it', async () => {
    const { services, store } = ingest();
    const jpeg = await testImage('jpeg', { width: 64, height: 48 });
    const grant = await services.createUpload(A, { filename: 'a.jpg', contentType: 'image/jpeg', bytes: jpeg.byteLength - 10 });
    // Written with the runtime's own credentials: what a store that let the size through would hold.
    await current().clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: grant.key, Body: jpeg, ContentType: 'image/jpeg' }));

    await expect(services.checkUpload(await notification(store, grant.key, '2025-06-01T12:00:01Z'))).resolves.toMatchObject({
      outcome: 'refused',
      code: 'SIZE_MISMATCH',
      userId: A,
    });
    await expect(store.head({ bucket: BUCKET, key: grant.key })).resolves.toBeUndefined();
  });

  it('claims a grant once in DynamoDB: the same object again is admitted identically, a second object is refused without losing the first', async () => {
    const versioned = new InMemoryObjectStore({ versioned: true });
    const { h, services, grants } = ingest(versioned);
    const jpeg = await testImage('jpeg', { width: 64, height: 48 });
    const grant = await services.createUpload(A, { filename: 'a.jpg', contentType: 'image/jpeg', bytes: jpeg.byteLength });
    await versioned.put({ bucket: BUCKET, key: grant.key, body: jpeg, contentType: 'image/jpeg' });
    const first = await notification(versioned, grant.key, '2025-06-01T12:00:01Z');
    const other = Buffer.from(jpeg);
    other[other.length - 3] = (other[other.length - 3] ?? 0) ^ 0xff;

    await services.checkUpload(first);
    await versioned.put({ bucket: BUCKET, key: grant.key, body: other, contentType: 'image/jpeg' });
    const second = await notification(versioned, grant.key, '2025-06-01T12:05:00Z');
    const [again, refused] = [await services.checkUpload(first), await services.checkUpload(second)];

    expect(again.outcome).toBe('accepted');
    expect(refused).toMatchObject({ outcome: 'refused', code: 'GRANT_ALREADY_USED', imageId: grant.imageId, userId: A });
    const [uploaded, repeated] = h.publisher.published.filter((e) => e.detailType === 'ImageUploaded');
    expect(JSON.stringify(repeated)).toBe(JSON.stringify(uploaded));
    const kept = await versioned.get({ bucket: BUCKET, key: grant.key });
    expect(kept.versionId).toBe(first.versionId);
    expect(Buffer.from(kept.body).equals(jpeg)).toBe(true);
    await expect(grants.get(grant.imageId)).resolves.toMatchObject({ claimed: { versionId: first.versionId } });
  });
});
