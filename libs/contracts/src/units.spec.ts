import { formatBytes, formatCount, formatDuration, formatPercent, formatSavings } from './units';

describe('formatBytes: decimal units, three significant digits', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [6842, '6.84 kB'],
    [71006, '71.0 kB'],
    [213_000, '213 kB'],
    [4812331, '4.81 MB'],
    [999_960, '1.00 MB'],
    [3_600_000_000, '3.60 GB'],
    [-2500, '−2.50 kB'],
    [Number.NaN, '—'],
  ])('%p -> %p', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('never writes the binary-looking "KB" or raw byte counts above 999', () => {
    for (const n of [1024, 10_240, 1_048_576]) expect(formatBytes(n)).toMatch(/^\d+(\.\d+)? (kB|MB)$/);
  });
});

describe('the other figures', () => {
  it('percent, savings, durations and counts', () => {
    expect(formatPercent(74.98)).toBe('75.0%');
    expect(formatPercent(-0.01)).toBe('0.0%');
    expect(formatSavings(-19.8)).toBe('19.8% larger');
    expect(formatDuration(1432)).toBe('1.43 s');
    expect(formatDuration(65_000)).toBe('1 min 5 s');
    expect(formatCount(12345)).toBe('12,345');
  });
});
