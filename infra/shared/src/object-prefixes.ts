// Re-exported from the one place the key layout lives, so grants follow the code that writes.
export { COMPRESSED_PREFIX, ORIGINALS_PREFIX, THUMBNAILS_PREFIX } from '@imgpipe/platform';
