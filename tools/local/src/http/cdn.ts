import { ImageId, LIMITS, OUTPUT_CONTENT_TYPES } from '@imgpipe/contracts';
import {
  negotiatedVariantKey,
  negotiateImageFormat,
  parseNegotiatedKey,
  type NegotiatedKey,
  type NegotiableFormat,
} from '@imgpipe/delivery';
import { isKeySafeUserId } from '@imgpipe/ingest';
import {
  COMPRESSED_PREFIX,
  IMMUTABLE_CACHE_CONTROL,
  ObjectNotFoundError,
  parseDerivativeKey,
  parseLegacyDerivativeKey,
  THUMBNAILS_PREFIX,
  type OutputExtensionFormat,
  type ObjectStore,
} from '@imgpipe/platform';

/**
 * A negotiated URL names its run's version and the formats stored for it, so its answer to
 * one `Accept` never changes: immutable like the files, cached per `Accept` (`Vary`).
 */
export const NEGOTIATED_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** S3's longest key, in UTF-8 bytes: nothing longer can be stored, so nothing longer is looked up. */
export const MAX_KEY_BYTES = LIMITS.objectKeyBytes;

/** Sent with every `/cdn` answer: a browser never guesses another type than the one named. */
const NOSNIFF = { 'x-content-type-options': 'nosniff' } as const;

export interface CdnRequest {
  readonly method: string;
  /** The path after `/cdn/`, still URL-encoded. */
  readonly path: string;
  readonly accept?: string;
  readonly ifNoneMatch?: string;
}

export interface CdnResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

const errorResponse = (status: number, code: string, message: string): CdnResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...NOSNIFF },
  body: Buffer.from(JSON.stringify({ code, message })),
});
const notFound = (): CdnResponse => errorResponse(404, 'NOT_FOUND', 'no such object');

/** What a `/cdn/` path names: a stored derivative, the negotiated full-size image, or why neither. */
export type CdnTarget =
  | { readonly kind: 'object'; readonly key: string; readonly format: OutputExtensionFormat }
  | { readonly kind: 'negotiated'; readonly key: string; readonly negotiated: NegotiatedKey }
  | { readonly kind: 'refused'; readonly status: 400 | 404; readonly code: string; readonly message: string };

const refused = (status: 400 | 404, code: string, message: string): CdnTarget => ({ kind: 'refused', status, code, message });

/**
 * Reads a `/cdn/` path (still URL-encoded). Malformed input is a 400 (`INVALID_KEY`: bad
 * percent-encoding, a NUL or other control character, an empty, `.` or `..` segment, an
 * encoded `/`, more than {@link MAX_KEY_BYTES}); a well-formed key outside the derivative
 * layout (`parseDerivativeKey`, with valid user and image ids) is a 404. Never throws.
 */
export function parseCdnPath(path: string): CdnTarget {
  // Each byte of the key takes at most 3 characters encoded: anything longer is too long.
  if (path.length > MAX_KEY_BYTES * 3) return refused(400, 'INVALID_KEY', `keys are at most ${MAX_KEY_BYTES} bytes`);
  let segments: string[];
  try {
    segments = path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return refused(400, 'INVALID_KEY', 'the key is not valid percent-encoded UTF-8');
  }
  const key = segments.join('/');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return refused(400, 'INVALID_KEY', `keys are at most ${MAX_KEY_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return refused(400, 'INVALID_KEY', 'the key holds a control character');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/'))) {
    return refused(400, 'INVALID_KEY', 'the key holds an empty, "." or ".." segment, or an encoded "/"');
  }
  const validIds = (userId: string, imageId: string) => isKeySafeUserId(userId) && ImageId.safeParse(imageId).success;
  // `compressed/{user}/{id}/{version}/full~webp~jpeg`: the full-size image, format chosen by `Accept` among those named (delivery's one definition).
  const negotiated = parseNegotiatedKey(key);
  if (negotiated) {
    return validIds(negotiated.userId, negotiated.imageId) ? { kind: 'negotiated', key, negotiated } : refused(404, 'NOT_FOUND', 'no such object');
  }
  // Versioned keys; and those of the layout before issue 11, until a reprocess replaces them.
  const derivative = parseDerivativeKey(key) ?? parseLegacyDerivativeKey(key);
  if (!derivative || !validIds(derivative.userId, derivative.imageId)) return refused(404, 'NOT_FOUND', 'no such object');
  return { kind: 'object', key, format: derivative.format };
}

/** The object key of a `/cdn/` path, or `undefined` for one outside the public outputs. */
export function cdnKey(path: string): string | undefined {
  const target = parseCdnPath(path);
  if (target.kind === 'refused') return undefined;
  return target.key.startsWith(COMPRESSED_PREFIX) || target.key.startsWith(THUMBNAILS_PREFIX) ? target.key : undefined;
}

/** Whether an `If-None-Match` header names `etag` (weak comparison, `*` included). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/**
 * `GET /cdn/<key>`: the processed bucket, public, as the CDN serves it — the stored
 * `Cache-Control`, the `ETag` with `304 Not Modified` for a matching `If-None-Match`.
 * `/cdn/compressed/{user}/{id}/{version}/full~webp~jpeg` answers with the variant
 * `negotiateImageFormat` picks from `Accept` among the formats the URL names (the function
 * the CDN runs), with `Vary: Accept`. Only keys of the derivative layout are served, and only as the image type
 * their extension names (`OUTPUT_CONTENT_TYPES`): whatever `Content-Type` an object was
 * stored with (`text/html`, say) is never passed on, and every answer says `nosniff`.
 */
export async function serveCdn(store: ObjectStore, bucket: string, request: CdnRequest): Promise<CdnResponse> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8', ...NOSNIFF } };
  }
  const target = parseCdnPath(request.path);
  if (target.kind === 'refused') return errorResponse(target.status, target.code, target.message);

  let key = target.key;
  let format: OutputExtensionFormat;
  const negotiated = target.kind === 'negotiated';
  if (target.kind === 'negotiated') {
    // Only among the formats the URL names (those stored for its run), as the CDN function does: no listing.
    const chosen: NegotiableFormat | undefined = negotiateImageFormat(request.accept, target.negotiated.formats);
    if (!chosen) return notFound();
    key = negotiatedVariantKey(target.negotiated, chosen);
    format = chosen;
  } else {
    format = target.format;
  }

  const vary: Record<string, string> = negotiated ? { vary: 'Accept' } : {};
  try {
    if (request.ifNoneMatch) {
      const head = await store.head({ bucket, key });
      if (!head) return notFound();
      if (etagMatches(request.ifNoneMatch, head.etag)) {
        return {
          status: 304,
          headers: {
            ...(head.etag ? { etag: head.etag } : {}),
            'cache-control': negotiated ? NEGOTIATED_CACHE_CONTROL : (head.cacheControl ?? IMMUTABLE_CACHE_CONTROL),
            ...NOSNIFF,
            ...vary,
          },
        };
      }
    }
    const object = await store.get({ bucket, key });
    return {
      status: 200,
      headers: {
        'content-type': OUTPUT_CONTENT_TYPES[format],
        'content-length': String(object.body.byteLength),
        'cache-control': negotiated ? NEGOTIATED_CACHE_CONTROL : (object.cacheControl ?? IMMUTABLE_CACHE_CONTROL),
        ...(object.etag ? { etag: object.etag } : {}),
        ...NOSNIFF,
        ...vary,
      },
      ...(request.method === 'GET' ? { body: object.body } : {}),
    };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return notFound();
    throw error;
  }
}
