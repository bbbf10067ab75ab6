import type { OriginalDownload } from '@imgpipe/contracts/views';
import type { DownloadSigner } from '@imgpipe/platform';
import { ImageNotFoundError } from './errors';
import { sanitizeFilename } from './filename';
import { loadOwnedImage, type ImageLookupDeps } from './owned-image';

/** How long a signed URL of an original works: long enough to start a download, short enough not to be a share link. */
export const ORIGINAL_URL_TTL_SECONDS = 300;

export interface GetOriginalDeps extends ImageLookupDeps {
  readonly downloads: DownloadSigner;
  readonly originalsBucket: string;
  /** @default {@link ORIGINAL_URL_TTL_SECONDS} */
  readonly ttlSeconds?: number;
}

/** The original's key: the record's, or (before the projection caught up) the `ImageUploaded` the history holds. */
function originalKeyOf(owned: Awaited<ReturnType<typeof loadOwnedImage>>): string | undefined {
  if (owned.record?.['originalKey'] !== undefined) return String(owned.record['originalKey']);
  for (const event of [...owned.history].reverse()) {
    const data = event.detail['data'] as { original?: { key?: unknown } } | undefined;
    if (event.detailType === 'ImageUploaded' && typeof data?.original?.key === 'string') return data.original.key;
  }
  return undefined;
}

/**
 * The `Content-Disposition` of an original's download (RFC 6266): `attachment`, the file name
 * sanitised (`sanitizeFilename`: no path, control, bidi or quote characters), an ASCII
 * `filename` for old clients (other characters become `_`) and the UTF-8 name as RFC 8187
 * (ex-5987) `filename*`. Hand-written: a dozen lines over the sanitised name, where the npm
 * `content-disposition` package is not a dependency of the Lambda bundle.
 *
 * @example attachmentDisposition('Café "menu".jpg'); // `attachment; filename="Caf_menu.jpg"; filename*=UTF-8''Caf%C3%A9_menu.jpg`
 */
export function attachmentDisposition(filename: string): string {
  const safe = sanitizeFilename(filename);
  // Printable ASCII but the quoted-string's own `"` and `\` (which sanitizeFilename never leaves anyway).
  const ascii = safe.replace(/[^\x20-\x7e]|["\\]/g, '_').replace(/_+/g, '_');
  // RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else percent-encoded.
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * `GET /images/{id}/original`: a short-lived signed GET URL of the caller's original (for a
 * download and a before/after comparison), with its file name beside it. The URL answers
 * with `Content-Disposition: attachment` under that name ({@link attachmentDisposition}),
 * so a browser that opens it saves the upload's file name.
 *
 * @throws ImageNotFoundError for an unknown id, another user's image (the same answer, so ids
 * cannot be probed), and a purged image whose original is erased.
 */
export function createGetOriginal(deps: GetOriginalDeps) {
  const ttlSeconds = deps.ttlSeconds ?? ORIGINAL_URL_TTL_SECONDS;
  return async function getOriginal(userId: string, imageId: string): Promise<OriginalDownload> {
    const owned = await loadOwnedImage(deps, userId, imageId);
    const key = originalKeyOf(owned);
    if (key === undefined || owned.record?.['purgedAt'] !== undefined) throw new ImageNotFoundError(imageId);
    // The key's last segment: the upload's name, sanitised when the grant was made (and again for the header).
    const filename = key.slice(key.lastIndexOf('/') + 1);
    const signed = await deps.downloads.signDownload({
      bucket: deps.originalsBucket,
      key,
      expiresInSeconds: ttlSeconds,
      contentDisposition: attachmentDisposition(filename),
    });
    const bytes = owned.record?.['originalSize'];
    const format = owned.record?.['format'];
    return {
      imageId,
      url: signed.url,
      expiresAt: signed.expiresAt,
      filename,
      ...(typeof bytes === 'number' ? { bytes } : {}),
      ...(typeof format === 'string' ? { format } : {}),
    };
  };
}

export type GetOriginal = ReturnType<typeof createGetOriginal>;
