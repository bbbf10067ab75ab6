/**
 * The object key layout, in one place. Originals live under `uploads/`; everything the
 * pipeline writes lives under `compressed/` and `thumbnails/` in the processed bucket, so
 * an output can never land where it would trigger the pipeline again.
 */
export const ORIGINALS_PREFIX = 'uploads/';
export const COMPRESSED_PREFIX = 'compressed/';
export const THUMBNAILS_PREFIX = 'thumbnails/';

/** Outputs are content-addressed by image id and never rewritten with other bytes. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const EXTENSIONS = { webp: 'webp', avif: 'avif', jpeg: 'jpg', png: 'png' } as const;
export type OutputExtensionFormat = keyof typeof EXTENSIONS;

export function originalKey(userId: string, imageId: string, safeFilename: string): string {
  return `${ORIGINALS_PREFIX}${userId}/${imageId}/${safeFilename}`;
}

/** Prefix of every derivative of one image, for deletes. */
export function derivativePrefixes(userId: string, imageId: string): string[] {
  return [`${COMPRESSED_PREFIX}${userId}/${imageId}/`, `${THUMBNAILS_PREFIX}${userId}/${imageId}/`];
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
export function isOriginalsLocation(
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
