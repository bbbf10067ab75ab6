import { formatBytes, formatCount, formatDuration, formatPercent, formatSavings } from './units';

describe('formatBytes: decimal units, three significant digits', () => {
  // The everyday cases are in apps/web/src/format.spec.ts (the UI re-exports this formatter).
  it.each([
    [213_000, '213 kB'],
    [3_600_000_000, '3.60 GB'],
    [-1_570_000, '−1.57 MB'],
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
