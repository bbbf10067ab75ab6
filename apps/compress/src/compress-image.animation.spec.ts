import { ImageCompressedV2DataSchema } from '@imgpipe/contracts';
import { buildDeliveryRecord } from '@imgpipe/delivery';
import { probe } from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';
import { InMemoryObjectStore, storeUploadedOriginal } from '@imgpipe/platform/testing';
import { createCompressImage } from './compress-image.use-case';

// A GIF original: compress writes a WebP that beat it and the GIF itself (no JPEG of its first
// frame). Whether they animate decides whether the delivery record may offer the (still)
// renditions in the image's srcset: a still GIF gets them, an animated one does not.
const ORIGINALS = 'originals';
const PROCESSED = 'processed';
const CDN = 'https://d111.cloudfront.net';

async function compressGif(bytes: Buffer) {
  const store = new InMemoryObjectStore();
  const input = await storeUploadedOriginal(store, {
    bytes,
    bucket: ORIGINALS,
    filename: 'clip.gif',
    contentType: 'image/gif',
    format: 'gif',
    contentHash: 'etag:gif',
  });
  const compressed = await createCompressImage({ store, processedBucket: PROCESSED, originalsBucket: ORIGINALS })(input);
  // What travels: the event's data as its contract reads it (the task output, the history).
  return { compressed: ImageCompressedV2DataSchema.parse(compressed), store };
}

/** The delivery record RecordMetadata builds from compress's files and the gallery's display renditions. */
function deliveryOf(compressed: Awaited<ReturnType<typeof compressGif>>['compressed']) {
  const { width, height } = compressed;
  const rendition = (name: string, w: number, ext: 'jpg' | 'webp') => ({
    name,
    key: `thumbnails/user-1/img-1/t1/${name}.${ext}`,
    format: ext === 'jpg' ? ('jpeg' as const) : ('webp' as const),
    width: w,
    height: Math.round((w * height) / width),
    size: 1_000,
  });
  const [served] = compressed.variants;
  if (!served) throw new Error('no variant');
  return buildDeliveryRecord({
    cdnBaseUrl: CDN,
    userId: 'user-1',
    imageId: 'img-1',
    version: compressed.version,
    variants: compressed.variants,
    renditions: [rendition('small', 160, 'jpg'), rendition('small', 160, 'webp'), rendition('large', 320, 'webp')],
    served: { kind: compressed.output.kind, format: served.format, savingsPercent: compressed.savingsPercent },
  });
}

describe('compress image use case: a GIF\'s files say whether they animate, and the delivery record follows', () => {
  it('a still GIF: its WebP and GIF say animated: false, and its renditions are in its srcset and <picture>', async () => {
    const { compressed } = await compressGif(await testImage('gif'));

    expect(compressed.variants.map((v) => [v.format, v.animated])).toEqual([['webp', false], ['gif', false]]);
    const delivery = deliveryOf(compressed);
    expect(delivery.srcset.webp).toMatch(/\/small\.webp 160w, .*\/large\.webp 320w, .*\/full\.webp 640w$/);
    expect(delivery.picture).toContain('thumbnails/user-1/img-1/t1/small.webp 160w');
  });

  it('an animated GIF: its WebP keeps the frames and both say animated: true; no rendition is in its srcset', async () => {
    const { compressed, store } = await compressGif(await testImage('gif-animated'));

    expect(compressed.variants.map((v) => [v.format, v.animated])).toEqual([['webp', true], ['gif', true]]);
    const [first] = compressed.variants;
    const webp = await store.get({ bucket: PROCESSED, key: first?.key ?? '' });
    expect(await probe(webp.body)).toMatchObject({ format: 'webp', animated: true });
    const delivery = deliveryOf(compressed);
    expect(Object.values(delivery.srcset).join(' ')).not.toContain('thumbnails/');
    expect(delivery.picture).not.toContain('thumbnails/');
  });

  it('a still JPEG says animated: false too (every new event says it)', async () => {
    const { compressed } = await compressGif(await testImage('jpeg'));

    expect(compressed.variants.every((v) => v.animated === false)).toBe(true);
  });
});
