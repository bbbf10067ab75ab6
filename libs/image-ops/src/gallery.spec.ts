import sharp from 'sharp';
import { ZodError } from 'zod';
import {
  CARD_CROP_POSITION,
  DEFAULT_RENDITION_SET,
  GALLERY_RENDITION_SET,
  GALLERY_WEBP_EFFORT,
  MARKETPLACE_RENDITION_SET,
  MAX_RENDITION_FILES,
  renditionFormats,
  renditions,
  readRenditionSet,
  renditionSetVersion,
  resolveRenditionSet,
  type Rendition,
  type RenditionSet,
} from './renditions';
import { testImage } from './testing';

/** One rendition's decoded pixels. */
async function pixels(data: Buffer) {
  const { data: raw, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): number[] => Array.from(raw.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels));
  /** Largest channel difference along a row (0: one flat colour). */
  const rowSpread = (y: number): number => {
    let spread = 0;
    for (let x = 1; x < info.width; x++) {
      const [a, b] = [at(0, y), at(x, y)];
      spread = Math.max(spread, ...a.map((v, c) => Math.abs(v - (b[c] ?? 0))));
    }
    return spread;
  };
  return { info, at, rowSpread };
}

const card = (result: { renditions: { name: string; data: Buffer; width: number; height: number }[] }) => {
  const found = result.renditions.find((r) => r.name === 'card');
  if (!found) throw new Error('no card');
  return found;
};

describe('the gallery set', () => {
  it('keeps the default renditions and adds a square smart-cropped card and a display size', () => {
    expect(resolveRenditionSet('gallery')).toBe(GALLERY_RENDITION_SET);
    expect(readRenditionSet('gallery')).toBe(GALLERY_RENDITION_SET); // RENDITION_SET=gallery
    expect(GALLERY_RENDITION_SET.renditions).toMatchObject({
      ...DEFAULT_RENDITION_SET.renditions,
      card: { width: 400, height: 400, fit: 'cover', position: 'attention', extremeAspect: { beyond: 4, band: 2 } },
      display: { width: 1600, height: 1600, fit: 'inside' },
    });
    expect(CARD_CROP_POSITION).toBe('attention');
  });

  it('leaves the versions of sets without extremeAspect as they were (no reprocessing)', () => {
    expect(renditionSetVersion(DEFAULT_RENDITION_SET)).toBe('rs-3efe942fc712');
    expect(renditionSetVersion(MARKETPLACE_RENDITION_SET)).toBe('rs-f2e254237681');
  });

  it.each<[string, unknown]>([
    ['extremeAspect on a fit other than cover', { width: 10, height: 10, fit: 'inside', extremeAspect: {} }],
    ['a band wider than the limit', { width: 10, height: 10, fit: 'cover', extremeAspect: { beyond: 2, band: 3 } }],
    ['an unknown extremeAspect field', { width: 10, height: 10, fit: 'cover', extremeAspect: { ratio: 2 } }],
  ])('refuses %s', (_what, rendition) => {
    expect(() => resolveRenditionSet({ name: 's', renditions: { a: rendition } })).toThrow(ZodError);
  });
});

describe('renditions in more than one format (alsoAs)', () => {
  const NAMES = ['small', 'medium', 'large', 'card', 'display'];

  it('writes every gallery rendition as JPEG (the fallback, first) and WebP, the WebP at effort 2', () => {
    expect(GALLERY_WEBP_EFFORT).toBe(2);
    for (const name of NAMES) {
      expect(GALLERY_RENDITION_SET.renditions[name]).toMatchObject({ format: 'jpeg', alsoAs: ['webp'], webpEffort: GALLERY_WEBP_EFFORT });
      expect(renditionFormats(GALLERY_RENDITION_SET.renditions[name] as Rendition)).toEqual(['jpeg', 'webp']);
    }
  });

  it('makes each rendition once per format, of one size, primary format first', async () => {
    const photo = await testImage('jpeg', { width: 2400, height: 1800 });

    const result = await renditions(photo, GALLERY_RENDITION_SET);

    expect(result.renditions.map((r) => `${r.name}.${r.format}`)).toEqual(NAMES.flatMap((n) => [`${n}.jpeg`, `${n}.webp`]));
    for (const name of NAMES) {
      const [jpeg, webp] = result.renditions.filter((r) => r.name === name);
      expect(webp).toMatchObject({ format: 'webp', contentType: 'image/webp', width: jpeg?.width, height: jpeg?.height });
      const decoded = await sharp(webp?.data).metadata();
      expect([decoded.format, decoded.width, decoded.height]).toEqual(['webp', jpeg?.width, jpeg?.height]);
    }
    expect(result.renditions.find((r) => r.name === 'display')).toMatchObject({ width: 1600, height: 1200 });
  });

  it('keeps the pixels of both formats alike (one resize, one crop)', async () => {
    const photo = await testImage('jpeg', { width: 2400, height: 1800 });

    const [jpeg, webp] = (await renditions(photo, GALLERY_RENDITION_SET)).renditions.filter((r) => r.name === 'card');
    const [a, b] = await Promise.all([jpeg, webp].map((r) => sharp(r?.data).resize(16, 16, { fit: 'fill' }).removeAlpha().raw().toBuffer()));
    const diff = Array.from(a ?? []).reduce((max, v, i) => Math.max(max, Math.abs(v - (b?.[i] ?? 0))), 0);
    expect(diff).toBeLessThan(24);
  });

  it('changes the gallery version (its renditions are reprocessed) and keeps the others', () => {
    const jpegOnly: RenditionSet = {
      ...GALLERY_RENDITION_SET,
      renditions: Object.fromEntries(Object.entries(GALLERY_RENDITION_SET.renditions).map(([n, r]) => [n, { ...r, alsoAs: undefined }])),
    };
    expect(renditionSetVersion(GALLERY_RENDITION_SET)).not.toBe(renditionSetVersion(jpegOnly));
    // The WebP effort changes the WebP bytes, so it changes the version too (stored renditions are reprocessed).
    const atEffort4: RenditionSet = {
      ...GALLERY_RENDITION_SET,
      renditions: Object.fromEntries(Object.entries(GALLERY_RENDITION_SET.renditions).map(([n, r]) => [n, { ...r, webpEffort: undefined }])),
    };
    expect(renditionSetVersion(GALLERY_RENDITION_SET)).not.toBe(renditionSetVersion(atEffort4));
    expect(renditionSetVersion(DEFAULT_RENDITION_SET)).toBe('rs-3efe942fc712');
  });

  it.each<[string, unknown]>([
    ['alsoAs repeating the format', { width: 10, height: 10, format: 'jpeg', alsoAs: ['jpeg'] }],
    ['a format twice in alsoAs', { width: 10, height: 10, alsoAs: ['webp', 'webp'] }],
    ['an empty alsoAs', { width: 10, height: 10, alsoAs: [] }],
    ['an unknown format', { width: 10, height: 10, alsoAs: ['gif'] }],
  ])('refuses %s', (_what, rendition) => {
    expect(() => resolveRenditionSet({ name: 's', renditions: { a: rendition } })).toThrow(ZodError);
  });

  it(`refuses a set of more than ${MAX_RENDITION_FILES} files, counting each format`, () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, { width: 10, height: 10, alsoAs: ['webp'] }]));
    expect(() => resolveRenditionSet({ name: 's', renditions: many(16) })).not.toThrow();
    expect(() => resolveRenditionSet({ name: 's', renditions: many(17) })).toThrow(ZodError);
  });
});

