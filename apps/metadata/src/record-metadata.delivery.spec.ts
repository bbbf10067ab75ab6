import { ImageCompressedV2, ThumbnailsGeneratedV2, type ImageCompressedV2Data, type ThumbnailsGeneratedV2Data } from '@imgpipe/contracts';
import { compressedKey, thumbnailKey } from '@imgpipe/platform';
import { RecordingCdnInvalidator } from '@imgpipe/platform/testing';
import { BUCKETS, compressed, IMAGE_ID, inMemoryService, recorded, thumbnails, uploaded, USER_ID } from './testing/fixtures';

const CDN = 'https://d111.cloudfront.net';

/** The same image's outputs under another version (a reprocess that made other bytes). */
function rerun(version: string): [ImageCompressedV2Data, ThumbnailsGeneratedV2Data] {
  const c = ImageCompressedV2.data.parse({
    ...compressed,
    variants: compressed.variants.map((v) => ({ ...v, key: compressedKey(USER_ID, IMAGE_ID, version, v.format) })),
    compressedKey: compressedKey(USER_ID, IMAGE_ID, version, compressed.variants[0]!.format),
    version,
  });
  const t = ThumbnailsGeneratedV2.data.parse({
    ...thumbnails,
    renditions: thumbnails.renditions.map((r) => ({ ...r, key: thumbnailKey(USER_ID, IMAGE_ID, `t${version}`, r.name, r.format) })),
    version: `t${version}`,
  });
  return [c, t];
}

async function putAll(store: { put(o: { bucket: string; key: string; body: Uint8Array; contentType: string }): Promise<unknown> }, keys: readonly string[]) {
  for (const key of keys) await store.put({ bucket: BUCKETS.processed, key, body: new Uint8Array([1]), contentType: 'image/webp' });
}

const keysOf = ([c, t]: [ImageCompressedV2Data, ThumbnailsGeneratedV2Data]) => [...c.variants.map((v) => v.key), ...t.renditions.map((r) => r.key)];

