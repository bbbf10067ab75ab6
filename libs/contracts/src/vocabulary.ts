/**
 * `@imgpipe/contracts/vocabulary`: the words every package shares, defined once — image
 * formats, their content types and file extensions, the object key prefixes, the codes of
 * an invalid image and the upload limits the UI shows. Plain constants, no imports, so the
 * browser bundle and the CDN's CloudFront Function (bundled by esbuild from
 * `@imgpipe/delivery`) can take them without zod or the event contracts. Derived lists are
 * marked pure, so a bundle that does not use them drops them.
 */

/**
 * Formats an original may have; the real format, sniffed from the magic bytes. `heif` is
 * HEIC/HEIF (HEVC-coded); AVIF is its own entry. SVG is refused by the default input
 * policy but can be allowed by configuration.
 */
export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'heif', 'svg'] as const;
/** One of {@link INPUT_FORMATS}. */
export type InputFormatName = (typeof INPUT_FORMATS)[number];

/**
 * Formats the pipeline writes. `gif` is never encoded: it is an original GIF handed back
 * unchanged (honest output, kind `original`) when no re-encode beats it — for an animated
 * GIF the only file every browser animates, so its universal fallback (never a JPEG of its
 * first frame).
 */
export const OUTPUT_FORMATS = ['webp', 'avif', 'jpeg', 'png', 'gif'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormatName = (typeof OUTPUT_FORMATS)[number];

/** The Content-Type every output format is stored with. */
export const OUTPUT_CONTENT_TYPES = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
} as const satisfies Record<OutputFormatName, string>;

/**
 * libwebp's encoder presets (sharp's WebP `preset`): each sets the spatial noise shaping and
 * loop filter strength (`default` SNS 50 / filter 60; `photo`, `picture` SNS 80 / filter
 * 30-35; `drawing` SNS 25 / filter 10; `icon`, `text` SNS 0 / no filter). Quality `auto`
 * chooses among some per image (image-ops' auto-quality), so the chosen one is recorded.
 */
export const WEBP_PRESETS = ['default', 'photo', 'picture', 'drawing', 'icon', 'text'] as const;
/** One of {@link WEBP_PRESETS}. */
export type WebpPresetName = (typeof WEBP_PRESETS)[number];

/**
 * The file extension (no dot) each output format is stored under: the object key layout's
 * `compressed/{user}/{image}/full.<ext>` and `thumbnails/{user}/{image}/{rendition}.<ext>`.
 */
export const OUTPUT_EXTENSIONS = {
  webp: 'webp',
  avif: 'avif',
  jpeg: 'jpg',
  png: 'png',
  gif: 'gif',
} as const satisfies Record<OutputFormatName, string>;

/** Where originals live (originals bucket); an output under this prefix would feed the pipeline its own output. */
export const ORIGINALS_PREFIX = 'uploads/';
/** Where the full-size compressed variants live (processed bucket). */
export const COMPRESSED_PREFIX = 'compressed/';
/** Where the renditions live (processed bucket). */
export const THUMBNAILS_PREFIX = 'thumbnails/';

/**
 * The codes of an `InvalidImage`: input that can never be processed, whatever the retries
 * (classified once, in libs/image-ops, whose `InvalidImageError` carries one of these).
 */
export const INVALID_IMAGE_CODES = [
  'EMPTY',
  'UNSUPPORTED_FORMAT',
  'CORRUPT',
  'TOO_MANY_PIXELS',
  'TOO_LARGE',
  'TOO_MANY_FRAMES',
] as const;
/** One of {@link INVALID_IMAGE_CODES}. */
export type InvalidImageCode = (typeof INVALID_IMAGE_CODES)[number];

/**
 * The `Content-Type`s an upload may declare for each input format (HEIC/HEIF has two names
 * in the wild). The presigned POST binds the one declared exactly.
 */
export const UPLOAD_CONTENT_TYPES = {
  jpeg: ['image/jpeg'],
  png: ['image/png'],
  webp: ['image/webp'],
  gif: ['image/gif'],
  avif: ['image/avif'],
  tiff: ['image/tiff'],
  heif: ['image/heic', 'image/heif'],
  svg: ['image/svg+xml'],
} as const satisfies Record<InputFormatName, readonly string[]>;

