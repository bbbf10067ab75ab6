import { DELIVERY_KINDS, ImageCompressedV2DataSchema } from '@imgpipe/contracts';
import {
  compress,
  DEFAULT_AUTO_QUALITY,
  DEFAULT_RENDITION_SET,
  GALLERY_RENDITION_SET,
  OUTPUT_KINDS,
  probe,
  InvalidImageError,
  renditionSetVersion,
  type RenditionSet,
} from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';
import { IMMUTABLE_CACHE_CONTROL, parseDerivativeKey } from '@imgpipe/platform';
import { InMemoryObjectStore, storeUploadedOriginal } from '@imgpipe/platform/testing';
import { createCompressImage } from './compress-image.use-case';

const ORIGINALS = 'originals';
const PROCESSED = 'processed';
const VERSIONED = /^compressed\/user-1\/img-1\/[0-9a-f]{16}\/full\.(webp|avif|jpg|png)$/;

async function arrange(bytes: Buffer, options = {}, renditionSet?: RenditionSet) {
  const store = new InMemoryObjectStore();
  const input = await storeUploadedOriginal(store, { bytes, bucket: ORIGINALS, filename: 'photo.jpg', contentType: 'image/jpeg', format: 'jpeg' });
  const compressImage = createCompressImage({ store, processedBucket: PROCESSED, originalsBucket: ORIGINALS, options, ...(renditionSet ? { renditionSet } : {}) });
  return { store, input, compressImage };
}

