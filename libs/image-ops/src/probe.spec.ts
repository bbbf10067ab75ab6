import { probe } from './probe';
import { resolveInputPolicy } from './policy';
import { testImage } from './testing';

describe('probe', () => {
  it('reports a plain JPEG', async () => {
    const jpeg = await testImage('jpeg', { width: 64, height: 48 });

    await expect(probe(jpeg)).resolves.toEqual({
      format: 'jpeg',
      width: 64,
      height: 48,
      pages: 1,
      animated: false,
      orientation: 1,
      space: 'srgb',
      channels: 3,
      hasAlpha: false,
      hasIcc: false,
      hasExif: false,
      size: jpeg.length,
    });
  });

  it('reports displayed dimensions: a sideways-stored portrait is portrait', async () => {
    const rotated = await testImage('jpeg-rotated', { width: 64, height: 48 });

    const facts = await probe(rotated);

    expect(facts).toMatchObject({ width: 48, height: 64, orientation: 6, hasExif: true });
  });

  it('reports alpha, ICC profiles, EXIF, CMYK and 16-bit', async () => {
    const alpha = await probe(await testImage('png-alpha', { width: 32, height: 32 }));
    const p3 = await probe(await testImage('jpeg-p3', { width: 32, height: 32 }));
    const gps = await probe(await testImage('jpeg-gps', { width: 32, height: 32 }));
    const cmyk = await probe(await testImage('jpeg-cmyk', { width: 32, height: 32 }));
    const deep = await probe(await testImage('png-16bit', { width: 32, height: 32 }));

    expect(alpha).toMatchObject({ format: 'png', hasAlpha: true, channels: 4 });
    expect(p3).toMatchObject({ hasIcc: true, hasExif: false });
    expect(gps).toMatchObject({ hasExif: true, hasIcc: false });
    expect(cmyk).toMatchObject({ space: 'cmyk', channels: 4 });
    expect(deep).toMatchObject({ space: 'rgb16', channels: 3 });
  });

  it('reports the frames of an animation and the size of one frame', async () => {
    const gif = await probe(await testImage('gif-animated', { width: 40, height: 30 }));
    const webp = await probe(await testImage('webp-animated', { width: 40, height: 30 }));
    const still = await probe(await testImage('gif', { width: 40, height: 30 }));

    expect(gif).toMatchObject({ format: 'gif', width: 40, height: 30, pages: 3, animated: true });
    expect(webp).toMatchObject({ format: 'webp', width: 40, height: 30, pages: 3, animated: true });
    expect(still).toMatchObject({ format: 'gif', pages: 1, animated: false });
  });

  it('reads a HEIC photo without decoding it', async () => {
    const heic = await testImage('heic');

    await expect(probe(heic)).resolves.toMatchObject({ format: 'heif', width: 480, height: 320, pages: 1, orientation: 1 });
  });

  it('accepts SVG only when the policy says so', async () => {
    const svg = await testImage('svg', { width: 20, height: 10 });

    await expect(probe(svg)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    await expect(probe(svg, resolveInputPolicy({ formats: ['svg'] }))).resolves.toMatchObject({
      format: 'svg',
      width: 20,
      height: 10,
    });
  });
});
