import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_BUCKETS } from '@imgpipe/local';
import { postToGrant, RuntimeClient, type UploadGrant } from '@imgpipe/local/testing';
import { testImage } from '@imgpipe/image-ops/testing';
import { objectBytes, objectExists, runtimeCredentials, s3Client } from './peers';
import { scratchDir, settle, startRuntime, type RuntimeProcess } from './runtime-process';

/*
 * Issue 9, "A grant can write into another account": user B's upload grant, posted the way an
 * attacker would rather than the way a browser does, must never put an object into user A's
 * space, replace A's image, be used twice, or carry more bytes than it declared.
 */

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let runtime: RuntimeProcess;
let alice: RuntimeClient;
let bob: RuntimeClient;
let s3: S3Client;
let alicePhoto: Buffer;
let aliceGrant: UploadGrant;

beforeAll(async () => {
  scratch = await scratchDir('uploads');
  runtime = await startRuntime({ dataDir: scratch.dataDir, concurrency: 1 });
  [alice, bob] = await Promise.all([RuntimeClient.signIn(runtime.url, 'alice'), RuntimeClient.signIn(runtime.url, 'bob')]);
  alicePhoto = await testImage('jpeg', { width: 320, height: 240 });
  aliceGrant = await alice.upload(alicePhoto, 'alice.jpg', 'image/jpeg');
  const processed = await alice.waitForOutcome(aliceGrant.imageId);
  if (processed.image?.status !== 'processed') throw new Error(`alice's photo was not processed: ${JSON.stringify(processed.image)}`);
  s3 = s3Client(runtime.endpoints, await runtimeCredentials(scratch.dataDir));
});

afterAll(async () => {
  s3?.destroy();
  await runtime?.stop();
  await scratch?.remove();
});

/** A multipart POST of `fields` (in order, duplicates kept) and a file part to `url`. */
async function post(url: string, fields: ReadonlyArray<readonly [string, string]>, file: Blob | string, filename?: string) {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  if (typeof file === 'string') form.append('file', file);
  else form.append('file', file, filename ?? 'photo.jpg');
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

const fieldsOf = (grant: UploadGrant) => Object.entries(grant.fields) as Array<[string, string]>;
const withKey = (grant: UploadGrant, key: string) => fieldsOf(grant).map(([name, value]): [string, string] => [name, name === 'key' ? key : value]);
const jpeg = (bytes: Uint8Array) => new Blob([bytes], { type: 'image/jpeg' });

/** A fresh key in alice's space, as B would aim at it. */
const aliceKey = (name: string) => `uploads/alice/${randomUUID()}/${name}`;

/** The upload events of alice's photo once the runtime is quiet. */
async function aliceHistoryAfterSettling() {
  await settle(runtime, async () => JSON.stringify((await alice.image(aliceGrant.imageId)).history.length), { quietMs: 2000 });
  return (await alice.image(aliceGrant.imageId)).history.map((e) => e.detailType);
}

describe('a grant posted by hand', () => {
  it('with a second key field cannot replace A’s original or plant an object in A’s space', async () => {
    const evil = await testImage('jpeg', { width: 320, height: 240 + 8 });
    // Declared as what is sent: only the second key can make the store refuse it.
    const grant = await bob.requestUpload('bob.jpg', 'image/jpeg', evil.byteLength);
    const planted = aliceKey('planted.jpg');

    const replace = await post(grant.url, [...fieldsOf(grant), ['key', aliceGrant.key]], jpeg(evil));
    const plant = await post(grant.url, [...fieldsOf(grant), ['key', planted]], jpeg(evil));

    expect(Buffer.from(await objectBytes(s3, LOCAL_BUCKETS.originals, aliceGrant.key)).equals(alicePhoto)).toBe(true);
    expect(await objectExists(s3, LOCAL_BUCKETS.originals, planted)).toBe(false);
    expect((await aliceHistoryAfterSettling()).filter((t) => t === 'ImageUploaded')).toHaveLength(1);
    expect(replace.status).toBeGreaterThanOrEqual(400);
    expect(plant.status).toBeGreaterThanOrEqual(400);
  });

  it('to the grant URL with ?x=1 is checked all the same', async () => {
    const grant = await bob.requestUpload('bob.jpg', 'image/jpeg', alicePhoto.byteLength);
    const planted = aliceKey('query.jpg');

    const answer = await post(`${grant.url}?x=1`, withKey(grant, planted), jpeg(alicePhoto));

    expect(await objectExists(s3, LOCAL_BUCKETS.originals, planted)).toBe(false);
    expect(answer.status).toBeGreaterThanOrEqual(400);
  });

  it('with a file part that has no filename is checked all the same', async () => {
    const html = '<script>alert(document.cookie)</script>';
    const grant = await bob.requestUpload('bob.jpg', 'image/jpeg', Buffer.byteLength(html));
    const planted = aliceKey('nofilename.html');

    const answer = await post(grant.url, withKey(grant, planted), html);

    expect(await objectExists(s3, LOCAL_BUCKETS.originals, planted)).toBe(false);
    expect(answer.status).toBeGreaterThanOrEqual(400);
  });

  it('can be used once: a second post neither replaces the first upload nor runs again', async () => {
    const first = await testImage('jpeg', { width: 300, height: 200 });
    const grant = await bob.requestUpload('once.jpg', 'image/jpeg', first.byteLength);
    await postToGrant(grant, first, 'image/jpeg', 'once.jpg');
    expect((await bob.waitForOutcome(grant.imageId)).image?.status).toBe('processed');
    // Other bytes of exactly the declared size, so only the reuse can be refused.
    const second = Buffer.from(first);
    second.fill(0x55, Math.floor(second.length / 3), Math.floor(second.length / 2));

    const again = await post(grant.url, fieldsOf(grant), jpeg(second));
    await settle(runtime, async () => JSON.stringify((await bob.image(grant.imageId)).history.length), { quietMs: 2000 });

    expect(Buffer.from(await objectBytes(s3, LOCAL_BUCKETS.originals, grant.key)).equals(first)).toBe(true);
    const uploads = (await bob.image(grant.imageId)).history.filter((e) => e.detailType === 'ImageUploaded');
    expect(uploads).toHaveLength(1);
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a file larger than the bytes it declared', async () => {
    const photo = await testImage('jpeg', { width: 320, height: 240 });
    const grant = await bob.requestUpload('small.jpg', 'image/jpeg', photo.byteLength - 1024);

    const answer = await post(grant.url, fieldsOf(grant), jpeg(photo));
    await settle(runtime, async () => String(await objectExists(s3, LOCAL_BUCKETS.originals, grant.key)), { quietMs: 2000 });

    expect(await objectExists(s3, LOCAL_BUCKETS.originals, grant.key)).toBe(false);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body).toContain('EntityTooLarge');
  });
});
