import {
  cardRendition,
  earlyThumbnail,
  filenameFromKey,
  formatBytes,
  formatCount,
  formatDateTime,
  formatDuration,
  formatOffset,
  formatPercent,
  formatSavings,
  sortRenditionNames,
} from './format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [6842, '6.84 kB'],
    [71006, '71.0 kB'],
    [4812331, '4.81 MB'],
    [999_960, '1.00 MB'],
    [-2500, '−2.50 kB'],
    [Number.NaN, '—'],
  ])('%p -> %p', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatPercent and formatSavings', () => {
  it('rounds to the digits asked', () => {
    expect(formatPercent(74.98)).toBe('75.0%');
    expect(formatPercent(33.333, 0)).toBe('33%');
    expect(formatPercent(-0.01)).toBe('0.0%');
  });

  it('says smaller or larger', () => {
    expect(formatSavings(74.98)).toBe('75.0% smaller');
    expect(formatSavings(-3.2)).toBe('3.2% larger');
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [1432, '1.43 s'],
    [12_340, '12.3 s'],
    [60_000, '1 min'],
    [123_000, '2 min 3 s'],
    [null, '—'],
    [undefined, '—'],
  ])('%p -> %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(12)).toBe('12');
  });
});

describe('formatDateTime', () => {
  it('formats in the given locale and zone, and returns non-dates as they are', () => {
    expect(formatDateTime('2025-06-01T12:00:00.000Z', 'en-GB', 'UTC')).toBe('1 Jun 2025, 12:00:00');
    expect(formatDateTime('soon')).toBe('soon');
  });
});

describe('formatOffset', () => {
  it('is the time since the first event', () => {
    expect(formatOffset('2025-06-01T12:00:00.000Z', '2025-06-01T12:00:01.432Z')).toBe('+1.43 s');
    expect(formatOffset('x', '2025-06-01T12:00:01.432Z')).toBe('');
  });
});

describe('filenameFromKey', () => {
  it('takes the last segment', () => {
    expect(filenameFromKey('uploads/u/i/holiday photo.jpg')).toBe('holiday photo.jpg');
    expect(filenameFromKey('uploads/u/i/')).toBeUndefined();
    expect(filenameFromKey(undefined)).toBeUndefined();
  });
});

describe('renditions', () => {
  it('orders small, medium, large, then the rest by name', () => {
    expect(sortRenditionNames(['wide', 'large', 'avatar', 'small'])).toEqual(['small', 'large', 'avatar', 'wide']);
  });

  it('shows the small rendition on a card, else the first', () => {
    expect(cardRendition({ large: 'l', small: 's' })).toBe('s');
    expect(cardRendition({ square: 'q', large: 'l' })).toBe('l');
    expect(cardRendition({})).toBeUndefined();
    expect(cardRendition(undefined)).toBeUndefined();
  });

  it('names the card rendition as the early thumbnail the upload row and the gallery card share, else the card rendition', () => {
    expect(earlyThumbnail({ small: 's', card: 'c', large: 'l' })).toBe('c');
    expect(earlyThumbnail({ large: 'l', small: 's' })).toBe('s');
    expect(earlyThumbnail(undefined)).toBeUndefined();
  });
});
