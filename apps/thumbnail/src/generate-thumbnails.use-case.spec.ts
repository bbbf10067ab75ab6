import { primaryRenditionKeys, ThumbnailsGeneratedV2DataSchema, ThumbnailsGeneratedV3DataSchema } from '@imgpipe/contracts';
import {
  DEFAULT_RENDITION_SET,
  GALLERY_RENDITION_SET,
  MARKETPLACE_RENDITION_SET,
  probe,
  InvalidImageError,
  renditionSetVersion,
  type RenditionSet,
} from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';
import { IMMUTABLE_CACHE_CONTROL } from '@imgpipe/platform';
import { InMemoryObjectStore, storeUploadedOriginal } from '@imgpipe/platform/testing';
import { createGenerateThumbnails, type ThumbnailTimings } from './generate-thumbnails.use-case';

const ORIGINALS = 'originals';
const PROCESSED = 'processed';

async function arrange(bytes: Buffer, renditionSet: RenditionSet = DEFAULT_RENDITION_SET) {
  const store = new InMemoryObjectStore();
  const input = await storeUploadedOriginal(store, {
    bytes,
    bucket: ORIGINALS,
    filename: 'photo',
    contentType: 'application/octet-stream',
    declaredType: 'image/jpeg',
    format: 'jpeg',
    renditionsVersion: renditionSetVersion(renditionSet),
  });
  const generate = createGenerateThumbnails({ store, processedBucket: PROCESSED, originalsBucket: ORIGINALS, renditionSet });
  return { store, input, generate };
}

describe('generate thumbnails use case', () => {
  it('tells onTimings where the time went (the composition root logs it; the use case writes nothing itself)', async () => {
    const { store, input } = await arrange(await testImage('jpeg', { width: 1200, height: 900 }));
    const told: ThumbnailTimings[] = [];
    const generate = createGenerateThumbnails({
      store,
      processedBucket: PROCESSED,
      originalsBucket: ORIGINALS,
      renditionSet: DEFAULT_RENDITION_SET,
      onTimings: (timings) => told.push(timings),
    });
    const stdout = jest.spyOn(process.stdout, 'write');

    await generate(input);

    expect(stdout).not.toHaveBeenCalled();
    stdout.mockRestore();
    expect(told).toEqual([
      {
        getMs: expect.any(Number),
        decodeMs: expect.any(Number),
        placeholderMs: expect.any(Number),
        renditionsMs: expect.any(Number),
        renditionMs: { small: expect.any(Number), medium: expect.any(Number), large: expect.any(Number) },
        putMs: expect.any(Number),
      },
    ]);
  });

  it('writes the default set as JPEGs fitting 150/300/600 squares', async () => {
    const { store, input, generate } = await arrange(await testImage('jpeg', { width: 1200, height: 900 }));

    const result = await generate(input);

    expect(ThumbnailsGeneratedV3DataSchema.parse(result)).toEqual(result);
    expect(result.version).toMatch(/^[0-9a-f]{16}$/);
    expect(result.placeholder).toMatchObject({ dominantColour: expect.stringMatching(/^#[0-9a-f]{6}$/), aspectRatio: expect.closeTo(4 / 3, 2) });
    expect(result.renditionsVersion).toBe(renditionSetVersion(DEFAULT_RENDITION_SET));
    const byName = Object.fromEntries(result.renditions.map((r) => [r.name, r]));
    expect(byName['small']).toMatchObject({ key: `thumbnails/user-1/img-1/${result.version}/small.jpg`, width: 150, height: 113, format: 'jpeg' });
    expect(byName['medium']).toMatchObject({ width: 300, height: 225 });
    expect(byName['large']).toMatchObject({ width: 600, height: 450 });
    for (const rendition of result.renditions) {
      const stored = await store.get({ bucket: PROCESSED, key: rendition.key });
      expect(stored.contentType).toBe('image/jpeg');
      expect(stored.cacheControl).toBe(IMMUTABLE_CACHE_CONTROL);
      expect(await probe(stored.body)).toMatchObject({ format: 'jpeg', width: rendition.width, height: rendition.height });
    }
  });

  it('writes the gallery set\'s small renditions as JPEG and WebP of one size, under the one version, JPEG first, and leaves display to compress', async () => {
    const { store, input, generate } = await arrange(await testImage('jpeg', { width: 1200, height: 900 }), GALLERY_RENDITION_SET);

    const result = await generate(input);

    expect(ThumbnailsGeneratedV3DataSchema.parse(result)).toEqual(result);
    // Two files a name: what v2 (one file a name) cannot carry, hence v3.
    expect(ThumbnailsGeneratedV2DataSchema.safeParse(result).success).toBe(false);
    // `display` (1600 px) is past EARLY_RENDITION_MAX_SIDE: compress makes it from its full-size decode (issue 13).
    expect(result.renditions.map((r) => `${r.name}.${r.format}`)).toEqual(
      ['small', 'medium', 'large', 'card'].flatMap((name) => [`${name}.jpeg`, `${name}.webp`]),
    );
    expect(result.renditionsVersion).toBe(renditionSetVersion(GALLERY_RENDITION_SET));
    for (const name of ['small', 'medium', 'large', 'card']) {
      const [jpeg, webp] = result.renditions.filter((r) => r.name === name);
      expect(jpeg?.key).toBe(`thumbnails/user-1/img-1/${result.version}/${name}.jpg`);
      expect(webp?.key).toBe(`thumbnails/user-1/img-1/${result.version}/${name}.webp`);
      expect([webp?.width, webp?.height]).toEqual([jpeg?.width, jpeg?.height]);
      const stored = await store.get({ bucket: PROCESSED, key: webp?.key ?? '' });
      expect(stored.contentType).toBe('image/webp');
      expect(await probe(stored.body)).toMatchObject({ format: 'webp', width: webp?.width, height: webp?.height });
    }
    expect(primaryRenditionKeys(result.renditions)['card']).toBe(`thumbnails/user-1/img-1/${result.version}/card.jpg`);
    expect((await store.list(PROCESSED, '')).filter((key) => key.includes('/display.'))).toEqual([]);
  });

  it('crops to 4:3 for the marketplace preset', async () => {
    const { input, generate } = await arrange(await testImage('jpeg', { width: 1000, height: 1000 }), MARKETPLACE_RENDITION_SET);

    const result = await generate(input);

    expect(result.renditions.map((r) => [r.width, r.height]).sort((a, b) => (b[0] ?? 0) - (a[0] ?? 0))).toEqual([
      [800, 600],
      [400, 300],
      [200, 150],
    ]);
  });

  it('flattens alpha on white for JPEG renditions of a transparent PNG', async () => {
    const { store, input, generate } = await arrange(await testImage('png-alpha'));

    const result = await generate(input);

    const small = result.renditions.find((r) => r.name === 'small');
    const facts = await probe((await store.get({ bucket: PROCESSED, key: small?.key ?? '' })).body);
    expect(facts.hasAlpha).toBe(false);
  });

  it('refuses a decompression bomb with TOO_MANY_PIXELS and writes nothing', async () => {
    const { store, input, generate } = await arrange(await testImage('png-bomb-header'));

    const error = await generate(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidImageError);
    expect((error as InvalidImageError).code).toBe('TOO_MANY_PIXELS');
    expect(await store.list(PROCESSED, '')).toEqual([]);
  });
});
