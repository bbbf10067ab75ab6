import {
  assertOutputLocation,
  compressedKey,
  derivativeVersion,
  parseLegacyDerivativeKey,
  derivativePrefixes,
  originalKey,
  parseDerivativeKey,
  thumbnailKey,
} from './object-keys';

describe('object key layout', () => {
  it('puts originals under uploads/ and derivatives under compressed/ and thumbnails/', () => {
    expect(originalKey('u1', 'img1', 'cat.jpg')).toBe('uploads/u1/img1/cat.jpg');
    expect(compressedKey('u1', 'img1', 'v1', 'webp')).toBe('compressed/u1/img1/v1/full.webp');
    expect(compressedKey('u1', 'img1', 'v1', 'jpeg')).toBe('compressed/u1/img1/v1/full.jpg');
    expect(thumbnailKey('u1', 'img1', 'v1', 'small', 'jpeg')).toBe('thumbnails/u1/img1/v1/small.jpg');
    expect(derivativePrefixes('u1', 'img1')).toEqual(['compressed/u1/img1/', 'thumbnails/u1/img1/']);
  });

  it('refuses to write an output into the originals bucket or prefix', () => {
    expect(() => assertOutputLocation({ bucket: 'originals', key: 'compressed/x' }, 'originals')).toThrow(/loop/);
    expect(() => assertOutputLocation({ bucket: 'processed', key: 'uploads/u/i/x.jpg' }, 'originals')).toThrow(
      /originals/,
    );
    expect(() => assertOutputLocation({ bucket: 'processed', key: 'compressed/u/i/full.webp' }, 'originals')).not.toThrow();
  });
});

describe('parseDerivativeKey', () => {
  it('reads back every key the layout writes', () => {
    expect(parseDerivativeKey(compressedKey('u1', 'img1', 'v1', 'jpeg'))).toEqual({ kind: 'compressed', userId: 'u1', imageId: 'img1', version: 'v1', name: 'full', format: 'jpeg' });
    expect(parseDerivativeKey(thumbnailKey('u1', 'img1', 'v1', 'small', 'avif'))).toEqual({ kind: 'thumbnail', userId: 'u1', imageId: 'img1', version: 'v1', name: 'small', format: 'avif' });
    expect(parseDerivativeKey(compressedKey('u1', 'img1', 'v1', 'png'))?.format).toBe('png');
  });

  it('refuses keys outside the layout', () => {
    for (const key of [
      'uploads/u1/img1/a.jpg',
      'compressed/u1/img1/full',
      'compressed/u1/img1/full.webp',
      'thumbnails/u1/img1/small.jpg',
      'compressed/u1/img1/v1/small.webp',
      'compressed/u1/img1/v1/full~webp',
      'thumbnails/u1/img1/v.1/small.jpg',
      'thumbnails/u1/img1/small.html',
      'thumbnails/u1/img1/small.JPG',
      'thumbnails/u1/img1/small.jpeg',
      'thumbnails/u1/img1/v1/x/small.jpg',
      'thumbnails/../img1/small.jpg',
      'thumbnails/u1/.hidden/small.jpg',
      'thumbnails/u\u00001/img1/small.jpg',
      'thumbnails//img1/small.jpg',
    ]) {
      expect(parseDerivativeKey(key)).toBeUndefined();
    }
  });
});

describe('derivativeVersion: a URL never changes its bytes', () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array([4, 5, 6]);

  it('is the same for the same bytes (a retried task rewrites the same keys)', () => {
    expect(derivativeVersion([a, b])).toBe(derivativeVersion([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])]));
    expect(derivativeVersion([a, b])).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes when any output changes (a reprocess writes new keys)', () => {
    expect(derivativeVersion([a, b])).not.toBe(derivativeVersion([a, new Uint8Array([4, 5, 7])]));
    expect(derivativeVersion([a, b])).not.toBe(derivativeVersion([a]));
  });

  it('refuses to version nothing', () => {
    expect(() => derivativeVersion([])).toThrow('no outputs');
  });
});

describe('parseLegacyDerivativeKey: the unversioned layout before issue 11, read only', () => {
  it('reads it with the same checks, and nothing else', () => {
    expect(parseLegacyDerivativeKey('thumbnails/u1/img1/small.jpg')).toEqual({ kind: 'thumbnail', userId: 'u1', imageId: 'img1', version: '', name: 'small', format: 'jpeg' });
    expect(parseLegacyDerivativeKey('compressed/u1/img1/full.webp')?.format).toBe('webp');
    for (const key of ['compressed/u1/img1/other.webp', 'thumbnails/.u1/img1/small.jpg', 'thumbnails/u1/img1/small.html', 'thumbnails/u1/img1/v1/small.jpg']) {
      expect(parseLegacyDerivativeKey(key)).toBeUndefined();
    }
  });
});
