import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { buildSync } from 'esbuild';
import { OUTPUT_FORMATS } from '@imgpipe/contracts/vocabulary';
import { compressedKey } from '@imgpipe/platform';
import {
  FORMAT_CONTENT_TYPES,
  FORMAT_EXTENSIONS,
  NEGOTIABLE_FORMATS,
  negotiateImageFormat,
  type NegotiableFormat,
} from './negotiate-image-format';

const ALL: readonly NegotiableFormat[] = ['avif', 'webp', 'jpeg'];

// What browsers send for <img> requests.
const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const FIREFOX = 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const SAFARI = 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const OLD_BROWSER = 'image/png,image/*;q=0.8,*/*;q=0.5';

describe('negotiateImageFormat', () => {
  it.each([
    ['Chrome', CHROME, ALL, 'avif'],
    ['Firefox', FIREFOX, ALL, 'avif'],
    ['Safari', SAFARI, ALL, 'avif'],
    ['Chrome, no AVIF stored', CHROME, ['webp', 'jpeg'], 'webp'],
    ['Chrome, JPEG only', CHROME, ['jpeg'], 'jpeg'],
    ['a browser that names neither AVIF nor WebP', OLD_BROWSER, ALL, 'jpeg'],
  ] as const)('%s gets %s', (_name, accept, available, expected) => {
    expect(negotiateImageFormat(accept, available)).toBe(expected);
  });

  it('picks the highest q-value, not the first listed', () => {
    expect(negotiateImageFormat('image/webp;q=0.9,image/avif;q=0.5', ALL)).toBe('webp');
    expect(negotiateImageFormat('image/avif;q=0.5,image/jpeg;q=0.6', ALL)).toBe('jpeg');
    expect(negotiateImageFormat('image/jpeg, image/webp;q=0.99', ALL)).toBe('jpeg');
  });

  it('breaks a tie towards the smaller format: AVIF, then WebP, then JPEG', () => {
    expect(negotiateImageFormat('image/jpeg,image/webp,image/avif', ALL)).toBe('avif');
    expect(negotiateImageFormat('image/jpeg;q=0.7,image/webp;q=0.7', ALL)).toBe('webp');
  });

  it('treats q=0 as a refusal', () => {
    expect(negotiateImageFormat('image/avif;q=0,image/webp', ALL)).toBe('webp');
    expect(negotiateImageFormat('image/avif;q=0,image/webp;q=0,image/*', ALL)).toBe('jpeg');
    expect(negotiateImageFormat('image/jpeg;q=0,image/webp;q=0.1', ['webp', 'jpeg'])).toBe('webp');
  });

  it('lets wildcards qualify the universal formats only: */* and image/* never prove AVIF or WebP support', () => {
    expect(negotiateImageFormat('*/*', ALL)).toBe('jpeg');
    expect(negotiateImageFormat('image/*', ALL)).toBe('jpeg');
    // image/* outranks a lower explicit WebP, and the most specific range wins over a wildcard.
    expect(negotiateImageFormat('image/*;q=0.5,image/webp;q=0.4', ALL)).toBe('jpeg');
    expect(negotiateImageFormat('image/*;q=0.5,image/jpeg;q=0.1,image/webp;q=0.4', ALL)).toBe('webp');
    // JPEG refused, WebP not named: WebP is the one left that was not refused.
    expect(negotiateImageFormat('*/*;q=0.2,image/jpeg;q=0', ['jpeg', 'webp'])).toBe('webp');
    // image/*;q=0 refuses every image: the fallback still answers with the most decodable one.
    expect(negotiateImageFormat('image/*;q=0', ['webp', 'jpeg'])).toBe('jpeg');
  });

  it('falls back to the original PNG or GIF where no JPEG exists: an animated GIF is its own universal fallback', () => {
    // An animated GIF whose WebP saved enough: browsers get the animated WebP, everyone else the GIF.
    expect(negotiateImageFormat(CHROME, ['webp', 'gif'])).toBe('webp');
    expect(negotiateImageFormat(OLD_BROWSER, ['webp', 'gif'])).toBe('gif');
    expect(negotiateImageFormat('*/*', ['webp', 'gif'])).toBe('gif');
    expect(negotiateImageFormat(undefined, ['webp', 'gif'])).toBe('gif');
    expect(negotiateImageFormat('image/gif', ['webp', 'gif'])).toBe('gif');
    // Only the GIF exists (every WebP was larger): every client gets it, whatever it asked for.
    expect(negotiateImageFormat(CHROME, ['gif'])).toBe('gif');
    expect(negotiateImageFormat('image/avif', ['gif'])).toBe('gif');
    // A PNG original beside its WebP: the PNG is the fallback, and an explicit image/png wins over a wildcard WebP.
    expect(negotiateImageFormat(OLD_BROWSER, ['webp', 'png'])).toBe('png');
    expect(negotiateImageFormat('image/webp;q=0.5,image/png', ['webp', 'png'])).toBe('png');
    // A JPEG beside a static GIF or PNG exists only when it beat the original: on a tie it wins.
    expect(negotiateImageFormat('*/*', ['jpeg', 'gif'])).toBe('jpeg');
    expect(negotiateImageFormat('image/*;q=0,image/webp;q=0', ['webp', 'gif'])).toBe('gif');
  });

  it('answers a missing or empty header with JPEG', () => {
    expect(negotiateImageFormat(undefined, ALL)).toBe('jpeg');
    expect(negotiateImageFormat('', ALL)).toBe('jpeg');
    expect(negotiateImageFormat('   ', ALL)).toBe('jpeg');
  });

  it('only ever returns a format that is available, falling back to the most decodable one', () => {
    expect(negotiateImageFormat('image/avif', ['webp', 'jpeg'])).toBe('jpeg');
    expect(negotiateImageFormat('*/*', ['webp'])).toBe('webp');
    expect(negotiateImageFormat(undefined, ['avif'])).toBe('avif');
    expect(negotiateImageFormat('text/html', ['avif', 'webp'])).toBe('webp');
    expect(negotiateImageFormat(CHROME, [])).toBeUndefined();
  });

  it('reads types and parameters case-insensitively, around whitespace and other parameters', () => {
    expect(negotiateImageFormat(' IMAGE/WEBP ; Q=0.7 , image/jpeg;level=1;q=0.6', ALL)).toBe('webp');
    expect(negotiateImageFormat('image/jpg', ['webp', 'jpeg'])).toBe('jpeg');
  });

  it('ignores ranges it cannot read instead of guessing', () => {
    // q=2 and q=abc are not valid q-values; "webp" is not a media type.
    expect(negotiateImageFormat('image/avif;q=2,image/webp;q=abc,webp,image/jpeg;q=0.5', ALL)).toBe('jpeg');
    expect(negotiateImageFormat(',,;q=1,/avif', ALL)).toBe('jpeg');
    expect(negotiateImageFormat('image/avif;q=1.000,image/webp;q=1.001', ALL)).toBe('avif');
  });
});

