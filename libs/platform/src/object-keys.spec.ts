import {
  assertOutputLocation,
  compressedKey,
  derivativePrefixes,
  originalKey,
  parseDerivativeKey,
  thumbnailKey,
} from './object-keys';

describe('object key layout', () => {
  it('puts originals under uploads/ and derivatives under compressed/ and thumbnails/', () => {
    expect(originalKey('u1', 'img1', 'cat.jpg')).toBe('uploads/u1/img1/cat.jpg');
    expect(compressedKey('u1', 'img1', 'webp')).toBe('compressed/u1/img1/full.webp');
    expect(compressedKey('u1', 'img1', 'jpeg')).toBe('compressed/u1/img1/full.jpg');
    expect(thumbnailKey('u1', 'img1', 'small', 'jpeg')).toBe('thumbnails/u1/img1/small.jpg');
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
    expect(parseDerivativeKey(compressedKey('u1', 'img1', 'jpeg'))).toEqual({ kind: 'compressed', userId: 'u1', imageId: 'img1', name: 'full', format: 'jpeg' });
    expect(parseDerivativeKey(thumbnailKey('u1', 'img1', 'small', 'avif'))).toEqual({ kind: 'thumbnail', userId: 'u1', imageId: 'img1', name: 'small', format: 'avif' });
    expect(parseDerivativeKey(compressedKey('u1', 'img1', 'png'))?.format).toBe('png');
  });

  it('refuses keys outside the layout', () => {
    for (const key of [
      'uploads/u1/img1/a.jpg',
      'compressed/u1/img1/full',
      'compressed/u1/img1/small.webp',
      'thumbnails/u1/img1/small.html',
      'thumbnails/u1/img1/small.JPG',
      'thumbnails/u1/img1/small.jpeg',
      'thumbnails/u1/img1/x/small.jpg',
      'thumbnails/../img1/small.jpg',
      'thumbnails/u1/.hidden/small.jpg',
      'thumbnails/u\u00001/img1/small.jpg',
      'thumbnails//img1/small.jpg',
    ]) {
      expect(parseDerivativeKey(key)).toBeUndefined();
    }
  });
});
