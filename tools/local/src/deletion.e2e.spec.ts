import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PURGE_GRACE_MS } from '@imgpipe/metadata';
import { DynamoUploadGrantStore, TABLES } from '@imgpipe/platform';
import { LOCAL_REGION } from '@imgpipe/platform/testing';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from './runtime';
import { HttpError, RuntimeClient, type ImageDetailsView, type ImageRecordView } from './testing/http-client';

/*
 * Deletion is final, with an undo window, ending in erasure — on a real runtime with a short
 * window: a delete takes the renditions off /cdn at once and keeps the original; a restore
 * within the window sends the image through the pipeline again; after the window the purge
 * sweep erases the original and leaves a tombstone history without the file name.
 */

const UNDO_WINDOW_SECONDS = 10;

let runtime: LocalRuntime;
let dataDir: string;
let alice: RuntimeClient;
let bob: RuntimeClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-deletion-e2e-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    web: false,
    concurrency: 2,
    undoWindowSeconds: UNDO_WINDOW_SECONDS,
    purgeIntervalMs: 500,
    // The purge waits PURGE_GRACE_MS past undoUntil (a restore may still be on its way): its
    // clock looks that far ahead instead of the test waiting five minutes.
    purgeClock: { now: () => new Date(Date.now() + PURGE_GRACE_MS) },
  });
  alice = await RuntimeClient.signIn(runtime.url, 'alice');
  bob = await RuntimeClient.signIn(runtime.url, 'bob');
});

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `GET /api/images/{id}` until `done` holds. */
async function waitFor(client: RuntimeClient, imageId: string, done: (details: ImageDetailsView) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const details = await client.image(imageId);
    if (done(details)) return details;
    if (Date.now() > deadline) throw new Error(`image ${imageId} did not get there: ${JSON.stringify(details.image)}`);
    await sleep(100);
  }
}

const count = (details: ImageDetailsView, detailType: string) => details.history.filter((e) => e.detailType === detailType).length;

/** Every file s3rver keeps for the image in the originals bucket (its data directory, read directly). */
async function storedOriginals(imageId: string): Promise<string[]> {
  const root = join(dataDir, 's3', runtime.buckets.originals);
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((path) => path.includes(imageId));
}

async function processedPhoto(filename: string): Promise<{ imageId: string; image: ImageRecordView }> {
  const grant = await alice.upload(await testImage('jpeg', { width: 320, height: 240 }), filename, 'image/jpeg');
  const { image } = await alice.waitForOutcome(grant.imageId);
  expect(image?.status).toBe('processed');
  return { imageId: grant.imageId, image: image as ImageRecordView };
}

