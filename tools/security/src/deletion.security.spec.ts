import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { dataLayout, LOCAL_BUCKETS } from '@imgpipe/local';
import { HttpError, postToGrant, RuntimeClient, type ImageDetailsView } from '@imgpipe/local/testing';
import { derivativePrefixes } from '@imgpipe/platform';
import { testImage } from '@imgpipe/image-ops/testing';
import { keysUnder, objectExists, runtimeCredentials, s3Client } from './peers';
import { childEnv, exited, scratchDir, SECURITY_ROOT, settle, startRuntime, type RuntimeProcess } from './runtime-process';

/*
 * Issue 9, "Delete is not final": a user's delete must stay a delete whatever finishes, is
 * replayed or is rebuilt after it — no derivative served again, no `ImageProcessed` after the
 * `ImageDeleted`, no notification for it — and the documented replay command must work.
 */

const USER = 'alice';
/**
 * Large enough, and with AVIF among the formats, that the pipeline is still working on it well
 * after the last delete below (half a second after the upload): the delete must race the work.
 */
const PHOTO = { width: 2400, height: 1800 };
const SLOW_FORMATS = { COMPRESS_FORMATS: 'webp,avif' };

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let runtime: RuntimeProcess;
let alice: RuntimeClient;
let s3: S3Client;
let photo: Buffer;
/** Every image this suite deleted. */
const deleted: string[] = [];

async function start(): Promise<void> {
  runtime = await startRuntime({ dataDir: scratch.dataDir, concurrency: 2, env: SLOW_FORMATS });
  alice = await RuntimeClient.signIn(runtime.url, USER);
  s3?.destroy();
  s3 = s3Client(runtime.endpoints, await runtimeCredentials(scratch.dataDir));
}

beforeAll(async () => {
  scratch = await scratchDir('deletion');
  photo = await testImage('jpeg', PHOTO);
  await start();
});

afterAll(async () => {
  s3?.destroy();
  await runtime?.stop();
  await scratch?.remove();
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** `DELETE /api/images/{id}`, again while the image is not known yet (404 until ingest has recorded it). */
async function deleteImage(imageId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await alice.api('DELETE', `/images/${imageId}`);
      return;
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 404) || Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

async function details(imageId: string): Promise<ImageDetailsView | undefined> {
  try {
    return await alice.image(imageId);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return undefined;
    throw error;
  }
}

async function derivativeKeys(imageId: string): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of derivativePrefixes(USER, imageId)) keys.push(...(await keysUnder(s3, LOCAL_BUCKETS.processed, prefix)));
  return keys;
}

