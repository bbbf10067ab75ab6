import {
  findContract,
  ImageDeletedV1,
  ImagePurgedV1,
  ImageRestoredV1,
  ImageUploadedV1,
  parseDetail,
  undoDeadline,
  type ImageUploadedData,
} from '@imgpipe/contracts';
import type { StoredImageEvent } from '@imgpipe/platform';

/** The delete currently in force on an image. */
export interface DeletionInForce {
  /** The stored `ImageDeleted`'s id: names this delete (the CDN invalidation, the restore's ids). */
  readonly eventId: string;
  readonly deletedAt: string;
  /** The v2 event's `undoUntil`; for a v1 delete, `deletedAt` + the configured window. */
  readonly undoUntil: string;
}

/** Where an image stands with respect to deletion, as its history tells it. */
export interface DeletionState {
  /** The delete in force: the last `ImageDeleted` with no accepted `ImageRestored` after it. */
  readonly deleted?: DeletionInForce;
  /** The history has `ImagePurged`: the original is erased, nothing can bring the image back. */
  readonly purged: boolean;
  /** Restores recorded so far; the next delete's id derives from the last one's. */
  readonly lastRestoreId?: string;
  /** The `restoredAt` of that last restore (a retried restore re-creates its events from it). */
  readonly lastRestoredAt?: string;
  /** The data of the last `ImageUploaded`: what a restore sends through the pipeline again. */
  readonly uploaded?: ImageUploadedData;
}

/**
 * Reads the lifecycle events of a history (`ImageUploaded`, `ImageDeleted` v1/v2,
 * `ImageRestored`, `ImagePurged`) in sequence order, with their contracts.
 *
 * Why ingest reads the history itself rather than the read model: the API decides on the
 * truth (the read model may lag behind the events ingest has just published), and ingest
 * may not import the metadata service's fold. The rules it applies are only the ones the
 * contracts state (`ImageRestored` counts before `undoUntil`, `ImagePurged` is final);
 * the fold in apps/metadata applies the same ones to build the read model.
 */
export function deletionState(history: readonly StoredImageEvent[], undoWindowSeconds: number): DeletionState {
  let deleted: DeletionInForce | undefined;
  let purged = false;
  let lastRestoreId: string | undefined;
  let lastRestoredAt: string | undefined;
  let uploaded: ImageUploadedData | undefined;
  for (const stored of [...history].sort((a, b) => a.sequence - b.sequence)) {
    const version = stored.detail['version'];
    const contract = typeof version === 'number' ? findContract(stored.detailType, version) : undefined;
    if (!contract) continue;
    if (contract.detailType === ImageUploadedV1.detailType) {
      uploaded = parseDetail(ImageUploadedV1, stored.detail).data;
    } else if (contract.detailType === ImageDeletedV1.detailType) {
      if (deleted || purged) continue;
      const data = parseDetail(contract, stored.detail).data as { deletedAt: string; undoUntil?: string };
      deleted = {
        eventId: stored.eventId,
        deletedAt: data.deletedAt,
        undoUntil: data.undoUntil ?? undoDeadline(data.deletedAt, undoWindowSeconds),
      };
    } else if (contract.detailType === ImageRestoredV1.detailType) {
      const { restoredAt } = parseDetail(ImageRestoredV1, stored.detail).data;
      if (deleted && !purged && Date.parse(restoredAt) < Date.parse(deleted.undoUntil)) {
        deleted = undefined;
        lastRestoreId = stored.eventId;
        lastRestoredAt = restoredAt;
      }
    } else if (contract.detailType === ImagePurgedV1.detailType) {
      purged = true;
    }
  }
  return {
    purged,
    ...(deleted ? { deleted } : {}),
    ...(lastRestoreId ? { lastRestoreId } : {}),
    ...(lastRestoredAt ? { lastRestoredAt } : {}),
    ...(uploaded ? { uploaded } : {}),
  };
}
