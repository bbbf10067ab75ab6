import { isAbsolute, relative, resolve } from 'node:path';

/** S3's longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** Why the local store refuses a key, with the S3 error it answers. */
export interface LocalKeyRefusal {
  readonly code: 'InvalidArgument' | 'KeyTooLongError';
  readonly message: string;
}

/**
 * Whether the local S3 server (files under one folder per bucket) may store `key`. S3 itself
 * stores any key up to 1024 bytes; the local store also refuses what a file system path would
 * resolve elsewhere: a `.` or `..` segment, a NUL, a backslash. `undefined` when allowed.
 * The key is the decoded key (what S3 stores), never the URL form.
 */
export function localKeyRefusal(key: string): LocalKeyRefusal | undefined {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return { code: 'KeyTooLongError', message: 'Your key is too long' };
  if (key.includes('\0')) return { code: 'InvalidArgument', message: 'The local store refuses keys with a NUL character.' };
  if (key.includes('\\')) return { code: 'InvalidArgument', message: 'The local store refuses keys with a backslash.' };
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    return { code: 'InvalidArgument', message: 'The local store refuses keys with a "." or ".." segment.' };
  }
  return undefined;
}

/** S3 bucket names: 3-63 of a-z, 0-9, `.` and `-`, starting and ending with a letter or digit. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Whether `path` is `folder` itself or inside it, once both are resolved. */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
