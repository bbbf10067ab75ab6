import { createEnvelope, ImageDeletedV2, LIMITS, undoDeadline, type EnvelopeOf } from '@imgpipe/contracts';
import {
  derivativeCdnPaths,
  derivativePrefixes,
  type CdnInvalidator,
  type Clock,
  type EventPublisher,
  type ObjectStore,
} from '@imgpipe/platform';
import { deletionState } from './deletion-state';
import { deterministicEventId } from './event-ids';
import { loadOwnedImage, type ImageLookupDeps } from './owned-image';
import { publishOne, toPublishEntry } from './publish';

export interface DeleteImageDeps extends ImageLookupDeps {
  readonly store: ObjectStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** Drops the image's cached derivatives from the CDN (`noCdnInvalidator` where there is no CDN cache). */
  readonly cdn: CdnInvalidator;
  /** Where the derivatives (compressed variants, renditions) live. */
  readonly processedBucket: string;
  /** How long the delete can be undone: `undoUntil` = now + this. */
  readonly undoWindowSeconds: number;
}

export interface DeleteImageResult {
  readonly imageId: string;
  /** The derivative keys this call removed (none on a repeated delete, unless a late one turned up). */
  readonly deletedKeys: string[];
  /** Until when `POST /images/{id}/restore` can undo the delete in force; absent once purged. */
  readonly undoUntil?: string;
  /** The `ImageDeleted` published by this call; absent when the history already had the delete. */
  readonly event?: EnvelopeOf<typeof ImageDeletedV2>;
}

/**
 * `DELETE /images/{id}`: removes every derivative (under `derivativePrefixes`) at once,
 * asks the CDN to drop the image's paths, and records `ImageDeleted` v2 by publishing it
 * (the metadata service appends it to the history and projects it). The original is kept
 * until `undoUntil` (now + the undo window) so `POST /images/{id}/restore` can undo the
 * delete; after that the purge erases it.
 *
 * Idempotent: a repeated delete removes whatever derivative is left and publishes nothing
 * once the history has the delete; until then it publishes the same event id again (derived
 * from the image and the restore the delete follows, if any), which the event store keeps
 * once. The CDN invalidation is named by the same id, so a retry does not invalidate twice.
 * A delete after a restore is a new delete, with a new id.
 *
 * @throws ImageNotFoundError for an unknown id and for another user's image alike.
 * @throws PublishFailedError or a retryable DependencyError (CDN) when a retry can help.
 */
export function createDeleteImage(deps: DeleteImageDeps) {
  return async function deleteImage(userId: string, imageId: string): Promise<DeleteImageResult> {
    const owned = await loadOwnedImage(deps, userId, imageId);
    const state = deletionState(owned.history, deps.undoWindowSeconds);
    const deletedKeys: string[] = [];
    for (const prefix of derivativePrefixes(userId, imageId)) {
      deletedKeys.push(...(await deps.store.deletePrefix(deps.processedBucket, prefix)));
    }
    const paths = derivativeCdnPaths(userId, imageId);

    if (state.deleted || state.purged) {
      // Already deleted. A derivative written late (a run that finished after the delete) was
      // just removed: drop it from the CDN too, under a name of its own.
      if (deletedKeys.length > 0) {
        const late = deterministicEventId(`cdn/${state.deleted?.eventId ?? imageId}/${[...deletedKeys].sort().join('\n')}`);
        await deps.cdn.invalidate({ paths, reference: late });
      }
      return { imageId, deletedKeys, ...(state.deleted ? { undoUntil: state.deleted.undoUntil } : {}) };
    }

    const now = deps.clock.now().toISOString();
    const eventId = deterministicEventId(`ImageDeleted/${imageId}${state.lastRestoreId ? `/after/${state.lastRestoreId}` : ''}`);
    const undoUntil = undoDeadline(now, deps.undoWindowSeconds);
    // Before publishing: if the CDN refuses, nothing is recorded and the client's retry does it all again.
    await deps.cdn.invalidate({ paths, reference: eventId });
    const event = createEnvelope(
      ImageDeletedV2,
      {
        imageId,
        userId,
        // The contract bounds the list; an image has a handful of derivatives.
        deletedKeys: deletedKeys.slice(0, LIMITS.deletedKeys),
        deletedAt: now,
        undoUntil,
      },
      { eventId, correlationId: imageId, occurredAt: now },
    );
    await publishOne(deps.publisher, toPublishEntry(ImageDeletedV2, event));
    return { imageId, deletedKeys, undoUntil, event };
  };
}

export type DeleteImage = ReturnType<typeof createDeleteImage>;
