import { createEnvelope, ImageRestoredV1, ImageUploadedV1, type EnvelopeOf } from '@imgpipe/contracts';
import type { Clock, EventPublisher, ObjectStore } from '@imgpipe/platform';
import { deletionState } from './deletion-state';
import { ImageStateConflictError } from './errors';
import { deterministicEventId } from './event-ids';
import { toImageView, type ImageView } from './image-view';
import { loadOwnedImage, type ImageLookupDeps } from './owned-image';
import { publishOne, toPublishEntry } from './publish';

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

/**
 * `POST /images/{id}/restore`: undoes the delete in force, within its undo window, while
 * the original is still stored. Publishes `ImageRestored`, then the image's last
 * `ImageUploaded` again under a new id and with the restore as its correlation id, so the
 * event store appends it and the pipeline rule starts a new run that writes the
 * derivatives again.
 *
 * Idempotent: both ids derive from the delete being undone, so a retry before the history
 * caught up publishes the same events (stored once); after it, the image is no longer
 * deleted and the retry is a `NOT_DELETED` conflict.
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
    if (!deleted) throw new ImageStateConflictError(imageId, 'NOT_DELETED');
    const now = deps.clock.now();
    if (now.getTime() >= Date.parse(deleted.undoUntil)) throw new ImageStateConflictError(imageId, 'UNDO_WINDOW_PASSED');
    const uploaded = state.uploaded;
    if (!uploaded) throw new ImageStateConflictError(imageId, 'NOT_RESTORABLE');
    const original = await deps.store.head({ bucket: uploaded.original.bucket, key: uploaded.original.key });
    if (!original) throw new ImageStateConflictError(imageId, 'ORIGINAL_GONE');

    const occurredAt = now.toISOString();
    const restoredId = deterministicEventId(`ImageRestored/${imageId}/${deleted.eventId}`);
    const restored = createEnvelope(
      ImageRestoredV1,
      { imageId, userId, restoredAt: occurredAt },
      { eventId: restoredId, correlationId: restoredId, occurredAt },
    );
    // The same upload, a new run: a new event id (so the event store appends it and the
    // pipeline rule fires) and the restore as correlation id (so the run's records are told
    // apart from the first run's).
    const again = createEnvelope(ImageUploadedV1, uploaded, {
      eventId: deterministicEventId(`ImageUploaded/restored/${restoredId}`),
      correlationId: restoredId,
      occurredAt,
    });
    await publishOne(deps.publisher, toPublishEntry(ImageRestoredV1, restored));
    await publishOne(deps.publisher, toPublishEntry(ImageUploadedV1, again));

    const { deletedAt: _deletedAt, undoUntil: _undoUntil, ...view } = owned.record
      ? toImageView(owned.record)
      : { imageId, userId, uploadedAt: uploaded.uploadedAt };
    return { image: { ...view, status: 'processing', updatedAt: occurredAt }, restored, uploaded: again };
  };
}

export type RestoreImage = ReturnType<typeof createRestoreImage>;