describe('compress image use case', () => {
  it('writes a WebP under compressed/{user}/{image}/{version}/ in the processed bucket and reports it', async () => {
    const { store, input, compressImage } = await arrange(await testImage('jpeg-gps'));

    const result = await compressImage(input);

    expect(ImageCompressedV2DataSchema.parse(result)).toEqual(result);
    expect(result.compressedKey).toMatch(VERSIONED);
    expect(result.compressedKey).toBe(`compressed/user-1/img-1/${result.version}/full.webp`);
    expect(result.output.kind).toBe('encoded');
    const stored = await store.get({ bucket: PROCESSED, key: result.compressedKey });
    expect(stored.contentType).toBe('image/webp');
    expect(stored.cacheControl).toBe(IMMUTABLE_CACHE_CONTROL);
    expect(stored.size).toBe(result.compressedSize);
    const facts = await probe(stored.body);
    expect(facts).toMatchObject({ format: 'webp' });
    expect(result.savingsPercent).toBeCloseTo(100 - (result.compressedSize / result.originalSize) * 100, 0);
    expect(await store.list(ORIGINALS, '')).toEqual([input.original.key]);
  });

  it('writes each servable format once, all under one version segment, the handed-back one first', async () => {
    const { store, input, compressImage } = await arrange(await testImage('jpeg-gps'), { formats: ['webp', 'avif', 'jpeg'] });

    const result = await compressImage(input);

    expect(new Set(result.variants.map((v) => v.format)).size).toBe(result.variants.length);
    expect(result.variants[0]?.key).toBe(result.compressedKey);
    expect(result.variants.every((v) => parseDerivativeKey(v.key)?.version === result.version)).toBe(true);
    expect((await store.list(PROCESSED, '')).sort()).toEqual(result.variants.map((v) => v.key).sort());
  });

  it('hands back the original, copied to the versioned key, when the encode would be larger (honest output)', async () => {
    // A small progressive JPEG without metadata (image-ops' own JPEG encode): WebP at quality 95 cannot beat it by 5%.
    const source = await compress(await testImage('jpeg'), { formats: ['jpeg'], jpeg: { quality: 40 } });
    const small = Buffer.from(source.variants[0]!.data);
    const { store, input, compressImage } = await arrange(small, { formats: ['webp'], webp: { quality: 95 } });

    const result = await compressImage(input);

    expect(result.output.kind).toBe('original');
    expect(result.compressedKey).toBe(`compressed/user-1/img-1/${result.version}/full.jpg`);
    expect(result.savingsPercent).toBe(0);
    expect((await store.get({ bucket: PROCESSED, key: result.compressedKey })).body).toEqual(small);
    // The larger WebP is never written.
    expect(result.variants.map((v) => v.format)).not.toContain('webp');
  });

  it('hands back an animated GIF whose WebP would be larger as full.gif, animated, and writes nothing else', async () => {
    const gif = await testImage('gif-animated-webp-larger');
    const { store, input, compressImage } = await arrange(gif, { formats: ['webp', 'jpeg'] });

    const result = await compressImage(input);

    expect(ImageCompressedV2DataSchema.parse(result)).toEqual(result);
    expect(result.output.kind).toBe('original');
    expect(result.compressedKey).toBe(`compressed/user-1/img-1/${result.version}/full.gif`);
    expect(result.variants).toEqual([expect.objectContaining({ format: 'gif', contentType: 'image/gif', size: gif.length })]);
    const stored = await store.get({ bucket: PROCESSED, key: result.compressedKey });
    expect(stored.contentType).toBe('image/gif');
    expect(stored.body).toEqual(gif);
    expect(await probe(stored.body)).toMatchObject({ format: 'gif', pages: 8 });
    // Neither the larger WebP nor a JPEG still of the first frame is written.
    expect(await store.list(PROCESSED, '')).toEqual([result.compressedKey]);
  });

  it('carries the quality the encoder used, its SSIMULACRA2 score and the WebP preset with quality auto', async () => {
    const { input, compressImage } = await arrange(await testImage('jpeg-gps'), { formats: ['webp'], webp: { quality: 'auto' } });

    const result = await compressImage(input);

    expect(result.variants[0]?.quality).toEqual(expect.any(Number));
    expect(result.variants[0]?.ssimulacra2).toEqual(expect.any(Number));
    expect(DEFAULT_AUTO_QUALITY.webp.presets).toContain(result.variants[0]?.preset);
  });

  it('is idempotent: the same input writes the same keys with the same bytes', async () => {
    const { store, input, compressImage } = await arrange(await testImage('jpeg'));

    const first = await compressImage(input);
    const firstBytes = (await store.get({ bucket: PROCESSED, key: first.compressedKey })).body;
    const second = await compressImage(input);

    expect(second.variants).toEqual(first.variants);
    expect((await store.get({ bucket: PROCESSED, key: second.compressedKey })).body).toEqual(firstBytes);
  });

  it('writes new keys when the bytes change (a reprocess never reuses a URL)', async () => {
    const { input, compressImage } = await arrange(await testImage('jpeg-gps'), { formats: ['webp'], webp: { quality: 80 } });
    const other = (await arrange(await testImage('jpeg-gps'), { formats: ['webp'], webp: { quality: 60 } })).compressImage;

    const first = await compressImage(input);
    const second = await other(input);

    expect(second.version).not.toBe(first.version);
    expect(second.compressedKey).not.toBe(first.compressedKey);
  });

  it("speaks image-ops' output kinds", () => {
    expect([...DELIVERY_KINDS]).toEqual([...OUTPUT_KINDS]);
  });

  it('refuses bad input with a classified error and writes nothing', async () => {
    const { store, input, compressImage } = await arrange(await testImage('truncated-jpeg'));

    const error = await compressImage(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidImageError);
    expect((error as InvalidImageError).code).toBe('CORRUPT');
    expect(await store.list(PROCESSED, '')).toEqual([]);
    expect(await store.head({ bucket: ORIGINALS, key: input.original.key })).toBeDefined();
  });

  describe('the rendition set\'s large renditions (issue 13: the thumbnail task makes only the small ones)', () => {
    it('makes the gallery set\'s display rendition in JPEG and WebP from its own decode, under its run\'s version', async () => {
      const { store, input, compressImage } = await arrange(await testImage('jpeg', { width: 2400, height: 1800 }), { formats: ['webp'] }, GALLERY_RENDITION_SET);

      const result = await compressImage(input);

      expect(ImageCompressedV2DataSchema.parse(result)).toEqual(result);
      expect(result.renditionsVersion).toBe(renditionSetVersion(GALLERY_RENDITION_SET));
      expect(result.renditions?.map((r) => [r.name, r.format, r.width, r.height])).toEqual([
        ['display', 'jpeg', 1600, 1200],
        ['display', 'webp', 1600, 1200],
      ]);
      for (const rendition of result.renditions ?? []) {
        expect(rendition.key).toBe(`thumbnails/user-1/img-1/${result.version}/display.${rendition.format === 'jpeg' ? 'jpg' : 'webp'}`);
        const stored = await store.get({ bucket: PROCESSED, key: rendition.key });
        expect(stored.size).toBe(rendition.size);
        expect(stored.cacheControl).toBe(IMMUTABLE_CACHE_CONTROL);
        expect(await probe(stored.body)).toMatchObject({ format: rendition.format, width: 1600, height: 1200 });
      }
      // Every byte it wrote counts toward the version: the same run without the renditions gets another one.
      const bare = await (await arrange(await testImage('jpeg', { width: 2400, height: 1800 }), { formats: ['webp'] })).compressImage(input);
      expect(bare.variants[0]?.size).toBe(result.variants[0]?.size);
      expect(bare.version).not.toBe(result.version);
    });

    it('makes none for a set whose renditions all fit the thumbnail task, but says the set it read; with no set, neither', async () => {
      const small = await arrange(await testImage('jpeg'), { formats: ['webp'] }, DEFAULT_RENDITION_SET);
      const none = await arrange(await testImage('jpeg'), { formats: ['webp'] });

      const [withSet, withoutSet] = [await small.compressImage(small.input), await none.compressImage(none.input)];

      expect(withSet).not.toHaveProperty('renditions');
      expect(withSet.renditionsVersion).toBe(renditionSetVersion(DEFAULT_RENDITION_SET));
      expect(withoutSet).not.toHaveProperty('renditions');
      expect(withoutSet).not.toHaveProperty('renditionsVersion');
      for (const { store } of [small, none]) expect(await store.list(PROCESSED, 'thumbnails/')).toEqual([]);
    });
  });

  it('never writes into the originals bucket', async () => {
    const store = new InMemoryObjectStore();
    const bytes = await testImage('jpeg');
    await store.put({ bucket: ORIGINALS, key: 'uploads/u/i/a.jpg', body: bytes, contentType: 'image/jpeg' });
    const compressImage = createCompressImage({ store, processedBucket: ORIGINALS, originalsBucket: ORIGINALS });
    const input = (await arrange(bytes)).input;

    await expect(compressImage({ ...input, original: { ...input.original, key: 'uploads/u/i/a.jpg' } })).rejects.toThrow(
      /originals/,
    );
    expect(await store.list(ORIGINALS, '')).toEqual(['uploads/u/i/a.jpg']);
  });
});
