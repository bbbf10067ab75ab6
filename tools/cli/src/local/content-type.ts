import { extname } from 'node:path';
import { contentTypeOfExtension } from '@imgpipe/contracts/vocabulary';

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
  // The extension table is the contracts' (the web UI declares types from the same one).
  return contentTypeOfExtension(extname(filename).slice(1));
}