/**
 * The `Content-Type` an upload declares for a file name's extension (lower case, no dot),
 * when the file itself says nothing (browsers leave HEIC's type empty on many systems; the
 * CLI reads files from disk). Only a declaration: ingest sniffs the real format from the bytes.
 */
export const CONTENT_TYPES_BY_FILE_EXTENSION = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  jfif: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  svg: 'image/svg+xml',
} as const;

/**
 * The content type of a file extension (no dot, any case) from {@link CONTENT_TYPES_BY_FILE_EXTENSION},
 * or `undefined` for one it does not name (never an inherited property such as `constructor`).
 *
 * @example contentTypeOfExtension('HEIC'); // 'image/heic'
 */
export function contentTypeOfExtension(extension: string): string | undefined {
  const key = extension.toLowerCase();
  return Object.prototype.hasOwnProperty.call(CONTENT_TYPES_BY_FILE_EXTENSION, key)
    ? CONTENT_TYPES_BY_FILE_EXTENSION[key as keyof typeof CONTENT_TYPES_BY_FILE_EXTENSION]
    : undefined;
}

/**
 * The input formats the default input policy accepts: every format but SVG (a document that
 * can reference other resources and render with unbounded cost; a photo pipeline has no use for it).
 */
export const DEFAULT_INPUT_FORMATS: readonly InputFormatName[] = /* @__PURE__ */ INPUT_FORMATS.filter((format) => format !== 'svg');

/** The content types an upload may declare under the default input policy (what the UI offers). */
export const DEFAULT_UPLOAD_CONTENT_TYPES: readonly string[] = /* @__PURE__ */ DEFAULT_INPUT_FORMATS.flatMap(
  (format) => UPLOAD_CONTENT_TYPES[format],
);

/**
 * The default upload limit (the input policy's `maxBytes`, `MAX_UPLOAD_BYTES`): larger than
 * any straight-from-camera JPEG or phone HEIC, small enough to bound the bytes a function reads.
 */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

/** How a refusal names each input format ("HEIC/HEIF images are not accepted ..."). */
export const INPUT_FORMAT_LABELS = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
  tiff: 'TIFF',
  heif: 'HEIC/HEIF',
  svg: 'SVG',
} as const satisfies Record<InputFormatName, string>;

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function acceptedList(accepted: readonly InputFormatName[]): string {
  return accepted.map((format) => INPUT_FORMAT_LABELS[format]).join(', ');
}

/**
 * The sentences an upload is refused with for the checks that need only its size and
 * format (codes `EMPTY`, `TOO_LARGE`, `UNSUPPORTED_FORMAT`): image-ops' input policy says
 * them about the stored bytes, and the web UI about a picked file before it asks for a
 * grant, so a person reads the same words from both.
 *
 * @example UPLOAD_REFUSALS.tooLarge(30 * 1024 * 1024, DEFAULT_MAX_UPLOAD_BYTES); // 'The file is 30.0 MiB; the limit is 25.0 MiB.'
 */
export const UPLOAD_REFUSALS = {
  /** `EMPTY`. */
  empty: (): string => 'The file is empty.',
  /** `TOO_LARGE`. */
  tooLarge: (bytes: number, maxBytes: number): string => `The file is ${mebibytes(bytes)}; the limit is ${mebibytes(maxBytes)}.`,
  /** `UNSUPPORTED_FORMAT`: not a format the pipeline recognises at all. */
  unrecognised: (accepted: readonly InputFormatName[]): string =>
    `The file is not an image in a recognised format; accepted formats: ${acceptedList(accepted)}.`,
  /** `UNSUPPORTED_FORMAT`: a known format the policy does not accept (SVG by default). */
  notAccepted: (format: InputFormatName, accepted: readonly InputFormatName[]): string =>
    `${INPUT_FORMAT_LABELS[format]} images are not accepted; accepted formats: ${acceptedList(accepted)}.`,
} as const;

/**
 * The input format an upload's declared content type names (the inverse of
 * {@link UPLOAD_CONTENT_TYPES}), or `undefined` for a type no input format has.
 *
 * @example inputFormatOfContentType('image/svg+xml'); // 'svg'
 */
export function inputFormatOfContentType(contentType: string): InputFormatName | undefined {
  const type = contentType.trim().toLowerCase();
  return INPUT_FORMATS.find((format) => (UPLOAD_CONTENT_TYPES[format] as readonly string[]).includes(type));
}