describe('format facts', () => {
  it('name the content type and the extension the compress service stores each format under', () => {
    expect([...NEGOTIABLE_FORMATS].sort()).toEqual([...OUTPUT_FORMATS].sort());
    for (const format of NEGOTIABLE_FORMATS) {
      expect(FORMAT_CONTENT_TYPES[format]).toBe(`image/${format}`);
      expect(compressedKey('u1', 'img1', 'v1', format)).toBe(`compressed/u1/img1/v1/full.${FORMAT_EXTENSIONS[format]}`);
    }
  });
});

describe('as a CloudFront Function would run it', () => {
  it('bundles without Node APIs and runs in a bare JavaScript context', () => {
    const bundle = buildSync({
      entryPoints: [join(__dirname, 'index.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'delivery',
      platform: 'neutral',
      target: 'es2020',
    });
    const code = bundle.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);

    // A context with nothing in it but the language's own globals: no require, process or Buffer.
    const sandbox: Record<string, unknown> = {};
    const negotiate = runInNewContext(`${code}; delivery.negotiateImageFormat`, sandbox) as typeof negotiateImageFormat;
    expect(negotiate(CHROME, ALL)).toBe('avif');
    expect(negotiate(undefined, ALL)).toBe('jpeg');
    expect(negotiate('image/webp;q=0.9,image/avif;q=0.5', ['avif', 'webp'])).toBe('webp');
    expect(negotiate('image/png,image/*;q=0.8,*/*;q=0.5', ['webp', 'gif'])).toBe('gif');
  });
});
