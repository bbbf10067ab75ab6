import { ZodError } from 'zod';
import {
  decodeFailure,
  encodeFailure,
  ImageOpsError,
  INVALID_IMAGE_CODES,
  InvalidImageError,
  isImageOpsError,
  isInvalidImageError,
} from './errors';

describe('ImageOpsError', () => {
  it('carries a code, retryable, a name and its cause', () => {
    const cause = new Error('vips said no');

    const error = new ImageOpsError({ code: 'ENCODE_FAILED', message: 'Encoding failed.', cause });

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ImageOpsError');
    expect(error.code).toBe('ENCODE_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
  });
});

describe('InvalidImageError', () => {
  it.each(INVALID_IMAGE_CODES)('is never retryable (%s)', (code) => {
    const error = new InvalidImageError(code, 'A reason a person can read.');

    expect(error).toBeInstanceOf(ImageOpsError);
    expect(error.name).toBe('InvalidImageError');
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('A reason a person can read.');
    expect(isInvalidImageError(error)).toBe(true);
  });

  it('is recognised after crossing a boundary, but not from look-alikes', () => {
    const serialised = { name: 'InvalidImageError', code: 'CORRUPT', message: 'x' };

    expect(isInvalidImageError(serialised)).toBe(true);
    expect(isInvalidImageError({ name: 'InvalidImageError', code: 'NOPE' })).toBe(false);
    expect(isInvalidImageError(new ImageOpsError({ code: 'CORRUPT', message: 'x' }))).toBe(false);
    expect(isInvalidImageError(new Error('CORRUPT'))).toBe(false);
    expect(isInvalidImageError(undefined)).toBe(false);
    expect(isInvalidImageError(new ZodError([]))).toBe(false);
  });
});

describe('classification by stage', () => {
  it('makes a decode failure CORRUPT input and an encode failure transient', () => {
    const sharpError = new Error('VipsJpeg: premature end of JPEG image');

    const decoding = decodeFailure(sharpError, 'jpeg');
    const encoding = encodeFailure(sharpError, 'webp variant');

    expect(isInvalidImageError(decoding)).toBe(true);
    expect(decoding.code).toBe('CORRUPT');
    expect(decoding.cause).toBe(sharpError);
    expect(isInvalidImageError(encoding)).toBe(false);
    expect(isImageOpsError(encoding)).toBe(true);
    expect(encoding.code).toBe('ENCODE_FAILED');
    expect(encoding.retryable).toBe(true);
  });

  it('keeps an error that is already classified', () => {
    const tooBig = new InvalidImageError('TOO_MANY_PIXELS', 'big');

    expect(decodeFailure(tooBig, 'heif')).toBe(tooBig);
    expect(encodeFailure(tooBig, 'webp')).toBe(tooBig);
  });
});
