import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { probe } from '@imgpipe/image-ops';
import { fixture } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from './runtime';
import { RuntimeClient } from './testing/http-client';

/*
 * Issue 13 item 2 on a real runtime (s3rver, dynalite, the local bus): AVIF is made after
 * `ImageProcessed` by compress's follow-up step (rule `image-processed-to-avif`), announced
 * as `ImageVariantAdded`, folded into the delivery record, and negotiated by /cdn; a deleted
 * image gets none, and a reprocess leaves the old run's AVIF unrecorded.
 */

let runtime: LocalRuntime | undefined;
let dataDir: string;

const start = async (env: Record<string, string>) =>
  (runtime = await startLocalRuntime({ dataDir, port: 0, web: false, concurrency: 1, env: { ...process.env, ...env } }));

const historyTypes = async (imageId: string): Promise<string[]> =>
  ((await runtime?.eventStore.load(imageId)) ?? []).map((event) => event.detailType);

/**
 * A real photo: on a synthetic noise gradient the AVIF at the perceptual target is often not
 * smaller than WebP q80, and the step rightly adds nothing.
 */
const PHOTO = fixture('photo-480x320.jpg');

const avifUrlOf = (delivery: DeliveryRecord): string => delivery.served.url.replace(/full\.[a-z]+$/, 'full.avif');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-avif-e2e-'));
});

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('AVIF after ImageProcessed on the local runtime', () => {
  let imageId: string;
  let first: DeliveryRecord;

  it('adds an AVIF variant to the record once it exists, and /cdn negotiates it for Accept: image/avif', async () => {
    // AVIF_ENABLED is not set: on by default.
    const live = await start({ COMPRESS_QUALITY: '85' });
    const client = await RuntimeClient.signIn(live.url, 'avif-user');
    imageId = (await client.upload(PHOTO, 'a.jpg', 'image/jpeg')).imageId;
    await client.waitForOutcome(imageId);
    await live.idle();

    const delivery = (await client.image(imageId)).image?.delivery;
    if (!delivery) throw new Error('no delivery record');
    first = delivery;
    expect(delivery.formats).toEqual(['avif', 'webp', 'jpeg']);
    expect(new URL(delivery.negotiatedUrl).pathname).toMatch(new RegExp(`/${delivery.version}/full~avif~webp~jpeg$`));
    const avif = delivery.variants.find((v) => v.format === 'avif');
    const servedKey = delivery.variants.find((v) => v.format === delivery.served.format)?.key ?? '';
    expect(avif?.key).toBe(servedKey.replace(/full\.webp$/, 'full.avif'));
    expect(avif?.key).toContain(`/${delivery.version}/`);
    expect(avif?.bytes).toBeLessThan(delivery.served.bytes);
    expect(delivery.srcset.avif).toContain('full.avif');
    // The served file is still the WebP: AVIF is what a client that asks for it gets.
    expect(delivery.served.format).toBe('webp');
    expect(await historyTypes(imageId)).toContain('ImageVariantAdded');

    const asAvif = await fetch(delivery.negotiatedUrl, { headers: { accept: 'image/avif,image/webp,*/*;q=0.8' } });
    expect(asAvif.status).toBe(200);
    expect(asAvif.headers.get('content-type')).toBe('image/avif');
    expect(await probe(new Uint8Array(await asAvif.arrayBuffer()))).toMatchObject({ format: 'avif' });
    const asWebp = await fetch(delivery.negotiatedUrl, { headers: { accept: 'image/webp,*/*;q=0.8' } });
    expect(asWebp.headers.get('content-type')).toBe('image/webp');
  });

  it('a reprocess moves the record to a new run whose AVIF is added, and the old run AVIF is neither recorded nor served', async () => {
    await runtime?.stop();
    // WebP and AVIF both to the perceptual target now: another run, AVIF still the smaller.
    const second = await start({ COMPRESS_QUALITY: 'auto' });
    const client = await RuntimeClient.signIn(second.url, 'avif-user');

    await second.replay({ from: '-1h', detailTypes: ['ImageUploaded'], name: 'reprocess' });
    await second.idle();
    // The old run's ImageProcessed again (a late or replayed delivery): its AVIF is not added back.
    await second.replay({ from: '-1h', detailTypes: ['ImageProcessed'], name: 'late-processed' });
    await second.idle();

    const after = (await client.image(imageId)).image?.delivery;
    if (!after) throw new Error('no delivery record');
    expect(after.version).not.toBe(first.version);
    expect(after.formats).toEqual(['avif', 'webp', 'jpeg']);
    expect(after.variants.every((v) => v.key.includes(`/${after.version}/`))).toBe(true);
    const oldAvif = new URL(avifUrlOf(first)).pathname;
    expect((await fetch(`${second.url}${oldAvif}`)).status).toBe(404);
    expect((await fetch(`${second.url}${new URL(avifUrlOf(after)).pathname}`)).status).toBe(200);
  });

  it('gives a deleted image no AVIF: deleted as soon as ImageProcessed is on the bus', async () => {
    const live = runtime;
    if (!live) throw new Error('no runtime');
    const client = await RuntimeClient.signIn(live.url, 'avif-user');
    const deletes: Promise<unknown>[] = [];
    let target = '';
    const unsubscribe = live.onEvent((_bus, event) => {
      const data = (event.detail as { data?: { imageId?: string } }).data;
      if (event['detail-type'] === 'ImageProcessed' && data?.imageId === target) deletes.push(client.api('DELETE', `/images/${target}`));
    });
    try {
      // The photo of the first test, which got its AVIF there: here the delete is why it gets none.
      target = (await client.upload(PHOTO, 'b.jpg', 'image/jpeg')).imageId;
      await live.idle();
      await Promise.all(deletes);
      await live.idle();
    } finally {
      unsubscribe();
    }

    expect(deletes).toHaveLength(1);
    const image = (await client.image(target)).image;
    expect(image?.status).toBe('deleted');
    expect(await historyTypes(target)).not.toContain('ImageVariantAdded');
    const processed = (await live.eventStore.load(target)).find((e) => e.detailType === 'ImageProcessed');
    const delivery = (processed?.detail as { data?: { delivery?: DeliveryRecord } } | undefined)?.data?.delivery;
    if (!delivery) throw new Error('no recorded ImageProcessed');
    expect((await fetch(`${live.url}${new URL(avifUrlOf(delivery)).pathname}`)).status).toBe(404);
  });
});
