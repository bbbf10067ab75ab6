import sharp from 'sharp';
import { ZodError } from 'zod';
import {
  DEFAULT_RENDITION_SET,
  MARKETPLACE_RENDITION_SET,
  type RenditionSetInput,
  renditions,
  renditionSetVersion,
  resolveRenditionSet,
} from './renditions';
import { outputMetadata, pixelAt, testImage } from './testing';

function sizes(results: { name: string; width: number; height: number }[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.name, `${r.width}x${r.height}`]));
}

async function actualSizes(results: { name: string; data: Buffer }[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    results.map(async (r) => {
      const meta = await outputMetadata(r.data);
      return [r.name, `${meta.width}x${meta.height}`] as const;
    }),
  );
  return Object.fromEntries(entries);
}

describe('rendition sets', () => {
  it('has the seed presets', () => {
    expect(DEFAULT_RENDITION_SET.renditions).toEqual({
      small: expect.objectContaining({ width: 150, height: 150, fit: 'inside', format: 'jpeg', quality: 85 }),
      medium: expect.objectContaining({ width: 300, height: 300, fit: 'inside', format: 'jpeg', quality: 85 }),
      large: expect.objectContaining({ width: 600, height: 600, fit: 'inside', format: 'jpeg', quality: 85 }),
    });
    expect(MARKETPLACE_RENDITION_SET.renditions).toEqual({
      large: expect.objectContaining({ width: 800, height: 600, fit: 'cover', quality: 80, progressive: true }),
      medium: expect.objectContaining({ width: 400, height: 300, fit: 'cover', quality: 80, progressive: true }),
      small: expect.objectContaining({ width: 200, height: 150, fit: 'cover', quality: 80, progressive: true }),
    });
    expect(resolveRenditionSet('default')).toBe(DEFAULT_RENDITION_SET);
    expect(resolveRenditionSet('marketplace')).toBe(MARKETPLACE_RENDITION_SET);
  });

  it('validates a user-declared set and fills its defaults', () => {
    const set = resolveRenditionSet({ name: 'shop', renditions: { card: { width: 320, height: 240, fit: 'cover' } } });

    expect(set.renditions.card).toEqual({
      width: 320,
      height: 240,
      fit: 'cover',
      format: 'jpeg',
      quality: 80,
      progressive: false,
      position: 'centre',
    });
  });

  it.each<[string, unknown]>([
    ['an unknown preset', 'huge'],
    ['a bad set name', { name: 'My Set', renditions: { a: { width: 10, height: 10 } } }],
    ['a bad rendition name', { name: 's', renditions: { 'Big!': { width: 10, height: 10 } } }],
    ['no renditions', { name: 's', renditions: {} }],
    ['too many renditions', { name: 's', renditions: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`r${i}`, { width: 10, height: 10 }])) }],
    ['a zero width', { name: 's', renditions: { a: { width: 0, height: 10 } } }],
    ['an unbounded size', { name: 's', renditions: { a: { width: 100_000, height: 10 } } }],
    ['an unknown fit', { name: 's', renditions: { a: { width: 10, height: 10, fit: 'stretch' } } }],
    ['an unknown format', { name: 's', renditions: { a: { width: 10, height: 10, format: 'gif' } } }],
    ['a quality out of range', { name: 's', renditions: { a: { width: 10, height: 10, quality: 101 } } }],
    ['an unknown field', { name: 's', renditions: { a: { width: 10, height: 10, sharpen: true } } }],
  ])('refuses %s with a ZodError', (_what, input) => {
    expect(() => resolveRenditionSet(input)).toThrow(ZodError);
  });
});

describe('renditionSetVersion', () => {
  const set: RenditionSetInput = {
    name: 'shop',
    renditions: {
      card: { width: 320, height: 240, fit: 'cover', format: 'webp', quality: 75 },
      thumb: { width: 100, height: 100 },
    },
  };

  it('is a short stable hash', () => {
    expect(renditionSetVersion(set)).toMatch(/^rs-[0-9a-f]{12}$/);
    expect(renditionSetVersion(set)).toBe(renditionSetVersion(structuredClone(set)));
    expect(renditionSetVersion(DEFAULT_RENDITION_SET)).not.toBe(renditionSetVersion(MARKETPLACE_RENDITION_SET));
  });

  it('does not change when keys are reordered or a default is spelled out', () => {
    const reordered: RenditionSetInput = {
      renditions: {
        thumb: { height: 100, width: 100, quality: 80, fit: 'inside' },
        card: { quality: 75, format: 'webp', fit: 'cover', height: 240, width: 320 },
      },
      name: 'shop',
    };

    expect(renditionSetVersion(reordered)).toBe(renditionSetVersion(set));
  });

  it('changes when anything that changes an output changes', () => {
    const base = renditionSetVersion(set);
    const edit = (card: Record<string, unknown>): RenditionSetInput => ({
      ...set,
      renditions: { ...set.renditions, card: { ...set.renditions.card, ...card } as never },
    });

    expect(renditionSetVersion(edit({ quality: 76 }))).not.toBe(base);
    expect(renditionSetVersion(edit({ width: 321 }))).not.toBe(base);
    expect(renditionSetVersion(edit({ format: 'avif' }))).not.toBe(base);
    expect(renditionSetVersion(edit({ webpEffort: 1 }))).not.toBe(base);
    expect(renditionSetVersion({ ...set, name: 'shop-2' })).not.toBe(base);
    expect(renditionSetVersion({ ...set, renditions: { card: set.renditions.card as never } })).not.toBe(base);
  });
});

