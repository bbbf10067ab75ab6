import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import * as vocabulary from '@imgpipe/contracts/vocabulary';
import { ConcurrencyConflictError, ObjectNotFoundError, PlatformError } from './errors';
import { COMPRESSED_PREFIX, compressedKey, ORIGINALS_PREFIX, parseDerivativeKey, THUMBNAILS_PREFIX, thumbnailKey } from './object-keys';
import { TaskError } from './task-error';

// The key layout is written in the contracts' words: one prefix, one extension per format.
describe('the object key layout speaks the contracts vocabulary', () => {
  it('uses the contracts prefixes, not copies', () => {
    expect(ORIGINALS_PREFIX).toBe(vocabulary.ORIGINALS_PREFIX);
    expect(COMPRESSED_PREFIX).toBe(vocabulary.COMPRESSED_PREFIX);
    expect(THUMBNAILS_PREFIX).toBe(vocabulary.THUMBNAILS_PREFIX);
  });

  it.each(vocabulary.OUTPUT_FORMATS)('stores and reads %s under the contracts extension', (format) => {
    const extension = vocabulary.OUTPUT_EXTENSIONS[format];

    expect(compressedKey('u1', 'img1', 'v1', format)).toBe(`${vocabulary.COMPRESSED_PREFIX}u1/img1/v1/full.${extension}`);
    expect(thumbnailKey('u1', 'img1', 'v1', 'small', format)).toBe(`${vocabulary.THUMBNAILS_PREFIX}u1/img1/v1/small.${extension}`);
    expect(parseDerivativeKey(`thumbnails/u1/img1/v1/small.${extension}`)?.format).toBe(format);
  });
});

describe('platform errors stand on the one error base', () => {
  it('keeps name, code, retryable and cause', () => {
    const cause = new Error('NoSuchKey');
    const missing = new ObjectNotFoundError('b', 'k', { cause });
    const conflict = new ConcurrencyConflictError('someone wrote first', 'img1');
    const generic = new PlatformError({ code: 'Custom', message: 'custom' });

    expect(missing).toBeInstanceOf(ImgpipeError);
    expect(missing).toMatchObject({ name: 'ObjectNotFoundError', code: 'ObjectNotFound', retryable: false, cause });
    expect(conflict).toMatchObject({ name: 'ConcurrencyConflictError', code: 'ConcurrencyConflict', retryable: true });
    expect(generic).toMatchObject({ name: 'PlatformError', code: 'Custom', retryable: false });
  });

  it('keeps the Step Functions error name on a task error', () => {
    const error = new TaskError('InvalidImage', 'CORRUPT', 'Truncated.', { stage: 'thumbnail' });

    expect(error).toBeInstanceOf(ImgpipeError);
    expect(error.name).toBe('InvalidImage');
    expect(error).toMatchObject({ code: 'CORRUPT', retryable: false });
    expect(JSON.parse(error.message)).toEqual({ code: 'CORRUPT', reason: 'Truncated.', stage: 'thumbnail' });
  });
});
