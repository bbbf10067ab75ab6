import { ZodError } from 'zod';
import { InvalidImageError } from './errors';
import { readHeaderDimensions } from './header';
import { checkUploadHead, DEFAULT_INPUT_POLICY, resolveInputPolicy } from './policy';
import { pngHeader, testImage, type TestImageKind } from './testing';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof InvalidImageError ? e.code : `not classified: ${String(e)}`;
  }
}

describe('DEFAULT_INPUT_POLICY', () => {
  it('accepts every raster format, refuses SVG, and bounds bytes, pixels and frames', () => {
    expect(DEFAULT_INPUT_POLICY.formats).toEqual(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'heif']);
    expect(DEFAULT_INPUT_POLICY.maxBytes).toBe(25 * 1024 * 1024);
    expect(DEFAULT_INPUT_POLICY.maxPixels).toBe(100_000_000);
    expect(DEFAULT_INPUT_POLICY.maxFrames).toBe(500);
    expect(DEFAULT_INPUT_POLICY.maxDimension).toBeUndefined();
  });
});

describe('resolveInputPolicy', () => {
  it('lays overrides over the defaults', () => {
    const policy = resolveInputPolicy({ maxBytes: 1024, formats: ['jpeg', 'svg', 'jpeg'], maxFrames: undefined });

    expect(policy).toEqual({ ...DEFAULT_INPUT_POLICY, maxBytes: 1024, formats: ['jpeg', 'svg'] });
  });

  it('refuses nonsense with a ZodError', () => {
    expect(() => resolveInputPolicy({ maxBytes: -1 })).toThrow(ZodError);
    expect(() => resolveInputPolicy({ formats: [] })).toThrow(ZodError);
    expect(() => resolveInputPolicy({ formats: ['bmp' as never] })).toThrow(ZodError);
    expect(() => resolveInputPolicy({ maxPixels: 1.5 })).toThrow(ZodError);
  });
});

describe('readHeaderDimensions', () => {
  it.each<[TestImageKind, 'jpeg' | 'png' | 'gif' | 'webp' | 'avif']>([
    ['jpeg', 'jpeg'],
    ['jpeg-gps', 'jpeg'], // EXIF segment before the frame header
    ['jpeg-cmyk', 'jpeg'],
    ['png-alpha', 'png'],
    ['gif', 'gif'],
    ['webp', 'webp'],
    ['webp-animated', 'webp'],
    ['avif', 'avif'],
  ])('reads %s dimensions from the header', async (kind, format) => {
    const bytes = await testImage(kind, { width: 123, height: 45 });

    expect(readHeaderDimensions(bytes.subarray(0, 4096), format)).toEqual({ width: 123, height: 45 });
  });

  it('reads lossless WebP (VP8L) and HEIC (ispe) headers', async () => {
    const sharp = (await import('sharp')).default;
    const lossless = await sharp({ create: { width: 77, height: 33, channels: 3, background: '#123456' } })
      .webp({ lossless: true })
      .toBuffer();

    expect(readHeaderDimensions(lossless, 'webp')).toEqual({ width: 77, height: 33 });
    expect(readHeaderDimensions(await testImage('heic'), 'heif')).toEqual({ width: 480, height: 320 });
  });

  it('gives up rather than guesses', async () => {
    const jpeg = await testImage('jpeg');

    expect(readHeaderDimensions(jpeg.subarray(0, 20), 'jpeg')).toBeUndefined();
    expect(readHeaderDimensions(new Uint8Array(10), 'png')).toBeUndefined();
    expect(readHeaderDimensions(await testImage('tiff'), 'tiff')).toBeUndefined();
  });
});

describe('checkUploadHead', () => {
  it('returns the real type and the header size from the first bytes only', async () => {
    const jpeg = await testImage('jpeg', { width: 640, height: 480 });

    expect(checkUploadHead(jpeg.subarray(0, 64 * 1024), jpeg.length)).toEqual({ format: 'jpeg', width: 640, height: 480 });
  });

  it('returns the type alone where the header gives no size', async () => {
    const tiff = await testImage('tiff');

    expect(checkUploadHead(tiff.subarray(0, 1024), tiff.length)).toEqual({ format: 'tiff' });
  });

  it('refuses a 100000 x 100000 PNG from its first 33 bytes', () => {
    const head = pngHeader(100_000, 100_000).subarray(0, 33);

    expect(codeOf(() => checkUploadHead(head, 5_000))).toBe('TOO_MANY_PIXELS');
  });

  it('classifies every refusal', async () => {
    const jpeg = await testImage('jpeg', { width: 200, height: 100 });
    const head = jpeg.subarray(0, 64 * 1024);
    const random = await testImage('random');

    expect(codeOf(() => checkUploadHead(new Uint8Array(0), 0))).toBe('EMPTY');
    expect(codeOf(() => checkUploadHead(head, 26 * 1024 * 1024))).toBe('TOO_LARGE');
    expect(codeOf(() => checkUploadHead(head, jpeg.length, resolveInputPolicy({ maxPixels: 19_999 })))).toBe(
      'TOO_MANY_PIXELS',
    );
    expect(codeOf(() => checkUploadHead(head, jpeg.length, resolveInputPolicy({ maxDimension: 199 })))).toBe(
      'TOO_MANY_PIXELS',
    );
    expect(codeOf(() => checkUploadHead(head, jpeg.length, resolveInputPolicy({ formats: ['png'] })))).toBe(
      'UNSUPPORTED_FORMAT',
    );
    expect(codeOf(() => checkUploadHead(random, random.length))).toBe('UNSUPPORTED_FORMAT');
    expect(codeOf(() => checkUploadHead(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 40))).toBe(
      'UNSUPPORTED_FORMAT',
    );
    expect(codeOf(() => checkUploadHead(head, jpeg.length))).toBeUndefined();
  });

  it('says why in words', () => {
    expect(() => checkUploadHead(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 40)).toThrow(
      /SVG images are not accepted; accepted formats: JPEG, PNG, WebP, GIF, AVIF, TIFF, HEIC\/HEIF/,
    );
    expect(() => checkUploadHead(pngHeader(100_000, 100_000), 100)).toThrow(
      'The image is 100000 x 100000 pixels (10000.0 MP); the limit is 100.0 MP.',
    );
  });
});

describe('input limits from the environment', () => {
  const { z } = jest.requireActual<typeof import('zod')>('zod');
  const { inputPolicyEnvShape, inputPolicyFromEnv, DEFAULT_INPUT_POLICY } = jest.requireActual<typeof import('./policy')>('./policy');
  const schema = z.object(inputPolicyEnvShape);

  it('keeps the defaults for unset variables and applies the set ones', () => {
    expect(inputPolicyFromEnv(schema.parse({}))).toEqual(DEFAULT_INPUT_POLICY);
    expect(inputPolicyFromEnv(schema.parse({ MAX_UPLOAD_BYTES: '1000', MAX_FRAMES: '3' }))).toMatchObject({
      maxBytes: 1000,
      maxFrames: 3,
      maxPixels: DEFAULT_INPUT_POLICY.maxPixels,
    });
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(schema.safeParse({ MAX_PIXELS: '-5' }).success).toBe(false);
    expect(schema.safeParse({ MAX_PIXELS: 'lots' }).success).toBe(false);
  });
});
