/** Numbers and times in words a person reads. Pure: no DOM, no current time. */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/**
 * A byte count in decimal units (1 kB = 1000 B), three significant digits.
 *
 * @example formatBytes(4812331); // '4.81 MB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const sign = bytes < 0 ? '−' : '';
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
  return `${percent < 0 && Number(text) !== 0 ? '−' : ''}${text}%`;
}

/**
 * Savings in words: a negative saving means the compressed image is larger.
 *
 * @example formatSavings(74.98); // '75.0% smaller'
 * @example formatSavings(-3.2); // '3.2% larger'
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
  if (ms < 0) return `−${formatDuration(-ms)}`;
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

/**
 * A point in time in the person's locale and time zone (both overridable for tests);
 * the text itself when it is not a date.
 */
export function formatDateTime(iso: string, locale?: string, timeZone?: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    ...(timeZone ? { timeZone } : {}),
  }).format(time);
}

/**
 * The time between two ISO instants as a `+1.43 s` offset (for a timeline); `''` when
 * either is not a date.
 */
export function formatOffset(fromIso: string, toIso: string): string {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  if (Number.isNaN(from) || Number.isNaN(to)) return '';
  return `+${formatDuration(Math.max(0, to - from))}`;
}

/**
 * The file name of an object key: its last segment.
 *
 * @example filenameFromKey('uploads/u1/img1/holiday.jpg'); // 'holiday.jpg'
 */
export function filenameFromKey(key: string | undefined): string | undefined {
  if (!key) return undefined;
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name === '' ? undefined : name;
}

/** `small`, `medium`, `large` first, in that order, then the rest by name. */
export function sortRenditionNames(names: readonly string[]): string[] {
  const order = ['small', 'medium', 'large'];
  const rank = (name: string) => {
    const index = order.indexOf(name);
    return index === -1 ? order.length : index;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The rendition a card shows: `small` when there is one, else the first in order. */
export function cardRendition(thumbnails: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!thumbnails) return undefined;
  const name = sortRenditionNames(Object.keys(thumbnails))[0];
  return name === undefined ? undefined : thumbnails[name];
}
