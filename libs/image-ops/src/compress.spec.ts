import sharp from 'sharp';
import { ZodError } from 'zod';
import { compress, resolveCompressOptions } from './compress';
import { outputMetadata, pixelAt, solidImage, testImage } from './testing';

/** Channel values within `tolerance` of `expected` (lossy encoders move flat colours a little). */
function expectColour(actual: number[], expected: number[], tolerance = 4): void {
  expected.forEach((value, i) => expect(Math.abs((actual[i] ?? -999) - value)).toBeLessThanOrEqual(tolerance));
}

describe('resolveCompressOptions', () => {
  it('defaults to the seed: WebP quality 80, effort 4, on white', () => {
    const options = resolveCompressOptions();

    expect(options.formats).toEqual(['webp']);
    expect(options.profile).toBe('default');
    expect(options.webp).toEqual({ quality: 80, effort: 4 });
    expect(options.jpeg).toEqual({ quality: 80, progressive: true, mozjpeg: true });
    expect(options.background).toBe('#ffffff');
  });

  it('takes the fast profile and field-by-field overrides', () => {
    const options = resolveCompressOptions({ profile: 'fast', webp: { quality: 70 }, formats: ['webp', 'avif', 'webp'] });

    expect(options.webp).toEqual({ quality: 70, effort: 2 });
    expect(options.formats).toEqual(['webp', 'avif']);
  });

  it('refuses nonsense', () => {
    expect(() => resolveCompressOptions({ webp: { quality: 0 } })).toThrow(ZodError);
    expect(() => resolveCompressOptions({ formats: [] })).toThrow(ZodError);
    expect(() => resolveCompressOptions({ formats: ['png' as never] })).toThrow(ZodError);
    expect(() => resolveCompressOptions({ background: 'white' })).toThrow(ZodError);
    expect(() => resolveCompressOptions({ profile: 'slow' as never })).toThrow(ZodError);
  });
});

