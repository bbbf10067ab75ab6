import sharp from 'sharp';
import { compress, compressStill, type CompressedVariant, type StillVariantResult } from './compress';
import { isInvalidImageError } from './errors';
import { testImage, type TestImageKind } from './testing';

/** The AVIF step's request: one format, the perceptual search, effort 0. */
const AVIF_AUTO = { formats: ['avif' as const], avif: { quality: 'auto' as const, effort: 0 } };

/** The variant of an `encoded` answer (fails the test on any other). */
function variantOf(result: StillVariantResult): CompressedVariant {
  if (result.kind !== 'encoded') throw new Error(`expected a variant, got kind ${result.kind}`);
  return result.variant;
}

/**
 * An uncompressed RGB TIFF with `samples` 8-bit samples a pixel, each sample `i` of every pixel
 * `values[i]`, `ExtraSamples` naming the 4th as unassociated alpha and any further as
 * unspecified. Hand-written: sharp's TIFF writer keeps only the bands it can name (at most RGB
 * and alpha), so it cannot make the input this case is about.
 */
function rgbTiffWithExtraSamples(width: number, height: number, values: readonly number[]): Buffer {
  const samples = values.length;
  const pixels = Buffer.alloc(width * height * samples);
  for (let i = 0; i < pixels.length; i++) pixels[i] = values[i % samples] as number;
  const extra = Array.from({ length: samples - 3 }, (_, i) => (i === 0 ? 2 : 0));
  // [tag, type (3 SHORT, 4 LONG), values]; StripOffsets (273) is filled in below.
  const tags: Array<[number, 3 | 4, number[]]> = [
    [256, 3, [width]], [257, 3, [height]], [258, 3, values.map(() => 8)], [259, 3, [1]], [262, 3, [2]],
    [273, 4, [0]], [277, 3, [samples]], [278, 3, [height]], [279, 4, [pixels.length]], [284, 3, [1]], [338, 3, extra],
  ];
  const ifd = Buffer.alloc(2 + tags.length * 12 + 4);
  ifd.writeUInt16LE(tags.length, 0);
  const outside: Buffer[] = [];
  let outsideAt = 8 + ifd.length;
  let stripOffsetAt = 0;
  tags.forEach(([tag, type, vals], i) => {
    const at = 2 + i * 12;
    const size = type === 3 ? 2 : 4;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(vals.length, at + 4);
    const fits = vals.length * size <= 4;
    const target = fits ? ifd : Buffer.alloc(vals.length * size);
    const base = fits ? at + 8 : 0;
    vals.forEach((v, j) => (size === 2 ? target.writeUInt16LE(v, base + j * 2) : target.writeUInt32LE(v, base + j * 4)));
    if (tag === 273) stripOffsetAt = at + 8;
    if (!fits) {
      ifd.writeUInt32LE(outsideAt, at + 8);
      outside.push(target);
      outsideAt += target.length;
    }
  });
  ifd.writeUInt32LE(outsideAt, stripOffsetAt);
  return Buffer.concat([Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]), ifd, ...outside, pixels]);
}

describe('compressStill (one variant, the encode streamed from the original)', () => {
  // Orientation, CMYK -> sRGB, alpha, 16-bit: each a step of the one decode that the streamed encode must repeat.
  it.each<TestImageKind>(['jpeg-rotated', 'jpeg-cmyk', 'png-alpha', 'png-16bit'])(
    'writes the same bytes, quality and score as compress for %s',
    async (kind) => {
      const input = await testImage(kind, { width: 400, height: 300 });

      const variant = variantOf(await compressStill(input, AVIF_AUTO));
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
    const variant = variantOf(await compressStill(input, { formats: ['webp'], webp: { quality: 70 } }));
    expect(variant).toMatchObject({ format: 'webp', quality: 70, width: 320, height: 240 });
    expect(variant.ssimulacra2).toBeUndefined();
  });

  it('refuses a request for more or fewer than one format', async () => {
    const input = await testImage('jpeg', { width: 64, height: 64 });
    await expect(compressStill(input, { formats: ['webp', 'avif'] })).rejects.toThrow(RangeError);
  });

  it('answers an animated original as such, from its one inspect, with no variant', async () => {
    const input = await testImage('gif-animated');

    const result = await compressStill(input, AVIF_AUTO);

    expect(result).toEqual({ kind: 'animated', facts: expect.objectContaining({ format: 'gif', animated: true }) });
  });

  // One rule for alpha (pipeline.ts, rasterChannels): an output keeps the original's RGB and
  // alpha, whatever further samples it carries; the raster compress encodes and the streamed
  // read compressStill encodes must agree on that, or the two give different pictures.
  it.each(['avif', 'webp', 'jpeg'] as const)(
    'gives an RGB TIFF with alpha and one more sample the same %s as compress: its colour, its alpha only where the format keeps it',
    async (format) => {
      // Half-transparent (an opaque alpha would be dropped by the WebP encoder), the extra sample 7.
      const input = rgbTiffWithExtraSamples(64, 48, [200, 90, 10, 128, 7]);
      const options = { formats: [format], [format]: { quality: 'auto' as const } };

      const variant = variantOf(await compressStill(input, options));
      const [expected] = (await compress(input, options)).variants;

      expect(Buffer.compare(variant.data, expected?.data as Buffer)).toBe(0);
      const decoded = await sharp(variant.data).metadata();
      expect(decoded.channels).toBe(format === 'jpeg' ? 3 : 4);
      const { channels } = await sharp(variant.data).stats();
      const means = channels.map((c) => Math.round(c.mean));
      // JPEG: flattened onto the default white; the others keep the colour and the alpha.
      const colour = format === 'jpeg' ? [200, 90, 10].map((c) => (c * 128 + 255 * 127) / 255) : [200, 90, 10, 128];
      expect(Math.max(...colour.map((c, i) => Math.abs((means[i] as number) - c)))).toBeLessThanOrEqual(4);
    },
  );

  it('classifies a truncated original as invalid input, as compress does', async () => {
    const input = await testImage('truncated-jpeg', { width: 640, height: 480 });
    const error = await compressStill(input, AVIF_AUTO).catch((e: unknown) => e);
    expect(isInvalidImageError(error)).toBe(true);
  });
});
