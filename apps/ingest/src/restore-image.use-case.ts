import { createEnvelope, ImageRestoredV1, ImageUploadedV1, type EnvelopeOf } from '@imgpipe/contracts';
import type { Clock, EventPublisher, ObjectStore } from '@imgpipe/platform';
import { deletionState } from './deletion-state';
import { ImageStateConflictError, PublishFailedError } from './errors';
import { deterministicEventId } from './event-ids';
import { toImageView, type ImageView } from './image-view';
import { loadOwnedImage, type ImageLookupDeps } from './owned-image';
import { toPublishEntry } from './publish';

export interface RestoreImageDeps extends ImageLookupDeps {
  /** Where the original is checked for (it must still exist to be processed again). */
  readonly store: ObjectStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** For deletes recorded as `ImageDeleted` v1 (no `undoUntil`): their window. */
  readonly undoWindowSeconds: number;
}

export interface RestoreImageResult {
  /** The image as it stands once the restore is recorded: `processing` again. */
  readonly image: ImageView;
  readonly restored: EnvelopeOf<typeof ImageRestoredV1>;
  /** The image's `ImageUploaded`, published again (new id) so the pipeline processes it again. */
  readonly uploaded: EnvelopeOf<typeof ImageUploadedV1>;
}

/** The id of the `ImageUploaded` a restore publishes again: derived from the restore's own id. */
function restoredUploadId(restoredId: string): string {
  return deterministicEventId(`ImageUploaded/restored/${restoredId}`);
}

/**
 * `POST /images/{id}/restore`: undoes the delete in force, within its undo window, while
 * the original is still stored. Publishes `ImageRestored` and the image's last
 * `ImageUploaded` again (under a new id, with the restore as its correlation id) in ONE
 * publish call, so the event store appends both and the pipeline rule starts a new run that
 * writes the derivatives again.
 *
 * Retry-safe end to end: both ids derive from the delete being undone, and a restore whose
 * `ImageRestored` is recorded but whose `ImageUploaded` is not (a partly failed batch, a crash
 * between the two) is completed by the next restore request: it publishes that `ImageUploaded`
 * again, same id and same payload (its time is the recorded `restoredAt`), instead of answering
 * `NOT_DELETED` and leaving the image `processing` forever. A restore retried before the history
 * caught up publishes the same ids again (stored once); once both are recorded, a restore of the
 * image is a `NOT_DELETED` conflict.
 *
 * @throws ImageNotFoundError for an unknown id and for another user's image alike.
 * @throws ImageStateConflictError `NOT_DELETED`, `UNDO_WINDOW_PASSED` (also once purged),
 *   `ORIGINAL_GONE`, or `NOT_RESTORABLE` (ingest refused the image: nothing to process).
 * @throws PublishFailedError (retryable) when the bus did not take an event.
 */
export function createRestoreImage(deps: RestoreImageDeps) {
  return async function restoreImage(userId: string, imageId: string): Promise<RestoreImageResult> {
    const owned = await loadOwnedImage(deps, userId, imageId);
    const state = deletionState(owned.history, deps.undoWindowSeconds);
    if (state.purged) throw new ImageStateConflictError(imageId, 'UNDO_WINDOW_PASSED');
    const deleted = state.deleted;
    // The restore in force whose ImageUploaded never reached the history: finish it.
    const unfinished =
      !deleted && state.lastRestoreId !== undefined && state.lastRestoredAt !== undefined
        ? { restoredId: state.lastRestoreId, restoredAt: state.lastRestoredAt }
        : undefined;
    if (unfinished && owned.history.some((event) => event.eventId === restoredUploadId(unfinished.restoredId))) {
      throw new ImageStateConflictError(imageId, 'NOT_DELETED');
    }
    if (!deleted && !unfinished) throw new ImageStateConflictError(imageId, 'NOT_DELETED');
    const now = deps.clock.now();
    if (deleted && now.getTime() >= Date.parse(deleted.undoUntil)) throw new ImageStateConflictError(imageId, 'UNDO_WINDOW_PASSED');
    const uploaded = state.uploaded;
    if (!uploaded) throw new ImageStateConflictError(imageId, 'NOT_RESTORABLE');
    const original = await deps.store.head({ bucket: uploaded.original.bucket, key: uploaded.original.key });
    if (!original) throw new ImageStateConflictError(imageId, 'ORIGINAL_GONE');

    const occurredAt = unfinished?.restoredAt ?? now.toISOString();
    const restoredId = unfinished?.restoredId ?? deterministicEventId(`ImageRestored/${imageId}/${deleted?.eventId ?? ''}`);
    const restored = createEnvelope(
      ImageRestoredV1,
      { imageId, userId, restoredAt: occurredAt },
      { eventId: restoredId, correlationId: restoredId, occurredAt },
    );
    // The same upload, a new run: a new event id (so the event store appends it and the
    // pipeline rule fires) and the restore as correlation id (so the run's records are told
    // apart from the first run's).
    const again = createEnvelope(ImageUploadedV1, uploaded, {
      eventId: restoredUploadId(restoredId),
      correlationId: restoredId,
      occurredAt,
    });
    const entries = unfinished
      ? [toPublishEntry(ImageUploadedV1, again)]
      : [toPublishEntry(ImageRestoredV1, restored), toPublishEntry(ImageUploadedV1, again)];
    const result = await deps.publisher.publish(entries);
    const failed = result.failed[0];
    if (failed) throw new PublishFailedError(failed.entry.detailType, failed.errorCode, failed.errorMessage);

    const { deletedAt: _deletedAt, undoUntil: _undoUntil, ...view } = owned.record
      ? toImageView(owned.record)
      : { imageId, userId, uploadedAt: uploaded.uploadedAt };
    return { image: { ...view, status: 'processing', updatedAt: occurredAt }, restored, uploaded: again };
  };
}

export type RestoreImage = ReturnType<typeof createRestoreImage>;
