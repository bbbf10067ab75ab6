import { compress, compressStill } from './compress';
import { isInvalidImageError } from './errors';
import { testImage, type TestImageKind } from './testing';

/** The AVIF step's request: one format, the perceptual search, effort 0. */
const AVIF_AUTO = { formats: ['avif' as const], avif: { quality: 'auto' as const, effort: 0 } };

describe('compressStill (one variant, the encode streamed from the original)', () => {
  // Orientation, CMYK -> sRGB, alpha, 16-bit: each a step of the one decode that the streamed encode must repeat.
  it.each<TestImageKind>(['jpeg-rotated', 'jpeg-cmyk', 'png-alpha', 'png-16bit'])(
    'writes the same bytes, quality and score as compress for %s',
    async (kind) => {
      const input = await testImage(kind, { width: 400, height: 300 });

      const { variant } = await compressStill(input, AVIF_AUTO);
      const [expected] = (await compress(input, AVIF_AUTO)).variants;

      expect(expected).toBeDefined();
      expect({ width: variant.width, height: variant.height, quality: variant.quality, ssimulacra2: variant.ssimulacra2 }).toEqual({
        width: expected?.width,
        height: expected?.height,
        quality: expected?.quality,
        ssimulacra2: expected?.ssimulacra2,
      });
      expect(Buffer.compare(variant.data, expected?.data as Buffer)).toBe(0);
    },
  );

  it('takes a fixed quality too (through the one-decode pipeline)', async () => {
    const input = await testImage('jpeg', { width: 320, height: 240 });
    const { variant } = await compressStill(input, { formats: ['webp'], webp: { quality: 70 } });
    expect(variant).toMatchObject({ format: 'webp', quality: 70, width: 320, height: 240 });
    expect(variant.ssimulacra2).toBeUndefined();
  });

  it('refuses a request for more or fewer than one format', async () => {
    const input = await testImage('jpeg', { width: 64, height: 64 });
    await expect(compressStill(input, { formats: ['webp', 'avif'] })).rejects.toThrow(RangeError);
  });

  it('classifies a truncated original as invalid input, as compress does', async () => {
    const input = await testImage('truncated-jpeg', { width: 640, height: 480 });
    const error = await compressStill(input, AVIF_AUTO).catch((e: unknown) => e);
    expect(isInvalidImageError(error)).toBe(true);
  });
});
