/*
 * Plain code: this module is bundled into a CloudFront Function (cloudfront-js-2.0), which
 * has no Node APIs, no modules and a small subset of the standard library. Loops and string
 * methods only; the one import is the contracts' vocabulary, plain constants esbuild inlines.
 */
import { COMPRESSED_PREFIX, OUTPUT_CONTENT_TYPES, OUTPUT_EXTENSIONS, type OutputFormatName } from '@imgpipe/contracts/vocabulary';

/**
 * The full-size formats a negotiated URL can answer with (every output format), best
 * compression first. PNG and GIF are stored only as the original handed back unchanged
 * (honest output), so a URL names them only when they are what exists: the fallback of a
 * client without WebP is then the original itself (an animated GIF's only animated file
 * every browser shows), never a format that was not written.
 */
export const NEGOTIABLE_FORMATS = ['avif', 'webp', 'jpeg', 'png', 'gif'] as const satisfies readonly OutputFormatName[];
export type NegotiableFormat = (typeof NEGOTIABLE_FORMATS)[number];

/** Formats every image client decodes, so a wildcard (`image/*`, `*\/*`) may qualify them; AVIF and WebP must be named. */
const UNIVERSAL_FORMATS: readonly NegotiableFormat[] = ['jpeg', 'png', 'gif'];

/** The `Content-Type` of each format (the contracts' `OUTPUT_CONTENT_TYPES`). */
export const FORMAT_CONTENT_TYPES: Readonly<Record<NegotiableFormat, string>> = OUTPUT_CONTENT_TYPES;

/** The file extension each format is stored under (`compressed/{user}/{id}/full.<ext>`; the contracts' `OUTPUT_EXTENSIONS`). */
export const FORMAT_EXTENSIONS: Readonly<Record<NegotiableFormat, string>> = OUTPUT_EXTENSIONS;

/** The name a negotiated URL's last segment starts with: the full-size variant, its format left to `Accept`. */
export const NEGOTIATED_NAME = 'full';

/** Separates the formats named in a negotiated URL's last segment (`full~avif~webp~jpeg`): unreserved, never in a stored key. */
export const NEGOTIATED_FORMAT_SEPARATOR = '~';

/** Where a negotiated URL points: one run's full-size variants of an image, and the formats that exist. */
export interface NegotiatedKey {
  readonly userId: string;
  readonly imageId: string;
  /** The run's version segment (`compressed/{user}/{image}/{version}/...`). */
  readonly version: string;
  /** The formats stored for that run, the only ones the CDN may answer with (best compression first). */
  readonly formats: readonly NegotiableFormat[];
}

/** Whether `segment` is a version segment: 1-64 of `A-Z a-z 0-9 _ -` (the contracts' `DELIVERY_VERSION_PATTERN`). */
function isVersionSegment(segment: string): boolean {
  if (segment.length < 1 || segment.length > 64) return false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charAt(i);
    const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '-';
    if (!ok) return false;
  }
  return true;
}

/**
 * The one definition of a negotiated image URL's key:
 * `compressed/{user}/{image}/{version}/full~{format}~{format}...`, the formats that exist for
 * that run in {@link NEGOTIABLE_FORMATS} order. The CDN cannot read the database, so the URL
 * itself says what it may negotiate among; the URL is as immutable as the files it names.
 *
 * @example
 * negotiatedKey('u1', 'img1', 'a1b2c3', ['jpeg', 'webp']); // 'compressed/u1/img1/a1b2c3/full~webp~jpeg'
 */
export function negotiatedKey(userId: string, imageId: string, version: string, formats: readonly NegotiableFormat[]): string {
  const named = NEGOTIABLE_FORMATS.filter((format) => formats.indexOf(format) >= 0);
  return `${COMPRESSED_PREFIX}${userId}/${imageId}/${version}/${[NEGOTIATED_NAME, ...named].join(NEGOTIATED_FORMAT_SEPARATOR)}`;
}

