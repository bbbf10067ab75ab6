import { contentTypeOf, extensionOf, SNIFF_BYTES, sniffFormat } from './formats';
import { testImage, type TestImageKind } from './testing';

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const brands = [major, '\0\0\0\0', ...compatible].join('');
  const size = 8 + brands.length;
  const box = Buffer.alloc(size);
  box.writeUInt32BE(size, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(brands, 8, 'latin1');
  return box;
}

describe('sniffFormat', () => {
  it.each<[TestImageKind, string]>([
    ['jpeg', 'jpeg'],
    ['png-alpha', 'png'],
    ['webp', 'webp'],
    ['webp-animated', 'webp'],
    ['gif', 'gif'],
    ['avif', 'avif'],
    ['tiff', 'tiff'],
    ['heic', 'heif'],
    ['svg', 'svg'],
  ])('recognises %s as %s from its first 64 bytes', async (kind, expected) => {
    const bytes = await testImage(kind, { width: 32, height: 24 });

    expect(sniffFormat(bytes.subarray(0, SNIFF_BYTES))).toBe(expected);
  });

  it('tells HEIC and AVIF apart by their ftyp brands', () => {
    expect(sniffFormat(ftyp('heic', 'mif1', 'heic', 'miaf'))).toBe('heif');
    expect(sniffFormat(ftyp('heix', 'mif1'))).toBe('heif');
    expect(sniffFormat(ftyp('avif', 'mif1', 'miaf'))).toBe('avif');
    expect(sniffFormat(ftyp('mif1', 'avif', 'miaf'))).toBe('avif');
    expect(sniffFormat(ftyp('mif1', 'heic'))).toBe('heif');
    expect(sniffFormat(ftyp('isom', 'mp41'))).toBeUndefined(); // an MP4 video
  });

  it('finds SVG behind an XML prolog and a BOM', () => {
    const svg = '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>';

    expect(sniffFormat(Buffer.from(svg, 'utf8'))).toBe('svg');
    expect(sniffFormat(Buffer.from('<?xml version="1.0"?><rss version="2.0"></rss>'))).toBeUndefined();
  });

  it('knows neither random bytes, text nor an empty head', async () => {
    expect(sniffFormat(await testImage('random'))).toBeUndefined();
    expect(sniffFormat(Buffer.from('hello, I am a text file'))).toBeUndefined();
    expect(sniffFormat(new Uint8Array(0))).toBeUndefined();
    expect(sniffFormat(new Uint8Array([0xff, 0xd8]))).toBeUndefined(); // too short to be sure
  });
});

describe('contentTypeOf and extensionOf', () => {
  it('names the MIME type and extension of each format', () => {
    expect(contentTypeOf('webp')).toBe('image/webp');
    expect(contentTypeOf('jpeg')).toBe('image/jpeg');
    expect(contentTypeOf('avif')).toBe('image/avif');
    expect(contentTypeOf('heif')).toBe('image/heic');
    expect(contentTypeOf('svg')).toBe('image/svg+xml');
    expect(extensionOf('jpeg')).toBe('jpg');
    expect(extensionOf('webp')).toBe('webp');
    expect(extensionOf('avif')).toBe('avif');
    expect(extensionOf('png')).toBe('png');
  });
});
