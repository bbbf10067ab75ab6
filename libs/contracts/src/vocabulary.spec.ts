import { ContractError } from './errors';
import { FAILURE_CODES } from './events/image-processing-failed.contract';
import { InputFormat, OUTPUT_CONTENT_TYPES as FROM_BARREL, OutputFormat, OutputObject } from './index';
import { ImgpipeError } from './imgpipe-error';
import { redactObjectKey } from './redaction';
import {
  CONTENT_TYPES_BY_FILE_EXTENSION,
  contentTypeOfExtension,
  DEFAULT_INPUT_FORMATS,
  DEFAULT_UPLOAD_CONTENT_TYPES,
  INPUT_FORMATS,
  INVALID_IMAGE_CODES,
  ORIGINALS_PREFIX,
  OUTPUT_CONTENT_TYPES,
  OUTPUT_EXTENSIONS,
  OUTPUT_FORMATS,
  UPLOAD_CONTENT_TYPES,
} from './vocabulary';

describe('the vocabulary is the one list the schemas are built from', () => {
  it('gives the format schemas their options', () => {
    expect(InputFormat.options).toEqual([...INPUT_FORMATS]);
    expect(OutputFormat.options).toEqual([...OUTPUT_FORMATS]);
    expect(FROM_BARREL).toBe(OUTPUT_CONTENT_TYPES);
  });

  it('starts the failure codes with the invalid-image codes', () => {
    expect(FAILURE_CODES.slice(0, INVALID_IMAGE_CODES.length)).toEqual([...INVALID_IMAGE_CODES]);
  });

  it('names a content type and an extension for every output format', () => {
    expect(Object.keys(OUTPUT_CONTENT_TYPES).sort()).toEqual([...OUTPUT_FORMATS].sort());
    expect(Object.keys(OUTPUT_EXTENSIONS).sort()).toEqual([...OUTPUT_FORMATS].sort());
    expect(Object.keys(UPLOAD_CONTENT_TYPES).sort()).toEqual([...INPUT_FORMATS].sort());
  });

  it('writes an original GIF handed back as it is: gif is an output format, typed image/gif', () => {
    const gif = { bucket: 'processed', key: 'compressed/u/i/v1/full.gif', format: 'gif', contentType: 'image/gif', size: 429, width: 16, height: 16 };
    expect(OUTPUT_FORMATS).toContain('gif');
    expect([OUTPUT_CONTENT_TYPES.gif, OUTPUT_EXTENSIONS.gif]).toEqual(['image/gif', 'gif']);
    expect(OutputObject.safeParse(gif).success).toBe(true);
    expect(OutputObject.safeParse({ ...gif, contentType: 'image/png' }).success).toBe(false);
  });

  it('offers every format but SVG for upload by default', () => {
    expect(DEFAULT_INPUT_FORMATS).toEqual(INPUT_FORMATS.filter((f) => f !== 'svg'));
    expect(DEFAULT_UPLOAD_CONTENT_TYPES).toEqual([
      'image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff', 'image/heic', 'image/heif',
    ]);
  });

  it('keeps outputs out of the originals prefix and redacts only under it', () => {
    const output = { bucket: 'processed', format: 'jpeg', contentType: 'image/jpeg', size: 1, width: 1, height: 1 };
    expect(OutputObject.safeParse({ ...output, key: `${ORIGINALS_PREFIX}u/i/full.jpg` }).success).toBe(false);
    expect(OutputObject.safeParse({ ...output, key: 'compressed/u/i/full.jpg' }).success).toBe(true);
    expect(redactObjectKey(`${ORIGINALS_PREFIX}u/i/holiday.jpg`)).not.toContain('holiday');
  });
});

describe('contentTypeOfExtension, the one extension table of the web UI and the CLI', () => {
  it('names a declared type for every upload content type, in any case', () => {
    const named = new Set(Object.values(CONTENT_TYPES_BY_FILE_EXTENSION));
    for (const types of Object.values(UPLOAD_CONTENT_TYPES)) for (const type of types) expect(named.has(type)).toBe(true);
    expect(contentTypeOfExtension('HEIC')).toBe('image/heic');
    expect(contentTypeOfExtension('jpg')).toBe('image/jpeg');
  });

  it('names nothing else, not even an inherited property', () => {
    for (const extension of ['', 'txt', 'constructor', '__proto__', 'toString', '.jpg']) {
      expect(contentTypeOfExtension(extension)).toBeUndefined();
    }
  });
});

describe('ImgpipeError, the one error base', () => {
  it('sets name, code, retryable (default false) and cause from one options object', () => {
    class QuotaError extends ImgpipeError<'QUOTA'> {}
    const cause = new Error('underlying');

    const error = new QuotaError({ code: 'QUOTA', message: 'over quota', cause });

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'QuotaError', code: 'QUOTA', message: 'over quota', retryable: false, cause });
    expect(new ImgpipeError({ code: 'X', message: 'x', retryable: true }).retryable).toBe(true);
  });

  it('is what a ContractError is', () => {
    const error = new ContractError('ImageUploaded v1', [{ path: ['data'], code: 'invalid_type', message: 'expected object' }]);

    expect(error).toBeInstanceOf(ImgpipeError);
    expect(error).toMatchObject({ name: 'ContractError', code: 'INVALID_EVENT', retryable: false });
  });
});
