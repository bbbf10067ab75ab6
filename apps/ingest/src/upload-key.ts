import { ImageId, ObjectKey } from '@imgpipe/contracts';
import { ORIGINALS_PREFIX } from '@imgpipe/platform';

/**
 * A user id that can be a key segment as it is: 1-128 characters of letters, digits and
 * `_ - . @ | : + =`, not starting with `.` (Cognito's UUIDs and `provider|id` subjects fit).
 * A `/` would shift every segment after it, so such a subject is refused, never escaped.
 */
const KEY_SAFE_USER_ID = /^[A-Za-z0-9_@|:+=-][A-Za-z0-9._@|:+=-]{0,127}$/;

/** Whether `userId` can be the user segment of an object key. */
export function isKeySafeUserId(userId: string): boolean {
  return KEY_SAFE_USER_ID.test(userId);
}

/** The parts of an original's key `uploads/{userId}/{imageId}/{filename}` (see `originalKey`). */
export interface UploadKeyParts {
  readonly userId: string;
  readonly imageId: string;
  readonly filename: string;
}

/**
 * Reads `uploads/{userId}/{imageId}/{filename}` back; `undefined` for a key outside
 * `uploads/` or one that does not have exactly these three segments, a key-safe user id,
 * a valid image id and a valid object key (no control characters, no `.`/`..` segment).
 */
export function parseUploadKey(key: string): UploadKeyParts | undefined {
  if (!key.startsWith(ORIGINALS_PREFIX) || !ObjectKey.safeParse(key).success) return undefined;
  const segments = key.slice(ORIGINALS_PREFIX.length).split('/');
  if (segments.length !== 3) return undefined;
  const [userId, imageId, filename] = segments as [string, string, string];
  if (!isKeySafeUserId(userId) || !ImageId.safeParse(imageId).success || filename === '') return undefined;
  return { userId, imageId, filename };
}

/**
 * An object key as a notification carries it. S3's notifications URL-encode keys
 * (`red flower.jpg` arrives as `red+flower.jpg`, `é` as `%C3%A9`). No key ingest grants
 * holds a `%` (see `sanitizeFilename` and {@link isKeySafeUserId}), so a key with a `%`
 * escape is decoded as S3 encoded it, and any other key is taken as it is.
 */
export function decodeNotifiedKey(key: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(key)) return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}
