import * as vocabulary from '@imgpipe/contracts/vocabulary';
import { compressedKey } from '@imgpipe/platform';
import { FORMAT_CONTENT_TYPES, FORMAT_EXTENSIONS, NEGOTIABLE_FORMATS, parseNegotiatedKey } from './negotiate-image-format';

describe('parseNegotiatedKey: the one definition of a negotiated URL', () => {
  it('reads the full-size key without an extension', () => {
    expect(parseNegotiatedKey('compressed/u1/img1/full')).toEqual({ userId: 'u1', imageId: 'img1' });
  });

  it.each([
    'compressed/u1/img1/full.jpg',
    'compressed/u1/img1/small',
    'compressed/u1/full',
    'compressed//img1/full',
    'compressed/u1//full',
    'compressed/u1/img1/full/',
    'compressed/u1/x/img1/full',
    '/compressed/u1/img1/full',
    'thumbnails/u1/img1/full',
    'uploads/u1/img1/full',
    '',
  ])('refuses %j', (key) => {
    expect(parseNegotiatedKey(key)).toBeUndefined();
  });

  it('names the key the compress service stores each variant under, once the extension is added', () => {
    for (const format of NEGOTIABLE_FORMATS) {
      expect(`compressed/u1/img1/full.${FORMAT_EXTENSIONS[format]}`).toBe(compressedKey('u1', 'img1', format));
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
