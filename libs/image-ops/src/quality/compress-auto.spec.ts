import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { compress, resolveCompressOptions } from '../compress';
import { measureSsimulacra2 } from './measure';

// A real photograph (the SSIMULACRA2 reference fixture, 256x256): noise and gradients
// make a test image that says nothing about perceptual quality.
const photo = readFileSync(join(__dirname, 'fixtures', 'source.png'));

describe("compress with quality: 'auto'", () => {
  it('picks a quality whose full-size score meets the target, and says which and its score', async () => {
    const { variants } = await compress(photo, { formats: ['webp'], webp: { quality: 'auto' }, autoQuality: { webp: { target: 75 } } });
    const [webp] = variants;

    expect(webp?.quality).toBeGreaterThanOrEqual(40);
    expect(webp?.ssimulacra2).toBeGreaterThanOrEqual(75);
    // The image is its own proxy at this size: the full-size output scores the same.
    expect(await measureSsimulacra2(photo, webp?.data as Buffer)).toBeCloseTo(webp?.ssimulacra2 as number, 0);
  });

  it('chooses a lower quality (fewer bytes) for a lower target', async () => {
    const high = await compress(photo, { webp: { quality: 'auto' }, autoQuality: { webp: { target: 85 } } });
    const low = await compress(photo, { webp: { quality: 'auto' }, autoQuality: { webp: { target: 60 } } });
    expect(low.variants[0]?.quality).toBeLessThan(high.variants[0]?.quality as number);
    expect(low.variants[0]?.size).toBeLessThan(high.variants[0]?.size as number);
  });

  it('targets AVIF too', async () => {
    const { variants } = await compress(photo, { formats: ['avif'], avif: { quality: 'auto', effort: 0 } });
    expect(variants[0]?.format).toBe('avif');
    expect(variants[0]?.ssimulacra2).toBeGreaterThanOrEqual(70);
    expect((await sharp(variants[0]?.data).metadata()).format).toBe('heif');
  });

  it('reports the fixed quality and no score when the quality is a number', async () => {
    const { variants } = await compress(photo, { webp: { quality: 80 } });
    expect(variants[0]?.quality).toBe(80);
    expect(variants[0]?.ssimulacra2).toBeUndefined();
  });

  it('chooses the WebP preset too, among the knob\'s, and says which; a fixed preset is used as set', async () => {
    const chosen = await compress(photo, { webp: { quality: 'auto' }, autoQuality: { webp: { presets: ['default', 'icon'] } } });
    const onlyIcon = await compress(photo, { webp: { quality: 'auto' }, autoQuality: { webp: { presets: ['icon'] } } });
    const fixedIcon = await compress(photo, { webp: { quality: 80, preset: 'icon' } });
    const fixedDefault = await compress(photo, { webp: { quality: 80 } });

    expect(['default', 'icon']).toContain(chosen.variants[0]?.preset);
    expect(onlyIcon.variants[0]?.preset).toBe('icon');
    expect(fixedIcon.variants[0]?.preset).toBe('icon');
    expect(fixedDefault.variants[0]?.preset).toBeUndefined();
    // The preset reaches the encoder: libwebp's icon tuning (no SNS, no loop filter) writes other bytes.
    expect(Buffer.compare(fixedIcon.variants[0]?.data as Buffer, fixedDefault.variants[0]?.data as Buffer)).not.toBe(0);
    // A preset fixed by the caller is not second-guessed by auto.
    const autoFixed = await compress(photo, { webp: { quality: 'auto', preset: 'photo' } });
    expect(autoFixed.variants[0]?.preset).toBe('photo');
  });

  it('refuses bad knobs with the schema error', () => {
    expect(() => resolveCompressOptions({ webp: { quality: 'best' as never } })).toThrow();
    expect(() => resolveCompressOptions({ autoQuality: { webp: { target: 120 } } })).toThrow();
    expect(() => resolveCompressOptions({ autoQuality: { webp: { minQuality: 90, maxQuality: 50 } } })).toThrow();
    expect(() => resolveCompressOptions({ webp: { preset: 'vivid' as never } })).toThrow();
    expect(() => resolveCompressOptions({ autoQuality: { webp: { presets: [] } } })).toThrow();
  });
});
