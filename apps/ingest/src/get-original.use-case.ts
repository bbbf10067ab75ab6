import type { OriginalDownload } from '@imgpipe/contracts/views';
import type { DownloadSigner } from '@imgpipe/platform';
import { ImageNotFoundError } from './errors';
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
 * `GET /images/{id}/original`: a short-lived signed GET URL of the caller's original (for a
 * download and a before/after comparison), with its file name beside it.
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
    const filename = key.slice(key.lastIndexOf('/') + 1);
    const signed = await deps.downloads.signDownload({ bucket: deps.originalsBucket, key, expiresInSeconds: ttlSeconds });
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
