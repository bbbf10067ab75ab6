/** The longest sanitized file name, in Unicode code points (extension included). */
export const MAX_FILENAME_LENGTH = 100;

/** What a file name that has nothing usable left becomes. */
export const FALLBACK_FILENAME = 'file';

// The longest tail that is kept as an extension when a name is shortened: `.jpeg`, `.heic`, `.avif`.
const EXTENSION = /\.([\p{L}\p{N}]{1,10})$/u;
// Control (Cc), format (Cf: bidi overrides, zero-width joiners), surrogate (Cs) and unassigned (Cn) characters.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Cn}]/gu;
// Everything else but letters, combining marks, digits, `.`, `_` and `-`.
const UNSAFE = /[^\p{L}\p{M}\p{N}._-]+/gu;
const EDGE_PUNCTUATION = /^[._-]+|[._-]+$/g;

/**
 * Makes a client's file name safe to become the last segment of an object key:
 * - Unicode is normalised to NFC, so `e` + combining acute and `é` give the same name;
 * - control, format (bidi overrides, zero-width) and unassigned characters are dropped;
 * - directories are stripped (`/` and `\` both count), so `../../etc/passwd` is `passwd`;
 * - anything but letters, digits, combining marks, `.`, `_` and `-` becomes `_`; runs of
 *   `_` and of `.` collapse to one (so no `..` survives), and leading or trailing `.`, `_`
 *   and `-` are trimmed (no hidden files, nothing that reads as a command-line option);
 * - the result is at most {@link MAX_FILENAME_LENGTH} code points, keeping the extension;
 * - it is never empty: nothing usable left gives {@link FALLBACK_FILENAME}.
 *
 * Applying it twice gives the same result as applying it once.
 *
 * @example
 * sanitizeFilename('../../etc/passwd'); // 'passwd'
 * sanitizeFilename('Holiday photo (1).JPG'); // 'Holiday_photo_1.JPG'
 */
export function sanitizeFilename(raw: string, maxLength: number = MAX_FILENAME_LENGTH): string {
  if (!Number.isInteger(maxLength) || maxLength < FALLBACK_FILENAME.length) {
    throw new RangeError(`maxLength must be an integer of at least ${FALLBACK_FILENAME.length}, got ${maxLength}`);
  }
  const visible = raw.normalize('NFC').replace(INVISIBLE, '');
  const segments = visible.split(/[\\/]/).filter((segment) => !/^\.*$/.test(segment.trim()));
  const last = segments[segments.length - 1] ?? '';
  const cleaned = tidy(last.replace(UNSAFE, '_'));
  const bounded = bound(cleaned, maxLength);
  return bounded === '' ? FALLBACK_FILENAME : bounded;
}

function tidy(name: string): string {
  return name
    .replace(/_+/g, '_')
    .replace(/\.+/g, '.')
    .replace(/_?\._?/g, '.')
    .replace(EDGE_PUNCTUATION, '');
}

function bound(name: string, maxLength: number): string {
  const chars = Array.from(name);
  if (chars.length <= maxLength) return name;
  const extension = EXTENSION.exec(name)?.[0] ?? '';
  const extensionLength = Array.from(extension).length;
  // Keep the extension only when a real base name still fits in front of it.
  if (extension !== '' && extensionLength < maxLength - 1) {
    const base = tidy(chars.slice(0, chars.length - extensionLength).slice(0, maxLength - extensionLength).join(''));
    if (base !== '') return `${base}${extension}`;
  }
  return tidy(chars.slice(0, maxLength).join(''));
}
