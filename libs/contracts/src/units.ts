/**
 * `@imgpipe/contracts/units`: numbers in the one human style every surface uses — the web
 * UI, the `imgpipe` CLI, `npm start -- <files>` and the bench. Decimal byte units (1 kB =
 * 1000 B, as browsers and operating systems show file sizes), three significant digits, a
 * true minus sign. Pure and import-free, so the browser bundle takes it as it is.
 */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** The minus sign the formatters put before a negative figure (U+2212, not a hyphen). */
export const MINUS = '−';

/**
 * A byte count in decimal units (1 kB = 1000 B), three significant digits.
 *
 * @example formatBytes(4812331); // '4.81 MB'
 * @example formatBytes(71006);   // '71.0 kB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const sign = bytes < 0 ? MINUS : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  // 999.95 kB would round to "1000 kB": show it in the next unit instead.
  if (Number(value.toFixed(digits)) >= 1000 && unit < BYTE_UNITS.length - 1) {
    return `${sign}1.00 ${BYTE_UNITS[unit + 1]}`;
  }
  return `${sign}${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** @example formatPercent(74.98); // '75.0%' */
export function formatPercent(percent: number, digits = 1): string {
  if (!Number.isFinite(percent)) return '—';
  const text = Math.abs(percent).toFixed(digits);
  return `${percent < 0 && Number(text) !== 0 ? MINUS : ''}${text}%`;
}

/**
 * Savings in words: a negative saving means the compressed image is larger.
 *
 * @example formatSavings(74.98); // '75.0% smaller'
 * @example formatSavings(-3.2);  // '3.2% larger'
 */
export function formatSavings(savingsPercent: number): string {
  if (!Number.isFinite(savingsPercent)) return '—';
  if (savingsPercent < 0) return `${formatPercent(-savingsPercent)} larger`;
  return `${formatPercent(savingsPercent)} smaller`;
}

/**
 * A duration: milliseconds under a second, seconds under a minute, then minutes.
 *
 * @example formatDuration(1432); // '1.43 s'
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) return `${MINUS}${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** A whole count with thousands separators: `12,345`. */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return '—';
  return Math.round(count)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
