/**
 * The object key layout, in one place. Originals live under `uploads/`; everything the
 * pipeline writes lives under `compressed/` and `thumbnails/` in the processed bucket, so
 * an output can never land where it would trigger the pipeline again.
 */
import { COMPRESSED_PREFIX, ORIGINALS_PREFIX, OUTPUT_EXTENSIONS, THUMBNAILS_PREFIX } from '@imgpipe/contracts/vocabulary';

// The prefixes are the contracts' vocabulary, re-exported here beside the layout they shape.
export { COMPRESSED_PREFIX, ORIGINALS_PREFIX, THUMBNAILS_PREFIX };

/** Outputs are content-addressed by image id and never rewritten with other bytes. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const EXTENSIONS = OUTPUT_EXTENSIONS;
export type OutputExtensionFormat = keyof typeof EXTENSIONS;

export function originalKey(userId: string, imageId: string, safeFilename: string): string {
  return `${ORIGINALS_PREFIX}${userId}/${imageId}/${safeFilename}`;
}

/** Prefix of every derivative of one image, for deletes. */
export function derivativePrefixes(userId: string, imageId: string): string[] {
  return [`${COMPRESSED_PREFIX}${userId}/${imageId}/`, `${THUMBNAILS_PREFIX}${userId}/${imageId}/`];
}

/**
 * The CDN paths of every derivative of one image (`/compressed/{userId}/{imageId}/*`,
 * `/thumbnails/...`): the processed bucket is the CDN's origin at its root.
 */
export function derivativeCdnPaths(userId: string, imageId: string): string[] {
  return derivativePrefixes(userId, imageId).map((prefix) => `/${prefix}*`);
}

export function compressedKey(userId: string, imageId: string, format: OutputExtensionFormat): string {
  return `${COMPRESSED_PREFIX}${userId}/${imageId}/full.${EXTENSIONS[format]}`;
}

export function thumbnailKey(
  userId: string,
  imageId: string,
  rendition: string,
  format: OutputExtensionFormat,
): string {
  return `${THUMBNAILS_PREFIX}${userId}/${imageId}/${rendition}.${EXTENSIONS[format]}`;
}

/** True when writing `key` into `bucket` could feed the pipeline its own output. */
function isOriginalsLocation(
  target: { bucket: string; key: string },
  originalsBucket: string,
): boolean {
  return target.bucket === originalsBucket || target.key.startsWith(ORIGINALS_PREFIX);
}

/** Throws unless `target` is a safe place for a pipeline output. */
export function assertOutputLocation(target: { bucket: string; key: string }, originalsBucket: string): void {
  if (isOriginalsLocation(target, originalsBucket)) {
    throw new Error(
      `refusing to write s3://${target.bucket}/${target.key}: outputs never go where originals live (it would loop the pipeline)`,
    );
  }
}

/** The format each output extension names: the inverse of the layout's extensions. */
const FORMAT_OF_EXTENSION: ReadonlyMap<string, OutputExtensionFormat> = new Map(
  (Object.entries(EXTENSIONS) as [OutputExtensionFormat, string][]).map(([format, extension]) => [extension, format]),
);

/** What a derivative's key names (see {@link compressedKey} and {@link thumbnailKey}). */
export interface DerivativeKey {
  readonly kind: 'compressed' | 'thumbnail';
  readonly userId: string;
  readonly imageId: string;
  /** `full` for the compressed image, the rendition's name for a thumbnail. */
  readonly name: string;
  /** The format the key's extension names; its Content-Type is the contracts' `OUTPUT_CONTENT_TYPES[format]`. */
  readonly format: OutputExtensionFormat;
}

/** `compressed/{user}/{image}/full.{ext}`, `thumbnails/{user}/{image}/{rendition}.{ext}`. */
const DERIVATIVE_KEY = /^(compressed|thumbnails)\/([^/]+)\/([^/]+)\/([A-Za-z0-9_-]{1,64})\.([a-z]+)$/;

/**
 * The parts of a derivative's key, or `undefined` for any key outside the layout (another
 * prefix, another depth, an extension no output format is stored under, a `.`/`..` or
 * control character in a segment). The user and image segments are checked for shape
 * only; callers that need valid ids check them with their own rules.
 *
 * @example
 * parseDerivativeKey('thumbnails/u1/img1/small.jpg'); // { kind: 'thumbnail', userId: 'u1', imageId: 'img1', name: 'small', format: 'jpeg' }
 */
export function parseDerivativeKey(key: string): DerivativeKey | undefined {
  const match = DERIVATIVE_KEY.exec(key);
  if (!match) return undefined;
  const [, prefix, userId = '', imageId = '', name = '', extension = ''] = match;
  const format = FORMAT_OF_EXTENSION.get(extension);
  // eslint-disable-next-line no-control-regex
  const badSegment = (segment: string) => segment.startsWith('.') || /[\u0000-\u001f\u007f]/.test(segment);
  if (!format || badSegment(userId) || badSegment(imageId)) return undefined;
  if (prefix === 'compressed' && name !== 'full') return undefined;
  return { kind: prefix === 'compressed' ? 'compressed' : 'thumbnail', userId, imageId, name, format };
}
