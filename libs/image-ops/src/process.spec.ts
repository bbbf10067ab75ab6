import sharp from 'sharp';
import { compress, type CompressOptionsInput } from './compress';
import { processImage } from './process';
import { MARKETPLACE_RENDITION_SET, type RenditionSet, renditions } from './renditions';
import { outputMetadata, testImage } from './testing';

function dims(outputs: { format: string; width: number; height: number; name?: string }[]): string[] {
  return outputs.map((o) => `${o.name ?? o.format}:${o.width}x${o.height}`);
}

describe('processImage', () => {
  it.each<[string, () => Promise<Buffer>, RenditionSet | undefined]>([
    ['a JPEG', () => testImage('jpeg', { width: 900, height: 700 }), undefined],
    ['an EXIF-rotated JPEG', () => testImage('jpeg-rotated', { width: 900, height: 700 }), MARKETPLACE_RENDITION_SET],
    ['a PNG with alpha', () => testImage('png-alpha', { width: 333, height: 222 }), MARKETPLACE_RENDITION_SET],
    ['an animated GIF', () => testImage('gif-animated', { width: 200, height: 150 }), undefined],
    ['a HEIC photo', () => testImage('heic'), MARKETPLACE_RENDITION_SET],
  ])('makes from %s the same outputs as compress() and renditions()', async (_what, make, set) => {
    const input = await make();
    const compressOptions: CompressOptionsInput = { formats: ['webp', 'jpeg'], profile: 'fast' };

    const together = await processImage(input, { compress: compressOptions, renditionSet: set });
    const apart = {
      compressed: await compress(input, compressOptions),
      rendered: await renditions(input, set),
    };

    expect(together.facts).toEqual(apart.compressed.facts);
    expect(dims(together.variants)).toEqual(dims(apart.compressed.variants));
    expect(dims(together.renditions)).toEqual(dims(apart.rendered.renditions));
    expect(together.variants.map((v) => v.format)).toEqual(['webp', 'jpeg']);
    for (const output of [...together.variants, ...together.renditions]) {
      const meta = await outputMetadata(output.data);
      expect([meta.width, meta.pageHeight ?? meta.height]).toEqual([output.width, output.height]);
    }
  });

  it('defaults to a WebP variant and the default rendition set, and reports timings', async () => {
    const jpeg = await testImage('jpeg', { width: 640, height: 480 });

    const result = await processImage(jpeg);

    expect(dims(result.variants)).toEqual(['webp:640x480']);
    expect(dims(result.renditions)).toEqual(['small:150x113', 'medium:300x225', 'large:600x450']);
    for (const value of Object.values(result.timings)) expect(Number.isFinite(value) && value >= 0).toBe(true);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.decodeMs);
  });

  it('renditions made from the full decode match renditions made with shrink-on-load', async () => {
    const jpeg = await testImage('jpeg', { width: 1024, height: 768 });

    const together = await processImage(jpeg);
    const apart = await renditions(jpeg);

    // Different paths to the same picture: nearly the same pixels.
    for (const [i, r] of together.renditions.entries()) {
      const other = apart.renditions[i];
      const [a, b] = await Promise.all([r.data, other?.data ?? Buffer.alloc(0)].map((d) => sharp(d).raw().toBuffer()));
      let sum = 0;
      for (let k = 0; k < (a?.length ?? 0); k += 1) sum += Math.abs((a?.[k] ?? 0) - (b?.[k] ?? 0));
      expect(sum / (a?.length ?? 1)).toBeLessThan(4);
    }
  });
});
