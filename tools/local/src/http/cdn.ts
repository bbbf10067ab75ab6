import { extname } from 'node:path';
import {
  FORMAT_CONTENT_TYPES,
  FORMAT_EXTENSIONS,
  NEGOTIABLE_FORMATS,
  negotiateImageFormat,
  type NegotiableFormat,
} from '@imgpipe/delivery';
import {
  COMPRESSED_PREFIX,
  IMMUTABLE_CACHE_CONTROL,
  ObjectNotFoundError,
  THUMBNAILS_PREFIX,
  type ObjectStore,
} from '@imgpipe/platform';

/** A negotiated answer may change when an image is reprocessed into more formats. */
export const NEGOTIATED_CACHE_CONTROL = 'public, max-age=3600';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
};

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

/** `compressed/{user}/{id}/full`: the full-size image, format chosen by `Accept`. */
const NEGOTIATED = /^(compressed\/[^/]+\/[^/]+\/full)$/;

const notFound = (): CdnResponse => ({
  status: 404,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: Buffer.from(JSON.stringify({ code: 'NOT_FOUND', message: 'no such object' })),
});

/** The object key of a `/cdn/` path, or `undefined` for one outside the public outputs. */
export function cdnKey(path: string): string | undefined {
  let segments: string[];
  try {
    segments = path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/'))) return undefined;
  const key = segments.join('/');
  return key.startsWith(COMPRESSED_PREFIX) || key.startsWith(THUMBNAILS_PREFIX) ? key : undefined;
}

/** Whether an `If-None-Match` header names `etag` (weak comparison, `*` included). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/**
 * `GET /cdn/<key>`: the processed bucket, public, as the CDN serves it — the stored
 * `Content-Type` and `Cache-Control`, the `ETag` with `304 Not Modified` for a matching
 * `If-None-Match`. `/cdn/compressed/{user}/{id}/full` (no extension) answers with the
 * AVIF, WebP or JPEG variant `negotiateImageFormat` picks from `Accept` (the function the
 * CDN runs), with `Vary: Accept`. Only `compressed/` and `thumbnails/` are served.
 */
export async function serveCdn(store: ObjectStore, bucket: string, request: CdnRequest): Promise<CdnResponse> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' } };
  }
  const requested = cdnKey(request.path);
  if (!requested) return notFound();

  let key = requested;
  let negotiated = false;
  if (NEGOTIATED.test(requested)) {
    const stored = await store.list(bucket, `${requested}.`);
    const available = NEGOTIABLE_FORMATS.filter((format) => stored.includes(`${requested}.${FORMAT_EXTENSIONS[format]}`));
    const format: NegotiableFormat | undefined = negotiateImageFormat(request.accept, available);
    if (!format) return notFound();
    key = `${requested}.${FORMAT_EXTENSIONS[format]}`;
    negotiated = true;
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
            ...vary,
          },
        };
      }
    }
    const object = await store.get({ bucket, key });
    const format = NEGOTIABLE_FORMATS.find((f) => key.endsWith(`.${FORMAT_EXTENSIONS[f]}`));
    const contentType =
      object.contentType ?? CONTENT_TYPES[extname(key).toLowerCase()] ?? (format ? FORMAT_CONTENT_TYPES[format] : 'application/octet-stream');
    return {
      status: 200,
      headers: {
        'content-type': contentType,
        'content-length': String(object.body.byteLength),
        'cache-control': negotiated ? NEGOTIATED_CACHE_CONTROL : (object.cacheControl ?? IMMUTABLE_CACHE_CONTROL),
        ...(object.etag ? { etag: object.etag } : {}),
        'x-content-type-options': 'nosniff',
        ...vary,
      },
      ...(request.method === 'GET' ? { body: object.body } : {}),
    };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return notFound();
    throw error;
  }
}
