import { compress } from './compress';
import { type InvalidImageCode, isInvalidImageError } from './errors';
import { processImage } from './process';
import { probe } from './probe';
import { resolveInputPolicy, type InputPolicy } from './policy';
import { renditions } from './renditions';
import { pngHeader, testImage } from './testing';

async function codeOf(work: Promise<unknown>): Promise<InvalidImageCode | string> {
  try {
    await work;
    return 'accepted';
  } catch (e) {
    if (!isInvalidImageError(e)) return `unclassified: ${String(e)}`;
    expect(e.retryable).toBe(false);
    expect(e.message.length).toBeGreaterThan(10);
    return e.code;
  }
}

describe('every InvalidImageError code, from the operations themselves', () => {
  it('EMPTY: a zero-byte file', async () => {
    const empty = await testImage('empty');

    expect(await codeOf(probe(empty))).toBe('EMPTY');
    expect(await codeOf(compress(empty))).toBe('EMPTY');
  });

  it('UNSUPPORTED_FORMAT: random bytes, and SVG by default', async () => {
    expect(await codeOf(probe(await testImage('random')))).toBe('UNSUPPORTED_FORMAT');
    expect(await codeOf(compress(await testImage('svg')))).toBe('UNSUPPORTED_FORMAT');
    expect(await codeOf(renditions(await testImage('svg')))).toBe('UNSUPPORTED_FORMAT');
  });

  it('UNSUPPORTED_FORMAT: a format the policy leaves out', async () => {
    const policy: InputPolicy = resolveInputPolicy({ formats: ['jpeg'] });

    expect(await codeOf(probe(await testImage('png-alpha'), policy))).toBe('UNSUPPORTED_FORMAT');
  });

  it('CORRUPT: a truncated JPEG, and a PNG signature followed by junk', async () => {
    const truncated = await testImage('truncated-jpeg', { width: 800, height: 600 });
    const junk = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

    // Its headers are intact, so probe accepts it; the pixels are not, so the decode fails.
    expect(await codeOf(probe(truncated))).toBe('accepted');
    expect(await codeOf(compress(truncated))).toBe('CORRUPT');
    expect(await codeOf(renditions(truncated))).toBe('CORRUPT');
    expect(await codeOf(probe(junk))).toBe('CORRUPT');
  });

  it('TOO_MANY_PIXELS: a 100000 x 100000 PNG header, refused before any decoder reads it', async () => {
    const bomb = pngHeader(100_000, 100_000);
    // The same header followed by junk: a decoder would call it CORRUPT, so TOO_MANY_PIXELS
    // proves the limit was checked first, from the header bytes alone.
    const bombWithJunk = Buffer.concat([bomb.subarray(0, 33), Buffer.alloc(100, 0xaa)]);

    expect(await codeOf(probe(bomb))).toBe('TOO_MANY_PIXELS');
    expect(await codeOf(processImage(bomb))).toBe('TOO_MANY_PIXELS');
    expect(await codeOf(probe(bombWithJunk))).toBe('TOO_MANY_PIXELS');
  });

  it('TOO_MANY_PIXELS: an animation whose frames together exceed the limit', async () => {
    const gif = await testImage('gif-animated', { width: 100, height: 100 }); // 3 frames = 30000 px

    expect(await codeOf(probe(gif, resolveInputPolicy({ maxPixels: 25_000 })))).toBe('TOO_MANY_PIXELS');
    expect(await codeOf(probe(gif, resolveInputPolicy({ maxPixels: 30_000 })))).toBe('accepted');
  });

  it('TOO_LARGE: more bytes than the policy allows', async () => {
    const jpeg = await testImage('jpeg', { width: 64, height: 64 });

    expect(await codeOf(compress(jpeg, {}, resolveInputPolicy({ maxBytes: jpeg.length - 1 })))).toBe('TOO_LARGE');
    expect(await codeOf(compress(jpeg, {}, resolveInputPolicy({ maxBytes: jpeg.length })))).toBe('accepted');
  });

  it('TOO_MANY_FRAMES: more frames than the policy allows', async () => {
    const gif = await testImage('gif-animated', { width: 16, height: 16 });

    expect(await codeOf(compress(gif, {}, resolveInputPolicy({ maxFrames: 2 })))).toBe('TOO_MANY_FRAMES');
    expect(await codeOf(compress(gif, {}, resolveInputPolicy({ maxFrames: 3 })))).toBe('accepted');
  });
});
