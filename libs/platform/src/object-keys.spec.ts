import {
  assertOutputLocation,
  compressedKey,
  derivativePrefixes,
  originalKey,
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
