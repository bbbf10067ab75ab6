/** Numbers and times in words a person reads. Pure: no DOM, no current time. */

import { formatDuration } from '@imgpipe/contracts/units';

// The figures (bytes, percent, savings, durations, counts) are the one style every surface
// shows — the CLI, `npm start -- <files>` and this UI — so they come from the contracts.
export { formatBytes, formatCount, formatDuration, formatPercent, formatSavings } from '@imgpipe/contracts/units';

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

/**
 * The thumbnail an image shows while it is still processing (issue 13, early thumbnails): the
 * `card` rendition (a square crop) when the set has one, else {@link cardRendition}. The
 * gallery's early card and the upload row's thumbnail both show it, so the page asks the CDN
 * for one file, not two, while the full-size encode holds the cores.
 */
export function earlyThumbnail(thumbnails: Readonly<Record<string, string>> | undefined): string | undefined {
  return thumbnails?.['card'] ?? cardRendition(thumbnails);
}