async function notificationsOf(imageId: string): Promise<string[]> {
  const text = await readFile(join(dataLayout(scratch.dataDir).logs, 'notifications.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes(imageId));
}

/** Waits until the runtime is idle and nothing about `imageIds` changes any more. */
async function settleImages(imageIds: readonly string[]): Promise<void> {
  await settle(runtime, async () => {
    const parts: string[] = [];
    for (const id of imageIds) {
      parts.push(`${(await details(id))?.history.length ?? 'none'}:${(await derivativeKeys(id)).length}:${(await notificationsOf(id)).length}`);
    }
    return parts.join(',');
  });
}

/** The `/cdn/` path of an absolute URL the runtime hands out (the delivery record's), or the value itself. */
function cdnPathOf(value: string): string {
  const at = value.indexOf('/cdn/');
  // Absolute (`http://host:port/cdn/...`), or relative (`/cdn/...`) when the runtime was given port 0.
  return (/^https?:\/\//.test(value) || value.startsWith('/cdn/')) && at >= 0 ? value.slice(at + '/cdn/'.length) : value;
}

/**
 * The path `/cdn` negotiates the full-size image on: the delivery record's `negotiatedUrl`
 * (versioned, naming its formats), or the unversioned form of a runtime that has no record.
 */
function negotiatedPath(view: { readonly image?: { readonly delivery?: { readonly negotiatedUrl: string } } | null } | undefined, imageId: string): string {
  const url = view?.image?.delivery?.negotiatedUrl;
  return url ? cdnPathOf(url) : `compressed/${USER}/${imageId}/full`;
}

/** The keys (and negotiated paths) of the derivatives an image's history says were written. */
function writtenKeys(view: ImageDetailsView | undefined): string[] {
  const keys = new Set<string>();
  const prefixes = derivativePrefixes(USER, view?.imageId ?? '');
  const add = (key: string): void => {
    if (prefixes.some((prefix) => key.startsWith(prefix))) keys.add(key);
  };
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      // A key, a URL, or text naming several URLs (a srcset, the <picture> snippet).
      const urls = [...value.matchAll(/(?:https?:\/\/[^\s"'<>,/]+)?\/cdn\/([^\s"'<>,]+)/g)].map((m) => m[1] as string);
      if (urls.length > 0) urls.forEach(add);
      else add(cdnPathOf(value));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  for (const event of view?.history ?? []) visit(event.data);
  return [...keys];
}

/** What must hold for a deleted image, whatever ran after the delete. */
async function expectStaysDeleted(imageId: string): Promise<void> {
  const view = await details(imageId);
  const names = view?.history.map((e) => e.detailType) ?? [];
  const deletedAt = names.indexOf('ImageDeleted');
  const processedBeforeDelete = names.slice(0, Math.max(deletedAt, 0)).includes('ImageProcessed');

  expect({ imageId, status: view?.image?.status ?? 'gone' }).toEqual({ imageId, status: expect.stringMatching(/^(deleted|gone)$/) });
  if (view) {
    expect(deletedAt).toBeGreaterThanOrEqual(0);
    expect({ imageId, afterDelete: names.slice(deletedAt + 1).filter((n) => n === 'ImageProcessed') }).toEqual({ imageId, afterDelete: [] });
  }
  expect({ imageId, stored: await derivativeKeys(imageId) }).toEqual({ imageId, stored: [] });
  for (const key of [...writtenKeys(view), `compressed/${USER}/${imageId}/full`]) {
    const served = await fetch(`${runtime.url}/cdn/${key}`, { headers: { accept: 'image/avif,image/webp,*/*' } });
    expect({ key, status: served.status }).toEqual({ key, status: 404 });
  }
  // A notification for the image is right only for a processing that ended before the delete.
  if (!processedBeforeDelete) expect({ imageId, notifications: await notificationsOf(imageId) }).toEqual({ imageId, notifications: [] });
}

/** `npm start -- <args>` in the attacked repository, on this suite's data directory. */
function npmStart(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['start', '--', ...args], {
    cwd: SECURITY_ROOT,
    env: childEnv({ IMGPIPE_DATA_DIR: scratch.dataDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return exited(child).then(({ code }) => ({ code, output }));
}

describe('deleting an image while it is being processed', () => {
  it.each([0, 50, 200, 500])('%i ms after the upload is stored: nothing served, processed or notified after the delete', async (delay) => {
    const grant = await alice.requestUpload(`during-${delay}.jpg`, 'image/jpeg', photo.byteLength);
    await postToGrant(grant, photo, 'image/jpeg', `during-${delay}.jpg`);
    await sleep(delay);
    await deleteImage(grant.imageId);
    deleted.push(grant.imageId);

    await settleImages([grant.imageId]);

    // The upload was accepted and entered the pipeline, and the delete came before the pipeline
    // finished (else there was no race and the case proves nothing).
    const names = (await details(grant.imageId))?.history.map((e) => e.detailType) ?? [];
    expect(names).toContain('ImageUploaded');
    expect(names.slice(0, names.indexOf('ImageDeleted'))).not.toContain('ImageProcessed');
    await expectStaysDeleted(grant.imageId);
  });
});

describe('after a delete', () => {
  let processedThenDeleted: string;
  /** An image nobody deleted, taken through the same rebuild. */
  let live: { readonly imageId: string; readonly key: string };

  /** An image fully processed (derivatives served, notified), then deleted, once the runtime is quiet again. */
  async function processedAndDeleted(name: string): Promise<string> {
    const grant = await alice.upload(await testImage('jpeg', { width: 640, height: 480 }), name, 'image/jpeg');
    const processed = await alice.waitForOutcome(grant.imageId);
    // Served before the delete, so that "nothing served after it" means something.
    expect(processed.image?.status).toBe('processed');
    expect((await fetch(`${runtime.url}/cdn/${negotiatedPath(processed, grant.imageId)}`, { headers: { accept: 'image/avif,image/webp,*/*' } })).status).toBe(200);
    await deleteImage(grant.imageId);
    deleted.push(grant.imageId);
    await settleImages([grant.imageId]);
    return grant.imageId;
  }

  beforeAll(async () => {
    processedThenDeleted = await processedAndDeleted('done.jpg');
  });

  it('a replay of the archive brings no derivative back', async () => {
    // `--from=-1d`: the form every version of the runtime parses (the README's own form is tested below).
    const replay = await npmStart(['replay', '--from=-1d']);
    expect({ code: replay.code, output: replay.output.slice(-400) }).toEqual({ code: 0, output: expect.any(String) });

    await settleImages(deleted);

    // First the image that was cleanly deleted before the replay, then every other deleted one.
    await expectStaysDeleted(processedThenDeleted);
    for (const imageId of deleted) await expectStaysDeleted(imageId);
  });

  it('rebuilding the tables from the archive keeps the deleted images deleted', async () => {
    // Deleted cleanly just now, so only the rebuild can bring it back.
    const beforeRebuild = await processedAndDeleted('before-rebuild.jpg');
    const liveGrant = await alice.upload(await testImage('jpeg', { width: 640, height: 480 }), 'live.jpg', 'image/jpeg');
    expect((await alice.waitForOutcome(liveGrant.imageId)).image?.status).toBe('processed');
    live = { imageId: liveGrant.imageId, key: liveGrant.key };
    // The data directory's tables are lost; the README's way back is a replay of the archive.
    expect((await runtime.stop()).code).toBe(0);
    await rm(dataLayout(scratch.dataDir).dynamodb, { recursive: true, force: true });
    await start();
    const rebuild = await npmStart(['replay', '--from=-1d']);
    expect(rebuild.code).toBe(0);

    await settleImages([...deleted, live.imageId]);

    await expectStaysDeleted(beforeRebuild);
    for (const imageId of deleted) await expectStaysDeleted(imageId);
    const listed = await alice.api<{ items: Array<{ imageId: string; status: string }> }>('GET', '/images?limit=100');
    expect(listed.items.filter((item) => deleted.includes(item.imageId) && item.status !== 'deleted')).toEqual([]);
  });

  it('control: an image nobody deleted comes through the same rebuild processed, its original kept', async () => {
    const view = await details(live.imageId);
    const seen = {
      status: view?.image?.status,
      failure: view?.image?.failure,
      history: view?.history.map((e) => e.detailType),
      original: await objectExists(s3, LOCAL_BUCKETS.originals, live.key),
    };
    // The whole of `seen` in the diff: the failure and the history say what happened.
    expect(seen).toEqual({ ...seen, status: 'processed', original: true });
    const full = await fetch(`${runtime.url}/cdn/${negotiatedPath(view, live.imageId)}`, { headers: { accept: 'image/avif,image/webp,*/*' } });
    expect(full.status).toBe(200);
  });
});

describe('the documented replay command', () => {
  it('`npm start -- replay --from -1d` exits 0 against the running runtime', async () => {
    const replay = await npmStart(['replay', '--from', '-1d']);

    expect({ code: replay.code, output: replay.output.slice(-400) }).toEqual({ code: 0, output: expect.stringMatching(/replayed/) });
  });
});
