import * as vocabulary from '@imgpipe/contracts/vocabulary';
import { compressedKey } from '@imgpipe/platform';
import {
  FORMAT_CONTENT_TYPES,
  FORMAT_EXTENSIONS,
  NEGOTIABLE_FORMATS,
  negotiatedKey,
  negotiatedVariantKey,
  parseNegotiatedKey,
} from './negotiate-image-format';

describe('parseNegotiatedKey: the one definition of a negotiated URL', () => {
  it('reads a versioned full-size key naming the formats that exist', () => {
    expect(parseNegotiatedKey('compressed/u1/img1/v1/full~webp~jpeg')).toEqual({
      userId: 'u1',
      imageId: 'img1',
      version: 'v1',
      formats: ['webp', 'jpeg'],
    });
  });

  it('is the inverse of negotiatedKey, which writes the formats in one order', () => {
    const key = negotiatedKey('u1', 'img1', 'v1', ['jpeg', 'avif', 'webp']);
    expect(key).toBe('compressed/u1/img1/v1/full~avif~webp~jpeg');
    expect(parseNegotiatedKey(key)?.formats).toEqual(['avif', 'webp', 'jpeg']);
  });

  it('names an original PNG or GIF kept as it is, after the formats encoded from it', () => {
    expect(negotiatedKey('u1', 'img1', 'v1', ['gif', 'webp'])).toBe('compressed/u1/img1/v1/full~webp~gif');
    expect(parseNegotiatedKey('compressed/u1/img1/v1/full~gif')?.formats).toEqual(['gif']);
    expect(parseNegotiatedKey('compressed/u1/img1/v1/full~webp~png')?.formats).toEqual(['webp', 'png']);
  });

  it.each([
    'compressed/u1/img1/full',
    'compressed/u1/img1/v1/full',
    'compressed/u1/img1/v1/full.jpg',
    'compressed/u1/img1/v1/full~bmp',
    'compressed/u1/img1/v1/full~gif~webp',
    'compressed/u1/img1/v1/full~jpeg~webp',
    'compressed/u1/img1/v1/full~webp~webp',
    'compressed/u1/img1/v1/full~',
    'compressed/u1/img1/v1/small~webp',
    'compressed/u1/img1/v.1/full~webp',
    'compressed/u1/img1//full~webp',
    'compressed//img1/v1/full~webp',
    'compressed/u1/img1/v1/full~webp/',
    '/compressed/u1/img1/v1/full~webp',
    'thumbnails/u1/img1/v1/full~webp',
    '',
  ])('refuses %j', (key) => {
    expect(parseNegotiatedKey(key)).toBeUndefined();
  });

  it('answers with the key the compress service stores each variant under', () => {
    const negotiated = parseNegotiatedKey(negotiatedKey('u1', 'img1', 'v1', NEGOTIABLE_FORMATS));
    for (const format of NEGOTIABLE_FORMATS) {
      expect(negotiatedVariantKey(negotiated!, format)).toBe(compressedKey('u1', 'img1', 'v1', format));
    }
  });
});

describe('delivery speaks the contracts vocabulary', () => {
  it('takes extensions and content types from the contracts, not copies', () => {
    for (const format of NEGOTIABLE_FORMATS) {
      expect(FORMAT_EXTENSIONS[format]).toBe(vocabulary.OUTPUT_EXTENSIONS[format]);
      expect(FORMAT_CONTENT_TYPES[format]).toBe(vocabulary.OUTPUT_CONTENT_TYPES[format]);
    }
    expect(FORMAT_EXTENSIONS).toBe(vocabulary.OUTPUT_EXTENSIONS);
    expect(FORMAT_CONTENT_TYPES).toBe(vocabulary.OUTPUT_CONTENT_TYPES);
  });
});
