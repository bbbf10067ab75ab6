/**
 * The object key layout, in one place. Originals live under `uploads/`; everything the
 * pipeline writes lives under `compressed/` and `thumbnails/` in the processed bucket, so
 * an output can never land where it would trigger the pipeline again.
 */
import { createHash } from 'node:crypto';
import { COMPRESSED_PREFIX, ORIGINALS_PREFIX, OUTPUT_EXTENSIONS, THUMBNAILS_PREFIX } from '@imgpipe/contracts/vocabulary';

// The prefixes are the contracts' vocabulary, re-exported here beside the layout they shape.
export { COMPRESSED_PREFIX, ORIGINALS_PREFIX, THUMBNAILS_PREFIX };

/** Outputs are versioned by their content ({@link derivativeVersion}) and never rewritten with other bytes. */
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

/**
 * The version segment of one run's derivatives: the first 16 hex digits of the SHA-256 of
 * the outputs' own SHA-256s (in the order given; the caller fixes the order), so the same bytes always get the same
 * segment (a retried task rewrites the same keys) and other bytes never do (a URL never
 * changes its bytes). Compress and thumbnail each version their own outputs.
 *
 * @example
 * derivativeVersion([webp.data, jpeg.data]); // 'a1b2c3d4e5f60718'
 */
export function derivativeVersion(outputs: readonly Uint8Array[]): string {
  if (outputs.length === 0) throw new Error('derivativeVersion: no outputs to version');
  const hashes = outputs.map((bytes) => createHash('sha256').update(bytes).digest('hex'));
  return createHash('sha256').update(hashes.join('\n')).digest('hex').slice(0, DERIVATIVE_VERSION_LENGTH);
}

/** Hex digits of a version segment {@link derivativeVersion} writes (64 bits: no collision among one image's runs). */
export const DERIVATIVE_VERSION_LENGTH = 16;

/** `compressed/{user}/{image}/{version}/full.{ext}`: one run's full-size variant, immutable. */
export function compressedKey(userId: string, imageId: string, version: string, format: OutputExtensionFormat): string {
  return `${COMPRESSED_PREFIX}${userId}/${imageId}/${version}/full.${EXTENSIONS[format]}`;
}

/** `thumbnails/{user}/{image}/{version}/{rendition}.{ext}`: one run's rendition, immutable. */
export function thumbnailKey(
  userId: string,
  imageId: string,
  version: string,
  rendition: string,
  format: OutputExtensionFormat,
): string {
  return `${THUMBNAILS_PREFIX}${userId}/${imageId}/${version}/${rendition}.${EXTENSIONS[format]}`;
}

/** The CDN path of a derivative key (the processed bucket is the CDN's origin at its root), for invalidations. */
export const cdnPathOf = (key: string): string => `/${key}`;

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
  /** The run's version segment ({@link derivativeVersion}). */
  readonly version: string;
  /** `full` for the compressed image, the rendition's name for a thumbnail. */
  readonly name: string;
  /** The format the key's extension names; its Content-Type is the contracts' `OUTPUT_CONTENT_TYPES[format]`. */
  readonly format: OutputExtensionFormat;
}

/** `compressed/{user}/{image}/{version}/full.{ext}`, `thumbnails/{user}/{image}/{version}/{rendition}.{ext}`. */
const DERIVATIVE_KEY = /^(compressed|thumbnails)\/([^/]+)\/([^/]+)\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{1,64})\.([a-z]+)$/;

/**
 * The parts of a derivative's key, or `undefined` for any key outside the layout (another
 * prefix, another depth, an extension no output format is stored under, a `.`/`..` or
 * control character in a segment). The user and image segments are checked for shape
 * only; callers that need valid ids check them with their own rules.
 *
 * @example
 * parseDerivativeKey('thumbnails/u1/img1/v1/small.jpg'); // { kind: 'thumbnail', userId: 'u1', imageId: 'img1', version: 'v1', name: 'small', format: 'jpeg' }
 */
export function parseDerivativeKey(key: string): DerivativeKey | undefined {
  const match = DERIVATIVE_KEY.exec(key);
  if (!match) return undefined;
  const [, prefix, userId = '', imageId = '', version = '', name = '', extension = ''] = match;
  const format = FORMAT_OF_EXTENSION.get(extension);
  // eslint-disable-next-line no-control-regex
  const badSegment = (segment: string) => segment.startsWith('.') || /[\u0000-\u001f\u007f]/.test(segment);
  if (!format || badSegment(userId) || badSegment(imageId)) return undefined;
  if (prefix === 'compressed' && name !== 'full') return undefined;
  return { kind: prefix === 'compressed' ? 'compressed' : 'thumbnail', userId, imageId, version, name, format };
}

/** `compressed/{user}/{image}/full.{ext}`, `thumbnails/{user}/{image}/{rendition}.{ext}`: the unversioned layout before issue 11. */
const LEGACY_DERIVATIVE_KEY = /^(compressed|thumbnails)\/([^/]+)\/([^/]+)\/([A-Za-z0-9_-]{1,64})\.([a-z]+)$/;

/**
 * A derivative key of the unversioned layout written before issue 11 (no version segment), so
 * `/cdn` keeps serving images processed then until a reprocess moves their record to versioned
 * keys (and removes these). `version` is `''`. Nothing writes this layout any more.
 */
export function parseLegacyDerivativeKey(key: string): DerivativeKey | undefined {
  const match = LEGACY_DERIVATIVE_KEY.exec(key);
  if (!match) return undefined;
  const [, prefix, userId = '', imageId = '', name = '', extension = ''] = match;
  // The same checks as the versioned layout, on the key with a placeholder version.
  const parsed = parseDerivativeKey(`${prefix}/${userId}/${imageId}/v/${name}.${extension}`);
  return parsed ? { ...parsed, version: '' } : undefined;
}
