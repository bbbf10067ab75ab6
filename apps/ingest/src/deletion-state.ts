import { foldHistory, type ImageUploadedData } from '@imgpipe/contracts';
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
 * Where an image stands with respect to deletion: a view of THE fold of its history
 * (`foldHistory` of `@imgpipe/contracts`, the rules metadata's read model is built with), so
 * the API decides on the truth (the read model may lag behind the events ingest has just
 * published) with the same rules: `ImageDeleted` terminal, `ImageRestored` counts before
 * `undoUntil` and before a purge, `ImagePurged` final.
 *
 * @throws {UnknownEventError} or a `ContractError` for a history the fold cannot read.
 */
export function deletionState(history: readonly StoredImageEvent[], undoWindowSeconds: number): DeletionState {
  const state = foldHistory(history, { undoWindowSeconds });
  const deleted =
    state?.status === 'deleted' && state.deletedBy !== undefined && state.deletedAt !== undefined && state.undoUntil !== undefined
      ? { eventId: state.deletedBy, deletedAt: state.deletedAt, undoUntil: state.undoUntil }
      : undefined;
  return {
    purged: state?.purgedAt !== undefined,
    ...(deleted ? { deleted } : {}),
    ...(state?.lastRestore ? { lastRestoreId: state.lastRestore.eventId, lastRestoredAt: state.lastRestore.restoredAt } : {}),
    ...(state?.lastUpload ? { uploaded: state.lastUpload } : {}),
  };
}