describe('recordMetadata: the delivery record', () => {
  it('puts the delivery record, with absolute CDN URLs, on ImageProcessed v2 and the read model', async () => {
    const { service, readModel } = inMemoryService({ cdnBaseUrl: CDN });

    const { detail } = recorded(await service.recordMetadata({ uploaded, results: [compressed, thumbnails] }));

    const delivery = detail.data.delivery;
    expect(detail.version).toBe(2);
    expect(delivery.served).toMatchObject({ kind: 'encoded', format: 'webp', url: `${CDN}/${compressed.compressedKey}`, quality: 74, ssimulacra2: 80.4 });
    expect(delivery.formats).toEqual(['webp', 'jpeg']);
    expect(delivery.negotiatedUrl).toBe(`${CDN}/compressed/${USER_ID}/${IMAGE_ID}/${compressed.version}/full~webp~jpeg`);
    expect(delivery.renditions.map((r) => [r.name, r.url, r.width, r.height, r.bytes])).toEqual(
      thumbnails.renditions.map((r) => [r.name, `${CDN}/${r.key}`, r.width, r.height, r.size]),
    );
    expect(delivery.placeholder).toEqual(thumbnails.placeholder);
    expect((await readModel.get(IMAGE_ID))?.delivery).toEqual(delivery);
  });

  it('joins the large renditions compress made (issue 13) to the thumbnail task\'s, in the record, its srcset and ImageProcessed', async () => {
    const { service, store, readModel } = inMemoryService({ cdnBaseUrl: CDN });
    const display = (format: 'jpeg' | 'webp', size: number) => ({
      name: 'display',
      bucket: BUCKETS.processed,
      key: thumbnailKey(USER_ID, IMAGE_ID, compressed.version, 'display', format),
      format,
      contentType: `image/${format}` as const,
      size,
      width: 1600,
      height: 1200,
    });
    const withDisplay = ImageCompressedV2.data.parse({
      ...compressed,
      renditions: [display('jpeg', 240_000), display('webp', 170_000)],
      renditionsVersion: thumbnails.renditionsVersion,
    });
    await putAll(store, [...keysOf([withDisplay, thumbnails]), ...(withDisplay.renditions ?? []).map((r) => r.key)]);

    const { detail } = recorded(await service.recordMetadata({ uploaded, results: [withDisplay, thumbnails] }));

    const { delivery, thumbnails: names } = detail.data;
    expect(delivery.renditions.map((r) => `${r.name}.${r.format}`)).toEqual([
      ...thumbnails.renditions.map((r) => `${r.name}.${r.format}`),
      'display.jpeg',
      'display.webp',
    ]);
    expect(names['display']).toBe(thumbnailKey(USER_ID, IMAGE_ID, compressed.version, 'display', 'jpeg'));
    expect(delivery.srcset['webp']).toContain(`${CDN}/${thumbnailKey(USER_ID, IMAGE_ID, compressed.version, 'display', 'webp')} 1600w`);
    expect((await readModel.get(IMAGE_ID))?.thumbnails?.['display']).toBe(names['display']);

    // A rerun with other bytes: the record moves to its files, and this run's display goes with the rest.
    const [c2, t2] = rerun('v2');
    const display2 = ImageCompressedV2.data.parse({
      ...c2,
      renditions: (withDisplay.renditions ?? []).map((r) => ({ ...r, key: thumbnailKey(USER_ID, IMAGE_ID, 'v2', 'display', r.format) })),
      renditionsVersion: thumbnails.renditionsVersion,
    });
    await putAll(store, [...keysOf([display2, t2]), ...(display2.renditions ?? []).map((r) => r.key)]);
    const again = recorded(await service.recordMetadata({ uploaded, results: [display2, t2] }));
    expect(again.detail.data.thumbnails['display']).toBe(thumbnailKey(USER_ID, IMAGE_ID, 'v2', 'display', 'jpeg'));
    const left = await store.list(BUCKETS.processed, '');
    expect(left).toEqual(expect.arrayContaining((display2.renditions ?? []).map((r) => r.key)));
    for (const old of withDisplay.renditions ?? []) expect(left).not.toContain(old.key);
  });

  it('carries the WebP preset auto chose onto the served file (it changes the bytes as the quality does)', async () => {
    const { service } = inMemoryService({ cdnBaseUrl: CDN });
    const withPreset = ImageCompressedV2.data.parse({
      ...compressed,
      variants: compressed.variants.map((v, i) => (i === 0 ? { ...v, preset: 'icon' } : v)),
    });

    const { detail } = recorded(await service.recordMetadata({ uploaded, results: [withPreset, thumbnails] }));

    expect(detail.data.delivery.served).toMatchObject({ quality: 74, ssimulacra2: 80.4, preset: 'icon' });
  });

  it('carries whether each file animates onto the record: a still GIF gets renditions in its srcset, an animated one none', async () => {
    // A GIF original: the WebP that beat it and the GIF itself, no JPEG.
    const [webp] = compressed.variants;
    const gif = (animated: boolean) =>
      ImageCompressedV2.data.parse({
        ...compressed,
        variants: [
          { ...webp, animated },
          { ...webp, key: compressedKey(USER_ID, IMAGE_ID, compressed.version, 'gif'), format: 'gif', contentType: 'image/gif', animated },
        ],
      });
    const deliveryOf = async (animated: boolean) => {
      const { service, readModel } = inMemoryService({ cdnBaseUrl: CDN });
      const { detail } = recorded(await service.recordMetadata({ uploaded, results: [gif(animated), thumbnails] }));
      expect((await readModel.get(IMAGE_ID))?.delivery).toEqual(detail.data.delivery);
      return detail.data.delivery;
    };

    const still = await deliveryOf(false);
    const animated = await deliveryOf(true);

    expect(still.variants.map((v) => [v.format, v.animated])).toEqual([['webp', false], ['gif', false]]);
    expect(Object.values(still.srcset).join(' ')).toContain('thumbnails/');
    expect(animated.variants.map((v) => v.animated)).toEqual([true, true]);
    expect(Object.values(animated.srcset).join(' ')).not.toContain('thumbnails/');
  });

  it('a reprocess moves the record to new keys, then removes the old derivatives and invalidates their CDN paths', async () => {
    const cdn = new RecordingCdnInvalidator();
    const { service, store, readModel } = inMemoryService({ cdnBaseUrl: CDN, cdn });
    const first = rerun('aaaa');
    const second = rerun('bbbb');
    await putAll(store, [...keysOf(first), ...keysOf(second)]);
    // A file of the layout before versioned keys, left by an older run.
    await putAll(store, [`compressed/${USER_ID}/${IMAGE_ID}/full.webp`]);

    const r1 = recorded(await service.recordMetadata({ uploaded, results: first }));
    expect(r1.replacedKeys).toEqual([`compressed/${USER_ID}/${IMAGE_ID}/full.webp`]);
    // The same original and rendition set (a replay under new compress settings): new bytes, a new run.
    const r2 = recorded(await service.recordMetadata({ uploaded, results: second }));

    expect([...r2.replacedKeys].sort()).toEqual([...keysOf(first)].sort());
    const left = await store.list(BUCKETS.processed, `compressed/${USER_ID}/${IMAGE_ID}/`);
    expect(left.sort()).toEqual(second[0].variants.map((v) => v.key).sort());
    expect(cdn.requests.at(-1)?.paths).toEqual(r2.replacedKeys.map((key) => `/${key}`));
    const record = await readModel.get(IMAGE_ID);
    expect(record?.compressedKey).toBe(second[0].compressedKey);
    expect(record?.delivery?.variants.every((v) => v.key.includes('/bbbb/'))).toBe(true);
  });

  it('a retried task removes nothing: the record already points at its keys', async () => {
    const cdn = new RecordingCdnInvalidator();
    const { service, store } = inMemoryService({ cdn });
    const run = rerun('cccc');
    await putAll(store, keysOf(run));
    await service.recordMetadata({ uploaded, results: run });
    const retry = recorded(await service.recordMetadata({ uploaded, results: run }));

    expect(retry.recorded).toBe(false);
    expect(retry.replacedKeys).toEqual([]);
    expect((await store.list(BUCKETS.processed, '')).sort()).toEqual([...keysOf(run)].sort());
    expect(cdn.requests).toEqual([]);
  });
});
