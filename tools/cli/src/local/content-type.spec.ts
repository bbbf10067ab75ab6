import { guessContentType } from './content-type';

describe('guessContentType', () => {
  it.each([
    ['IMG_0001.JPG', 'image/jpeg'],
    ['a.jpeg', 'image/jpeg'],
    ['alpha.png', 'image/png'],
    ['anim.gif', 'image/gif'],
    ['photo.HEIC', 'image/heic'],
    ['scan.tif', 'image/tiff'],
    ['x.avif', 'image/avif'],
  ])('declares %s as %s', (name, type) => {
    expect(guessContentType(name)).toBe(type);
  });

  it('says nothing for a name with no image extension', () => {
    expect(guessContentType('notes.txt')).toBeUndefined();
    expect(guessContentType('Makefile')).toBeUndefined();
  });
});