describe('compress', () => {
  it('makes a WebP at quality 80, the same bytes as sharp at the seed settings', async () => {
    const jpeg = await testImage('jpeg', { width: 320, height: 240 });

    const { facts, variants } = await compress(jpeg);

    const reference = await sharp(jpeg).webp({ quality: 80, effort: 4 }).toBuffer();
    expect(variants).toHaveLength(1);
    const [webp] = variants;
    expect(webp).toMatchObject({ format: 'webp', contentType: 'image/webp', width: 320, height: 240 });
    expect(webp?.data.equals(reference)).toBe(true);
    expect(webp?.size).toBe(webp?.data.length);
    expect(webp?.savingsPercent).toBe(Math.round((1 - reference.length / facts.size) * 1000) / 10);
    expect((await outputMetadata(webp?.data ?? Buffer.alloc(0))).format).toBe('webp');
  });

  it('keeps the dimensions of a small image: never upscales', async () => {
    const png = await testImage('png-alpha', { width: 17, height: 9 });

    const { variants } = await compress(png, { formats: ['webp', 'avif', 'jpeg'] });

    expect(variants.map((v) => [v.format, v.width, v.height])).toEqual([
      ['webp', 17, 9],
      ['avif', 17, 9],
      ['jpeg', 17, 9],
    ]);
    for (const v of variants) {
      const meta = await outputMetadata(v.data);
      expect([meta.width, meta.height]).toEqual([17, 9]);
    }
  });

  it('strips EXIF (GPS never leaks), XMP and ICC from every output', async () => {
    const jpeg = await testImage('jpeg-gps', { width: 64, height: 48 });
    expect((await outputMetadata(jpeg)).exif).toBeDefined();

    const { facts, variants } = await compress(jpeg, { formats: ['webp', 'avif', 'jpeg'] });

    expect(facts.hasExif).toBe(true);
    for (const v of variants) {
      const meta = await outputMetadata(v.data);
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(v.data.includes(Buffer.from('test camera'))).toBe(false);
    }
  });

  it('applies EXIF orientation: a portrait stays portrait, the right way up', async () => {
    // Stored 80 x 40: red top half, blue bottom half; orientation 6 = rotate 90 degrees clockwise,
    // so the displayed image is 40 x 80 with red on the right.
    const stored = await sharp({
      create: { width: 80, height: 40, channels: 3, background: '#0000ff' },
    })
      .composite([{ input: { create: { width: 80, height: 20, channels: 3, background: '#ff0000' } }, top: 0, left: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();

    const { variants } = await compress(stored, { webp: { quality: 95 } });

    const webp = variants[0]?.data ?? Buffer.alloc(0);
    const meta = await outputMetadata(webp);
    expect([meta.width, meta.height, meta.orientation]).toEqual([40, 80, undefined]);
    expectColour(await pixelAt(webp, 35, 40), [255, 0, 0], 12);
    expectColour(await pixelAt(webp, 4, 40), [0, 0, 255], 12);
  });

  it('converts CMYK to sRGB', async () => {
    const cmyk = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#ff0000' } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await outputMetadata(cmyk)).space).toBe('cmyk');

    const { variants } = await compress(cmyk, { formats: ['webp', 'jpeg'] });

    for (const v of variants) {
      const meta = await outputMetadata(v.data);
      expect([meta.space, meta.channels]).toEqual(['srgb', 3]);
      const [r = 0, g = 255, b = 255] = await pixelAt(v.data, 16, 16);
      expect(r).toBeGreaterThan(200);
      expect(g).toBeLessThan(40);
      expect(b).toBeLessThan(40);
    }
  });

  it('converts wide-gamut (Adobe RGB, Display P3) to sRGB rather than reading their numbers as sRGB', async () => {
    // sRGB red, converted into each profile and tagged with it: in Adobe RGB its numbers are
    // about (218, 0, 0), in P3 (234, 51, 35). Read correctly, it is sRGB red again.
    const red = sharp({ create: { width: 32, height: 32, channels: 3, background: '#ff0000' } });
    const adobe = await red
      .clone()
      .jpeg({ quality: 100 })
      .withIccProfile(`${__dirname}/../fixtures/compatibleWithAdobeRGB1998.icc`)
      .toBuffer();
    const p3 = await red.clone().png().withIccProfile('p3').toBuffer();
    expectColour(await pixelAt(await sharp(adobe, { ignoreIcc: true }).png().toBuffer(), 16, 16), [218, 0, 0], 6);

    for (const input of [adobe, p3]) {
      const { variants } = await compress(input, { webp: { quality: 100 } });
      expectColour(await pixelAt(variants[0]?.data ?? Buffer.alloc(0), 16, 16), [255, 0, 0], 8);
    }
  });

  it('keeps alpha in WebP and flattens it onto white in JPEG, or onto the background asked for', async () => {
    // 40 x 20: the left half fully transparent, the right half opaque blue.
    const pixels = Buffer.alloc(40 * 20 * 4);
    for (let i = 0; i < 40 * 20; i += 1) if (i % 40 >= 20) pixels.set([0, 0, 255, 255], i * 4);
    const halfTransparent = await sharp(pixels, { raw: { width: 40, height: 20, channels: 4 } }).png().toBuffer();

    const white = await compress(halfTransparent, { formats: ['webp', 'jpeg'] });
    const black = await compress(halfTransparent, { formats: ['jpeg'], background: '#000000' });

    const [webp, jpeg] = white.variants;
    expect((await outputMetadata(webp?.data ?? Buffer.alloc(0))).hasAlpha).toBe(true);
    expect((await pixelAt(webp?.data ?? Buffer.alloc(0), 5, 10))[3]).toBe(0);
    expect((await outputMetadata(jpeg?.data ?? Buffer.alloc(0))).hasAlpha).toBe(false);
    expectColour(await pixelAt(jpeg?.data ?? Buffer.alloc(0), 5, 10), [255, 255, 255]);
    expectColour(await pixelAt(jpeg?.data ?? Buffer.alloc(0), 35, 10), [0, 0, 255], 6);
    expectColour(await pixelAt(black.variants[0]?.data ?? Buffer.alloc(0), 5, 10), [0, 0, 0]);
  });

  it('keeps an animated GIF animated in WebP, with its timing', async () => {
    const gif = await testImage('gif-animated', { width: 40, height: 30 });

    const { facts, variants } = await compress(gif, { formats: ['webp', 'jpeg'] });

    const [webp, jpeg] = variants;
    const meta = await outputMetadata(webp?.data ?? Buffer.alloc(0));
    expect(facts.animated).toBe(true);
    expect(webp).toMatchObject({ width: 40, height: 30 });
    expect(meta.pages).toBe(3);
    expect(meta.pageHeight ?? meta.height).toBe(30);
    expect(meta.delay).toEqual([100, 100, 100]);
    expect(meta.loop).toBe(0);
    // JPEG cannot animate: it gets the first frame.
    const still = await outputMetadata(jpeg?.data ?? Buffer.alloc(0));
    expect([still.width, still.height, still.pages ?? 1]).toEqual([40, 30, 1]);
  });

  it('scales a panorama wider than WebP allows down to 16383 px, and nothing else', async () => {
    const panorama = await sharp({ create: { width: 20000, height: 200, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();

    const { variants } = await compress(panorama, { formats: ['webp', 'jpeg'], profile: 'fast' });

    const [webp, jpeg] = variants;
    expect([webp?.width, webp?.height]).toEqual([16383, 163]);
    const meta = await outputMetadata(webp?.data ?? Buffer.alloc(0));
    expect([meta.width, meta.height]).toEqual([16383, 163]);
    expect([jpeg?.width, jpeg?.height]).toEqual([20000, 200]);
  });

  it('reads 16-bit PNG into an 8-bit web variant', async () => {
    const deep = await testImage('png-16bit', { width: 48, height: 32 });

    const { variants } = await compress(deep);

    const meta = await outputMetadata(variants[0]?.data ?? Buffer.alloc(0));
    expect([meta.format, meta.width, meta.height, meta.depth]).toEqual(['webp', 48, 32, 'uchar']);
  });

  it('makes AVIF and progressive JPEG on request, and reports a negative saving honestly', async () => {
    const tinyWebp = await solidImage('#808080', 'webp', { width: 8, height: 8 });

    const { facts, variants } = await compress(tinyWebp, { formats: ['avif', 'jpeg'] });

    const [avif, jpeg] = variants;
    expect(avif).toMatchObject({ format: 'avif', contentType: 'image/avif' });
    expect((await outputMetadata(avif?.data ?? Buffer.alloc(0))).compression).toBe('av1');
    expect(jpeg).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg' });
    expect((await outputMetadata(jpeg?.data ?? Buffer.alloc(0))).isProgressive).toBe(true);
    expect(jpeg?.size).toBeGreaterThan(facts.size);
    expect(jpeg?.savingsPercent).toBeLessThan(0);
  });

  it('never mutates its input', async () => {
    const jpeg = await testImage('jpeg-gps', { width: 64, height: 48 });
    const copy = Buffer.from(jpeg);

    await compress(jpeg, { formats: ['webp', 'jpeg'] });

    expect(jpeg.equals(copy)).toBe(true);
  });
});
