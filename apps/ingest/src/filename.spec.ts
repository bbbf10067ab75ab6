import { Filename, ObjectKey } from '@imgpipe/contracts';
import { FALLBACK_FILENAME, MAX_FILENAME_LENGTH, sanitizeFilename } from './filename';

describe('sanitizeFilename', () => {
  it('keeps an ordinary name as it is', () => {
    expect(sanitizeFilename('holiday-photo_2025.jpg')).toBe('holiday-photo_2025.jpg');
  });

  it.each([
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system32\\config.sys', 'config.sys'],
    ['/absolute/path/photo.png', 'photo.png'],
    ['photos/../photo.png', 'photo.png'],
    ['C:\\Users\\me\\Pictures\\cat.gif', 'cat.gif'],
    ['photo.jpg/..', 'photo.jpg'],
    ['a/b/c/', 'c'],
  ])('strips directories and traversal: %j -> %j', (raw, expected) => {
    expect(sanitizeFilename(raw)).toBe(expected);
  });

  it('never leaves a .. anywhere', () => {
    const out = sanitizeFilename('..photo..jpg..');
    expect(out).not.toContain('..');
    expect(out).toBe('photo.jpg');
  });

  it('drops control characters, bidi overrides and zero-width characters', () => {
    expect(sanitizeFilename('ph\u0000o\u0007to\u001b[31m.jpg')).toBe('photo_31m.jpg');
    expect(sanitizeFilename('line\r\nbreak.png')).toBe('linebreak.png');
    expect(sanitizeFilename('\u0085next\u009f.png')).toBe('next.png');
    // "exe.jpg" displayed reversed: the RLO override must not survive.
    expect(sanitizeFilename('photo\u202Egpj.exe')).toBe('photogpj.exe');
    expect(sanitizeFilename('zero\u200Bwidth\uFEFF.png')).toBe('zerowidth.png');
  });

  it('normalises Unicode to NFC, so both spellings of a name are one key', () => {
    const decomposed = 'cafe\u0301.jpg';
    const composed = 'caf\u00e9.jpg';
    expect(sanitizeFilename(decomposed)).toBe(composed);
    expect(sanitizeFilename(composed)).toBe(composed);
    expect(sanitizeFilename('фото-東京.png')).toBe('фото-東京.png');
  });

  it('replaces characters outside the safe set, collapsing runs', () => {
    expect(sanitizeFilename('Holiday photo (1).JPG')).toBe('Holiday_photo_1.JPG');
    expect(sanitizeFilename('a<>:"|?*b.png')).toBe('a_b.png');
    expect(sanitizeFilename('100% real; rm -rf ~.png')).toBe('100_real_rm_-rf.png');
    expect(sanitizeFilename('emoji 😀 party.webp')).toBe('emoji_party.webp');
  });

  it('trims leading dots and dashes: no hidden files, nothing that reads as an option', () => {
    expect(sanitizeFilename('.htaccess')).toBe('htaccess');
    expect(sanitizeFilename('-rf.jpg')).toBe('rf.jpg');
    expect(sanitizeFilename('.jpg')).toBe('jpg');
  });

  it(`bounds a 1000-character name to ${MAX_FILENAME_LENGTH} code points, keeping the extension`, () => {
    const out = sanitizeFilename(`${'a'.repeat(1000)}.jpeg`);
    expect(Array.from(out)).toHaveLength(MAX_FILENAME_LENGTH);
    expect(out.endsWith('.jpeg')).toBe(true);
    expect(out.startsWith('aaaa')).toBe(true);
  });

  it('bounds in code points, never splitting a surrogate pair', () => {
    const out = sanitizeFilename(`${'𝒜'.repeat(300)}.png`);
    expect(Array.from(out)).toHaveLength(MAX_FILENAME_LENGTH);
    expect(out.endsWith('.png')).toBe(true);
    expect(out).toBe(out.normalize('NFC'));
    expect(() => encodeURIComponent(out)).not.toThrow(); // no lone surrogate
  });

  it('bounds a long name without an extension', () => {
    expect(Array.from(sanitizeFilename('b'.repeat(1000)))).toHaveLength(MAX_FILENAME_LENGTH);
  });

  it.each(['', '   ', '.', '..', '../..', '/', '\u0000\u0001', '😀😀', '___', '...'])(
    'is never empty: %j -> a fallback name',
    (raw) => {
      expect(sanitizeFilename(raw)).toBe(FALLBACK_FILENAME);
    },
  );

  it('is idempotent and always yields a valid contract file name and key segment', () => {
    const samples = [
      '../../etc/passwd',
      'ph\u0000oto.jpg',
      'cafe\u0301.jpg',
      `${'x'.repeat(1000)}.png`,
      '',
      '..',
      'a b c.tiff',
      '😀.gif',
      `${'é'.repeat(99)}.heic`,
    ];
    for (const raw of samples) {
      const once = sanitizeFilename(raw);
      expect(sanitizeFilename(once)).toBe(once);
      expect(Filename.safeParse(once).success).toBe(true);
      expect(ObjectKey.safeParse(`uploads/user-1/img-1/${once}`).success).toBe(true);
      expect(once).toMatch(/^[\p{L}\p{M}\p{N}._-]+$/u);
    }
  });
});
