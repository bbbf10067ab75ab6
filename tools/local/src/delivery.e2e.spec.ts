import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { testImage } from '@imgpipe/image-ops/testing';
import { startLocalRuntime, type LocalRuntime } from './runtime';
import { RuntimeClient } from './testing/http-client';

/*
 * Issue 11 on a real runtime: the delivery record of GET /images/{id} names immutable,
 * versioned URLs that /cdn serves (the negotiated one only among the formats it names); a
 * reprocess under other settings moves the record to new URLs, every one of them, and the
 * old ones stop being served. Also: GET /images/{id}/original through the local server.
 */

let runtime: LocalRuntime | undefined;
let dataDir: string;

const start = async (env: Record<string, string>) =>
  (runtime = await startLocalRuntime({ dataDir, port: 0, web: false, concurrency: 1, env: { ...process.env, ...env } }));

const urlsOf = (delivery: DeliveryRecord): string[] => [
  ...delivery.variants.map((v) => v.url),
  ...delivery.renditions.map((r) => r.url),
  delivery.negotiatedUrl,
];

/**
 * The record's URLs are absolute, on the port the runtime was bound to (`port: 0` included):
 * a runtime started again gets another port, so URLs are compared, and asked of it, by path.
 */
const pathsOf = (delivery: DeliveryRecord): string[] => urlsOf(delivery).map((url) => new URL(url).pathname);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-delivery-e2e-'));
});

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('delivery record and versioned URLs on the local runtime', () => {
  let imageId: string;
  let before: DeliveryRecord;

  it('serves every URL of the record, negotiating only among the formats the record says exist', async () => {
    const first = await start({ COMPRESS_QUALITY: '80', RENDITION_SET: 'gallery' });
    const client = await RuntimeClient.signIn(first.url, 'deliverer');
    // EXIF with a GPS position: never served as it is, so WebP and JPEG encodes are handed back.
    imageId = (await client.upload(await testImage('jpeg-gps'), 'a.jpg', 'image/jpeg')).imageId;
    const details = await client.waitForOutcome(imageId);
    const delivery = details.image?.delivery;
    if (!delivery) throw new Error('the processed image has no delivery record');
    before = delivery;

    expect(delivery.formats).toEqual(['webp', 'jpeg']);
    for (const url of urlsOf(delivery)) expect(url.startsWith(`${first.url}/cdn/`)).toBe(true);
    for (const url of urlsOf(delivery)) expect((await fetch(url)).status).toBe(200);
    const asJpeg = await fetch(delivery.negotiatedUrl, { headers: { accept: 'image/jpeg' } });
    expect(asJpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(asJpeg.headers.get('vary')).toBe('Accept');
    const asWebp = await fetch(delivery.negotiatedUrl, { headers: { accept: 'image/avif,image/webp,*/*' } });
    expect(asWebp.headers.get('content-type')).toBe('image/webp');
    expect(delivery.picture).toContain(`width="${delivery.variants[0]?.width}"`);
    expect(delivery.placeholder?.dominantColour).toMatch(/^#[0-9a-f]{6}$/);

    const original = await client.api<{ url: string }>('GET', `/images/${imageId}/original`);
    const download = await fetch(original.url);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(details.image?.originalSize);
  });

  it('a reprocess under other settings changes every derivative URL, and the old ones stop being served', async () => {
    await runtime?.stop();
    const second = await start({ COMPRESS_QUALITY: '55', RENDITION_SET: 'default' });
    const client = await RuntimeClient.signIn(second.url, 'deliverer');

    await second.replay({ from: '-1h', detailTypes: ['ImageUploaded'], name: 'reprocess' });
    await second.idle();
    const after = (await client.image(imageId)).image?.delivery;
    if (!after) throw new Error('the reprocessed image has no delivery record');

    expect(after.version).not.toBe(before.version);
    const old = new Set(pathsOf(before));
    expect(pathsOf(after).filter((path) => old.has(path))).toEqual([]);
    for (const url of urlsOf(after)) expect(url.startsWith(`${second.url}/cdn/`)).toBe(true);
    for (const path of pathsOf(after)) expect((await fetch(`${second.url}${path}`)).status).toBe(200);
    for (const path of pathsOf(before)) expect((await fetch(`${second.url}${path}`)).status).toBe(404);
  });
});