/**
 * Reads a negotiated URL's key (see {@link negotiatedKey}; no leading `/`, the CDN strips it
 * from its URI). User and image are any non-empty segments without `/` (callers check ids
 * with their own rules); at least one known format, each named once, in canonical order.
 * The CDN and the local `/cdn/` both read URLs with it.
 *
 * @returns `undefined` for any other key.
 * @example
 * parseNegotiatedKey('compressed/u1/img1/v1/full~webp~jpeg'); // { userId: 'u1', imageId: 'img1', version: 'v1', formats: ['webp', 'jpeg'] }
 * parseNegotiatedKey('compressed/u1/img1/v1/full.jpg'); // undefined
 */
export function parseNegotiatedKey(key: string): NegotiatedKey | undefined {
  if (key.indexOf(COMPRESSED_PREFIX) !== 0) return undefined;
  const segments = key.slice(COMPRESSED_PREFIX.length).split('/');
  if (segments.length !== 4) return undefined;
  const userId = segments[0] as string;
  const imageId = segments[1] as string;
  const version = segments[2] as string;
  const names = (segments[3] as string).split(NEGOTIATED_FORMAT_SEPARATOR);
  if (userId === '' || imageId === '' || !isVersionSegment(version) || names[0] !== NEGOTIATED_NAME || names.length < 2) {
    return undefined;
  }
  const formats: NegotiableFormat[] = [];
  let last = -1;
  for (let i = 1; i < names.length; i++) {
    const index = NEGOTIABLE_FORMATS.indexOf(names[i] as NegotiableFormat);
    // Unknown, repeated or out of order: not a URL this code wrote (one URL per set of files, one cache entry).
    if (index <= last) return undefined;
    last = index;
    formats.push(NEGOTIABLE_FORMATS[index] as NegotiableFormat);
  }
  return { userId, imageId, version, formats };
}

/** The stored variant a negotiated key answers with in `format`: `compressed/{user}/{image}/{version}/full.{ext}`. */
export function negotiatedVariantKey(negotiated: NegotiatedKey, format: NegotiableFormat): string {
  return `${COMPRESSED_PREFIX}${negotiated.userId}/${negotiated.imageId}/${negotiated.version}/${NEGOTIATED_NAME}.${FORMAT_EXTENSIONS[format]}`;
}

/** The media types that name each format in an `Accept` header (`image/jpg` is a common misspelling). */
const MEDIA_TYPES: Readonly<Record<NegotiableFormat, readonly string[]>> = {
  avif: ['image/avif'],
  webp: ['image/webp'],
  jpeg: ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  png: ['image/png'],
  gif: ['image/gif'],
};

/** When nothing is acceptable: the most widely decodable format there is (the universal ones first). */
const FALLBACK_ORDER: readonly NegotiableFormat[] = ['jpeg', 'gif', 'png', 'webp', 'avif'];

/** No range says anything about the format (or only a wildcard, for AVIF and WebP). */
const UNPROVEN = -1;

interface MediaRange {
  readonly type: string;
  readonly q: number;
}

/** `q` as RFC 9110 writes it: 0 to 1 with at most three decimals. Anything else: not a valid range. */
function parseQuality(text: string): number | undefined {
  const value = text.trim();
  if (value.length === 0 || value.length > 5) return undefined;
  const first = value.charAt(0);
  if (first !== '0' && first !== '1') return undefined;
  if (value.length > 1) {
    if (value.charAt(1) !== '.') return undefined;
    for (let i = 2; i < value.length; i++) {
      const c = value.charAt(i);
      if (c < '0' || c > '9') return undefined;
      if (first === '1' && c !== '0') return undefined;
    }
  }
  return Number(value);
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  const parts = header.split(',');
  for (let i = 0; i < parts.length; i++) {
    const params = (parts[i] as string).split(';');
    const type = (params[0] as string).trim().toLowerCase();
    if (type.indexOf('/') <= 0) continue;
    let q: number | undefined = 1;
    for (let j = 1; j < params.length; j++) {
      const param = params[j] as string;
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      if (param.slice(0, eq).trim().toLowerCase() === 'q') q = parseQuality(param.slice(eq + 1));
    }
    if (q !== undefined) ranges.push({ type, q });
  }
  return ranges;
}