describe('a cover card', () => {
  it("gives a 10000x783 panorama a square card with a 2:1 band of it, letterboxed in the image's dominant colour", async () => {
    const panorama = await testImage('jpeg', { width: 10_000, height: 783 });

    const result = await renditions(panorama, GALLERY_RENDITION_SET);

    const made = card(result);
    expect([made.width, made.height]).toEqual([400, 400]);
    const { info, at, rowSpread } = await pixels(made.data);
    expect([info.width, info.height]).toEqual([400, 400]);
    // Bands above and below (rows 0-99 and 300-399) are one flat colour, the dominant one...
    expect(rowSpread(5)).toBeLessThanOrEqual(2);
    expect(rowSpread(395)).toBeLessThanOrEqual(2);
    const dominant = result.placeholder.dominantColour.slice(1).match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
    at(0, 5).forEach((v, c) => expect(Math.abs(v - (dominant[c] ?? -99))).toBeLessThanOrEqual(3));
    // ...and the 400x200 band between them is the photo (its noise and gradient).
    expect(rowSpread(150)).toBeGreaterThan(30);
    expect(rowSpread(250)).toBeGreaterThan(30);
    // The 'inside' renditions are still the whole panorama.
    expect(result.renditions.find((r) => r.name === 'medium')).toMatchObject({ width: 300, height: 23 });
  });

  it('letterboxes a tall strip left and right', async () => {
    const strip = await testImage('jpeg', { width: 300, height: 3000 });

    const made = card(await renditions(strip, GALLERY_RENDITION_SET));

    expect([made.width, made.height]).toEqual([400, 400]);
    const { at } = await pixels(made.data);
    const column = (x: number) => Array.from({ length: 400 }, (_, y) => at(x, y)[1] ?? 0); // green: the vertical gradient
    const spread = (values: number[]) => Math.max(...values) - Math.min(...values);
    expect(spread(column(5))).toBeLessThanOrEqual(2);
    expect(spread(column(200))).toBeGreaterThan(30);
  });

  it('crops an ordinary photo to the square without bands', async () => {
    const photo = await testImage('jpeg', { width: 800, height: 600 });

    const made = card(await renditions(photo, GALLERY_RENDITION_SET));

    expect([made.width, made.height]).toEqual([400, 400]);
    const { rowSpread } = await pixels(made.data);
    expect(rowSpread(2)).toBeGreaterThan(30);
    expect(rowSpread(397)).toBeGreaterThan(30);
  });

  it('never upscales the band: a 1000x100 strip gets a 200x200 card around a 200x100 band', async () => {
    const strip = await testImage('jpeg', { width: 1000, height: 100 });

    const made = card(await renditions(strip, GALLERY_RENDITION_SET));

    expect([made.width, made.height]).toEqual([200, 200]);
    const { rowSpread } = await pixels(made.data);
    expect(rowSpread(10)).toBeLessThanOrEqual(2);
    expect(rowSpread(100)).toBeGreaterThan(30);
  });

  it("crops to the subject with 'attention' where 'centre' misses it", async () => {
    // A grey 3:1 scene with a saturated, skin-toned subject near its right edge.
    const scene = await sharp({ create: { width: 900, height: 300, channels: 3, background: '#808080' } })
      .composite([{ input: { create: { width: 160, height: 160, channels: 3, background: '#e0a070' } }, left: 700, top: 70 }])
      .png()
      .toBuffer();
    const setAt = (position: 'attention' | 'centre'): RenditionSet => ({
      name: 'cards',
      renditions: { card: { width: 100, height: 100, fit: 'cover', format: 'png', quality: 80, progressive: false, position } },
    });

    const [smart, centre] = await Promise.all([renditions(scene, setAt('attention')), renditions(scene, setAt('centre'))]);

    const red = async (result: Awaited<ReturnType<typeof renditions>>) => (await pixels(card(result).data)).at(50, 50)[0];
    expect(await red(smart)).toBeGreaterThan(200);
    expect(await red(centre)).toBe(128);
  });
});