describe('renditions', () => {
  it('makes the default set inside squares of 150, 300 and 600', async () => {
    const jpeg = await testImage('jpeg', { width: 800, height: 600 });

    const result = await renditions(jpeg);

    expect(sizes(result.renditions)).toEqual({ small: '150x113', medium: '300x225', large: '600x450' });
    expect(await actualSizes(result.renditions)).toEqual(sizes(result.renditions));
    for (const r of result.renditions) expect(r).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg' });
  });

  it('crops the marketplace set to exactly 4:3, progressive', async () => {
    const wide = await testImage('jpeg', { width: 1200, height: 600 });

    const result = await renditions(wide, MARKETPLACE_RENDITION_SET);

    expect(sizes(result.renditions)).toEqual({ large: '800x600', medium: '400x300', small: '200x150' });
    expect(await actualSizes(result.renditions)).toEqual(sizes(result.renditions));
    for (const r of result.renditions) expect((await outputMetadata(r.data)).isProgressive).toBe(true);
  });

  it('never upscales: a small image keeps its size, and a crop keeps the box aspect', async () => {
    const small = await testImage('jpeg', { width: 300, height: 200 });

    const thumbs = await renditions(small);
    const crops = await renditions(small, MARKETPLACE_RENDITION_SET);

    expect(sizes(thumbs.renditions)).toEqual({ small: '150x100', medium: '300x200', large: '300x200' });
    expect(sizes(crops.renditions)).toEqual({ large: '267x200', medium: '267x200', small: '200x150' });
    expect(await actualSizes(crops.renditions)).toEqual(sizes(crops.renditions));
  });

  it('applies orientation before fitting', async () => {
    const rotated = await testImage('jpeg-rotated', { width: 900, height: 600 }); // displayed 600 x 900

    const result = await renditions(rotated);

    expect(sizes(result.renditions)).toEqual({ small: '100x150', medium: '200x300', large: '400x600' });
    expect(await actualSizes(result.renditions)).toEqual(sizes(result.renditions));
  });

  it('makes a user set: WebP and PNG keep alpha, JPEG flattens it, contain pads with the background', async () => {
    const pixels = Buffer.alloc(200 * 100 * 4); // fully transparent
    const clear = await sharp(pixels, { raw: { width: 200, height: 100, channels: 4 } }).png().toBuffer();
    const set = resolveRenditionSet({
      name: 'mixed',
      renditions: {
        webp: { width: 50, height: 50, format: 'webp' },
        png: { width: 50, height: 50, format: 'png' },
        jpeg: { width: 50, height: 50, format: 'jpeg' },
        boxed: { width: 60, height: 60, fit: 'contain', format: 'jpeg' },
        stretched: { width: 60, height: 60, fit: 'fill', format: 'png' },
      },
    });

    const result = await renditions(clear, set, { background: '#ff0000' });
    const byName = Object.fromEntries(result.renditions.map((r) => [r.name, r]));

    expect(sizes(result.renditions)).toEqual({ webp: '50x25', png: '50x25', jpeg: '50x25', boxed: '60x60', stretched: '60x60' });
    expect((await outputMetadata(byName.webp?.data ?? Buffer.alloc(0))).hasAlpha).toBe(true);
    expect((await pixelAt(byName.png?.data ?? Buffer.alloc(0), 10, 10))[3]).toBe(0);
    const [r = 0, g = 255, b = 255] = await pixelAt(byName.jpeg?.data ?? Buffer.alloc(0), 10, 10);
    expect([r > 240, g < 20, b < 20]).toEqual([true, true, true]);
    const [pr = 0, pg = 255] = await pixelAt(byName.boxed?.data ?? Buffer.alloc(0), 30, 2); // padding
    expect([pr > 240, pg < 20]).toEqual([true, true]);
  });

  it('makes an animation\u2019s renditions from its first frame', async () => {
    const gif = await testImage('gif-animated', { width: 320, height: 240 });

    const result = await renditions(gif);

    expect(sizes(result.renditions)).toEqual({ small: '150x113', medium: '300x225', large: '320x240' });
    expect((await outputMetadata(result.renditions[2]?.data ?? Buffer.alloc(0))).pages ?? 1).toBe(1);
  });

  it('encodes WebP at the rendition\u2019s webpEffort (4 when it names none), and reports each rendition\u2019s time', async () => {
    const photo = await testImage('jpeg', { width: 1200, height: 900 });
    const at = (webpEffort?: number) =>
      resolveRenditionSet({ name: 'w', renditions: { view: { width: 800, height: 800, format: 'webp', ...(webpEffort === undefined ? {} : { webpEffort }) } } });

    const unnamed = await renditions(photo, at());
    const four = await renditions(photo, at(4));
    const zero = await renditions(photo, at(0));

    expect(unnamed.renditions[0]?.data.equals(four.renditions[0]?.data ?? Buffer.alloc(0))).toBe(true);
    expect(zero.renditions[0]?.data.equals(four.renditions[0]?.data ?? Buffer.alloc(0))).toBe(false);
    expect(Object.keys(zero.renditionMs)).toEqual(['view']);
    expect(zero.renditionMs['view']).toBeGreaterThanOrEqual(0);
  });

  it.each([7, -1, 2.5])('refuses webpEffort %s (libwebp takes 0-6)', (webpEffort) => {
    expect(() => resolveRenditionSet({ name: 's', renditions: { a: { width: 10, height: 10, webpEffort } } })).toThrow(ZodError);
  });

  it('refuses a set that is not valid', async () => {
    const jpeg = await testImage('jpeg', { width: 64, height: 64 });

    await expect(renditions(jpeg, { name: 'BAD', renditions: {} })).rejects.toThrow(ZodError);
  });
});