describe('delete, then restore within the undo window', () => {
  it('takes the renditions off /cdn at once, lists the image as recently deleted, and a restore processes it again', async () => {
    const { imageId, image } = await processedPhoto('undo-me.jpg');
    const small = image.thumbnails?.['small'] as string;
    expect((await fetch(`${runtime.url}/cdn/${small}`)).status).toBe(200);

    const deleted = await alice.api<{ status: string; undoUntil: string }>('DELETE', `/images/${imageId}`);

    expect(deleted.status).toBe('deleted');
    expect(Date.parse(deleted.undoUntil) - Date.now()).toBeLessThanOrEqual(UNDO_WINDOW_SECONDS * 1000);
    expect((await fetch(`${runtime.url}/cdn/${small}`)).status).toBe(404);
    expect(await storedOriginals(imageId)).not.toEqual([]);
    await waitFor(alice, imageId, (d) => d.image?.status === 'deleted', 5000);
    const recent = await alice.api<{ items: ImageRecordView[] }>('GET', '/images?status=deleted');
    expect(recent.items.map((i) => [i.imageId, i['undoUntil']])).toContainEqual([imageId, deleted.undoUntil]);
    expect((await alice.api<{ items: ImageRecordView[] }>('GET', '/images')).items.map((i) => i.imageId)).not.toContain(imageId);
    // Bob cannot restore alice's image, nor learn that it exists.
    await expect(bob.api('POST', `/images/${imageId}/restore`)).rejects.toMatchObject({ status: 404 } satisfies Partial<HttpError>);

    const restored = await alice.api<ImageRecordView>('POST', `/images/${imageId}/restore`);

    expect(restored).toMatchObject({ imageId, status: 'processing' });
    const again = await waitFor(alice, imageId, (d) => d.image?.status === 'processed' && count(d, 'ImageProcessed') === 2);
    expect(count(again, 'ImageRestored')).toBe(1);
    const thumb = await fetch(`${runtime.url}/cdn/${again.image?.thumbnails?.['small'] as string}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    // Restored, it is not deleted any more: a second restore is refused.
    await expect(alice.api('POST', `/images/${imageId}/restore`)).rejects.toMatchObject({ status: 409 } satisfies Partial<HttpError>);
  });
});

describe('delete, then the undo window passes', () => {
  it('the purge erases the original; the record is a tombstone and the history keeps no file name', async () => {
    const filename = 'secret-beach-house.jpg';
    const { imageId } = await processedPhoto(filename);
    expect(await storedOriginals(imageId)).not.toEqual([]);

    const deleted = await alice.api<{ undoUntil: string }>('DELETE', `/images/${imageId}`);
    await sleep(Math.max(0, Date.parse(deleted.undoUntil) - Date.now()) + 100);

    const late = await alice
      .api('POST', `/images/${imageId}/restore`)
      .then(() => undefined)
      .catch((error: unknown) => error);
    expect(late).toBeInstanceOf(HttpError);
    expect((late as HttpError).status).toBe(409);
    expect(JSON.parse((late as HttpError).body)).toMatchObject({ code: 'UNDO_WINDOW_PASSED' });

    const tombstone = await waitFor(alice, imageId, (d) => d.image?.['purgedAt'] !== undefined, 30_000);

    expect(await storedOriginals(imageId)).toEqual([]);
    expect(tombstone.image).toMatchObject({ imageId, status: 'deleted' });
    for (const field of ['originalKey', 'thumbnails', 'compressedKey']) expect(tombstone.image).not.toHaveProperty(field);
    expect(count(tombstone, 'ImagePurged')).toBe(1);
    const stored = await runtime.eventStore.load(imageId);
    expect(stored.map((e) => e.detailType)).toContain('ImagePurged');
    // The upload grant held the key, file name included: the purge removed it.
    const grants = new DynamoUploadGrantStore(
      DynamoDBDocumentClient.from(
        new DynamoDBClient({ region: LOCAL_REGION, endpoint: runtime.endpoints.dynamodb, credentials: runtime.credentials }),
      ),
      TABLES.uploadGrants.defaultName,
    );
    const grant = await grants.get(imageId);
    for (const text of [JSON.stringify(tombstone), JSON.stringify(stored), JSON.stringify(grant ?? null)]) {
      expect(text).not.toContain('secret-beach-house');
    }
    // The local SNS file told subscribers the original's key when the photo was processed; the
    // purge redacts it there too (after ImagePurged goes through the bus, so give it a moment).
    const notificationsFile = join(dataDir, 'logs', 'notifications.jsonl');
    const notified = async () => readFile(notificationsFile, 'utf8').catch(() => '');
    for (let i = 0; i < 50 && (await notified()).includes('secret-beach-house'); i += 1) await sleep(100);
    expect(await notified()).toContain(imageId);
    expect(await notified()).not.toContain('secret-beach-house');
    const recent = await alice.api<{ items: ImageRecordView[] }>('GET', '/images?status=deleted');
    expect(recent.items.map((i) => i.imageId)).not.toContain(imageId);
  });

  it('runs on demand through runtime.purge(), and a second sweep finds nothing left to do', async () => {
    const first = await runtime.purge();
    const second = await runtime.purge();

    expect(first.failed).toEqual([]);
    expect(second.purged).toEqual([]);
  });
});
