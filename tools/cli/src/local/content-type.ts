import { extname } from 'node:path';

/** File extensions of the image formats imgpipe takes, and the `Content-Type` each declares. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jpe': 'image/jpeg',
  '.jfif': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.svg': 'image/svg+xml',
};

/** What an upload declares when the extension says nothing: the API refuses it, with its reason. */
export const UNKNOWN_CONTENT_TYPE = 'application/octet-stream';

/**
 * The content type an upload of `filename` declares, from its extension (case-insensitive).
 * Only a declaration: ingest sniffs the real format from the bytes and refuses what it
 * cannot read, whatever the name says.
 *
 * @example
 * guessContentType('IMG_0001.HEIC'); // 'image/heic'
 * guessContentType('notes.txt');     // undefined
 */
export function guessContentType(filename: string): string | undefined {
  return BY_EXTENSION[extname(filename).toLowerCase()];
}