/**
 * How much the client wants `format`: the highest `q` among the ranges that name it
 * exactly; failing that, the `q` of `image/*`, then of `*\/*`. A wildcard qualifies only the
 * universal formats (JPEG, PNG, GIF): a client that decodes AVIF or WebP says so (every
 * current browser names both), while one that sends only wildcards (curl, crawlers, old
 * browsers) may not. For AVIF and WebP a wildcard can only refuse (`q=0`); otherwise they are `UNPROVEN`.
 */
function qualityOf(format: NegotiableFormat, ranges: readonly MediaRange[]): number {
  const names = MEDIA_TYPES[format];
  let exact = UNPROVEN;
  let imageAny = UNPROVEN;
  let any = UNPROVEN;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i] as MediaRange;
    if (names.indexOf(range.type) >= 0) exact = Math.max(exact, range.q);
    else if (range.type === 'image/*') imageAny = Math.max(imageAny, range.q);
    else if (range.type === '*/*') any = Math.max(any, range.q);
  }
  if (exact !== UNPROVEN) return exact;
  const wildcard = imageAny !== UNPROVEN ? imageAny : any;
  if (UNIVERSAL_FORMATS.indexOf(format) >= 0 || wildcard === 0) return wildcard;
  return UNPROVEN;
}

/**
 * The format to answer a negotiated image URL with (`/cdn/compressed/{user}/{id}/{version}/full~webp~jpeg`),
 * from the request's `Accept` header and the formats stored for the image. Used by the CDN
 * (a CloudFront Function) and by the local runtime, so both answer alike.
 *
 * - The format with the highest `q` wins; on a tie, the smaller file: AVIF, then WebP,
 *   then JPEG, then PNG, then GIF (a JPEG beside a PNG or GIF original exists only when it
 *   beat the original's size). `q=0` refuses a format.
 * - AVIF and WebP count only when named (`image/avif`, `image/webp`); JPEG, PNG and GIF
 *   also through `image/*` or `*\/*`. A missing or empty header means `*\/*`: JPEG, or the
 *   original PNG/GIF where no JPEG exists (an animated GIF has none: its GIF is the fallback).
 * - Only formats in `available` are ever returned. When none is acceptable, the most
 *   widely decodable available one is (JPEG, GIF, PNG, then WebP, then AVIF), preferring one the
 *   header did not refuse: an image the client may not want beats no image.
 *
 * @returns `undefined` only when `available` holds no known format.
 * @example
 * negotiateImageFormat('image/avif,image/webp,image/apng,*\/*;q=0.8', ['webp', 'jpeg']); // 'webp'
 * negotiateImageFormat(undefined, ['avif', 'webp', 'jpeg']); // 'jpeg'
 * negotiateImageFormat('image/png,image/*;q=0.8', ['webp', 'gif']); // 'gif'
 */
export function negotiateImageFormat(
  accept: string | undefined,
  available: readonly NegotiableFormat[],
): NegotiableFormat | undefined {
  const header = accept === undefined || accept.trim() === '' ? '*/*' : accept;
  const ranges = parseAccept(header);
  const quality: Partial<Record<NegotiableFormat, number>> = {};
  let best: NegotiableFormat | undefined;
  let bestQ = 0;
  for (let i = 0; i < NEGOTIABLE_FORMATS.length; i++) {
    const format = NEGOTIABLE_FORMATS[i] as NegotiableFormat;
    if (available.indexOf(format) < 0) continue;
    const q = qualityOf(format, ranges);
    quality[format] = q;
    if (q > bestQ) {
      best = format;
      bestQ = q;
    }
  }
  if (best !== undefined) return best;
  // Nothing acceptable: the most decodable format not refused outright, else any.
  for (let i = 0; i < FALLBACK_ORDER.length; i++) {
    const format = FALLBACK_ORDER[i] as NegotiableFormat;
    if (quality[format] === UNPROVEN) return format;
  }
  for (let i = 0; i < FALLBACK_ORDER.length; i++) {
    const format = FALLBACK_ORDER[i] as NegotiableFormat;
    if (available.indexOf(format) >= 0) return format;
  }
  return undefined;
}
