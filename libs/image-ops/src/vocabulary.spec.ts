import * as contracts from '@imgpipe/contracts';
import * as vocabulary from '@imgpipe/contracts/vocabulary';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import {
  contentTypeOf,
  DEFAULT_INPUT_POLICY,
  extensionOf,
  ImageOpsError,
  INPUT_FORMATS,
  INVALID_IMAGE_CODES,
  InvalidImageError,
  OUTPUT_FORMATS,
} from './checks';

// image-ops classifies the failures the contracts record: one list of words, not two that agree.
describe('image-ops speaks the contracts vocabulary', () => {
  it('takes its invalid-image codes from the contracts (the very list ImageProcessingFailed allows)', () => {
    expect(INVALID_IMAGE_CODES).toBe(vocabulary.INVALID_IMAGE_CODES);
    expect(contracts.INVALID_IMAGE_CODES).toBe(vocabulary.INVALID_IMAGE_CODES);
    for (const code of INVALID_IMAGE_CODES) {
      expect(contracts.FailureCodeSchema.safeParse(code).success).toBe(true);
    }
  });

  it('reads and writes the formats the contracts name, stored under the contracts extensions', () => {
    expect(INPUT_FORMATS).toBe(vocabulary.INPUT_FORMATS);
    expect(OUTPUT_FORMATS).toBe(vocabulary.OUTPUT_FORMATS);
    for (const format of OUTPUT_FORMATS) expect(extensionOf(format)).toBe(vocabulary.OUTPUT_EXTENSIONS[format]);
    for (const format of OUTPUT_FORMATS) expect(contentTypeOf(format)).toBe(vocabulary.OUTPUT_CONTENT_TYPES[format]);
    // Every input format's type is one an upload may declare for it (its first, registered name).
    for (const format of INPUT_FORMATS) expect(contentTypeOf(format)).toBe(vocabulary.UPLOAD_CONTENT_TYPES[format][0]);
  });

  it('has the default upload limit and formats the UI shows', () => {
    expect(DEFAULT_INPUT_POLICY.maxBytes).toBe(vocabulary.DEFAULT_MAX_UPLOAD_BYTES);
    expect(DEFAULT_INPUT_POLICY.formats).toEqual(vocabulary.DEFAULT_INPUT_FORMATS);
  });

  it('builds its errors on the one error base', () => {
    const invalid = new InvalidImageError('CORRUPT', 'Truncated.');
    const transient = new ImageOpsError({ code: 'ENCODE_FAILED', message: 'Encoding failed.' });

    expect(invalid).toBeInstanceOf(ImgpipeError);
    expect(invalid).toMatchObject({ name: 'InvalidImageError', code: 'CORRUPT', retryable: false });
    expect(transient).toBeInstanceOf(ImgpipeError);
    expect(transient).toMatchObject({ name: 'ImageOpsError', code: 'ENCODE_FAILED', retryable: true });
  });
});
