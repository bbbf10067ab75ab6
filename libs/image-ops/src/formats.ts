/**
 * Image formats: what we read, what we write, and how to tell what a file really is from
 * its first bytes (never from its name or declared content type).
 */

import { INPUT_FORMATS, OUTPUT_CONTENT_TYPES, OUTPUT_EXTENSIONS, OUTPUT_FORMATS } from '@imgpipe/contracts/vocabulary';

// What can be read and written is the contracts' vocabulary (one list for events and image work).
export { INPUT_FORMATS, OUTPUT_FORMATS };
/** One of {@link INPUT_FORMATS}. `heif` is HEIC/HEIF (HEVC-coded); AVIF is its own entry. */
export type InputFormat = (typeof INPUT_FORMATS)[number];
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * The output formats image-ops encodes (renditions, variants): every output format but GIF,
 * which the pipeline only ever writes as an original GIF handed back unchanged (honest output).
 */
export const ENCODED_FORMATS = ['webp', 'avif', 'jpeg', 'png'] as const satisfies readonly OutputFormat[];
/** One of {@link ENCODED_FORMATS}. */
export type EncodedFormat = (typeof ENCODED_FORMATS)[number];

/** Bytes {@link sniffFormat} needs to tell every binary format apart. */
export const SNIFF_BYTES = 64;

/**
 * Largest width or height each encoder accepts (WebP: 14-bit sizes; libvips' HEIF saver:
 * 16384; libjpeg: 65500). Larger images are scaled down to fit, never refused.
 */
export const MAX_OUTPUT_DIMENSION: Readonly<Record<OutputFormat, number>> = {
  webp: 16383,
  avif: 16384,
  jpeg: 65500,
  png: 65535,
  // Never encoded (a GIF output is the original itself); GIF's own 16-bit size fields.
  gif: 65535,
};

/** The output formats' types are the contracts' `OUTPUT_CONTENT_TYPES`; the input-only formats' are added here. */
const CONTENT_TYPES = {
  ...OUTPUT_CONTENT_TYPES,
  tiff: 'image/tiff',
  // Nearly every HEIF file in the wild is an HEVC-coded HEIC photo from a phone.
  heif: 'image/heic',
  svg: 'image/svg+xml',
} as const satisfies Record<InputFormat | OutputFormat, string>;

/** The MIME type of each format. */
export type ContentTypeOf<F extends InputFormat | OutputFormat> = (typeof CONTENT_TYPES)[F];
/** MIME types of the output formats: `image/webp`, `image/avif`, `image/jpeg`, `image/png`, `image/gif`. */
export type OutputContentType = ContentTypeOf<OutputFormat>;


/** MIME type of a format, e.g. `contentTypeOf('webp') === 'image/webp'`. */
export function contentTypeOf<F extends InputFormat | OutputFormat>(format: F): ContentTypeOf<F> {
  return CONTENT_TYPES[format];
}

/** File extension (no dot) of an output format, e.g. `extensionOf('jpeg') === 'jpg'`. */
export function extensionOf(format: OutputFormat): string {
  return OUTPUT_EXTENSIONS[format];
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const HEIF_GENERIC_BRANDS = new Set(['mif1', 'msf1', 'mif2', 'miaf']);
/** SVG detection looks further than {@link SNIFF_BYTES}: prologs and comments come first. */
const SVG_SCAN_BYTES = 4096;

function ascii(head: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < head.length; i += 1) s += String.fromCharCode(head[i] ?? 0);
  return s;
}

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((b, i) => head[offset + i] === b);
}

/** ISO BMFF `ftyp` brands: AVIF and HEIF share the container and are told apart here. */
function sniffFtyp(head: Uint8Array): InputFormat | undefined {
  if (ascii(head, 4, 8) !== 'ftyp') return undefined;
  const boxSize = ((head[0] ?? 0) << 24) | ((head[1] ?? 0) << 16) | ((head[2] ?? 0) << 8) | (head[3] ?? 0);
  const major = ascii(head, 8, 12);
  const end = Math.min(boxSize >>> 0, head.length, SNIFF_BYTES);
  const compatible: string[] = [];
  for (let i = 16; i + 4 <= end; i += 4) compatible.push(ascii(head, i, i + 4));
  if (AVIF_BRANDS.has(major)) return 'avif';
  if (HEIC_BRANDS.has(major)) return 'heif';
  if (!HEIF_GENERIC_BRANDS.has(major)) return undefined;
  if (compatible.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  // A generic HEIF container (mif1/msf1) without the AVIF brand: HEVC in practice.
  return 'heif';
}

function sniffSvg(head: Uint8Array): boolean {
  let text = ascii(head, 0, SVG_SCAN_BYTES);
  if (text.startsWith('\u00ef\u00bb\u00bf')) text = text.slice(3); // UTF-8 BOM
  text = text.trimStart();
  if (text.startsWith('<svg')) return true;
  if (!text.startsWith('<?xml') && !text.startsWith('<!--') && !text.startsWith('<!DOCTYPE')) return false;
  return /<svg[\s>]/.test(text);
}

/**
 * The real format of an image from its magic bytes, or `undefined` if it is none we know.
 * Binary formats need at most the first {@link SNIFF_BYTES} bytes; HEIC/HEIF and AVIF are
 * told apart by their `ftyp` brands. SVG is text: it is found when `<svg` appears within
 * the bytes given (up to 4 KiB), so an SVG behind a long XML prolog may need more than 64.
 *
 * @example
 * ```ts
 * sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])); // 'jpeg'
 * ```
 */
export function sniffFormat(head: Uint8Array): InputFormat | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  const gif = ascii(head, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  const isobmff = sniffFtyp(head);
  if (isobmff) return isobmff;
  if (sniffSvg(head)) return 'svg';
  return undefined;
}
