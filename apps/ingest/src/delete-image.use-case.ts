import { createEnvelope, ImageDeletedV1, LIMITS, type EnvelopeOf } from '@imgpipe/contracts';
import { derivativePrefixes, type Clock, type EventPublisher, type ObjectStore } from '@imgpipe/platform';
import { deterministicEventId } from './event-ids';
import { loadOwnedImage, type ImageLookupDeps } from './owned-image';
import { publishOne, toPublishEntry } from './publish';

export interface DeleteImageDeps extends ImageLookupDeps {
  readonly store: ObjectStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** Where the derivatives (compressed variants, renditions) live. */
  readonly processedBucket: string;
}

export interface DeleteImageResult {
  readonly imageId: string;
  /** The derivative keys this call removed (none on a repeated delete). */
  readonly deletedKeys: string[];
  /** The `ImageDeleted` published by this call; absent when the history already had one. */
  readonly event?: EnvelopeOf<typeof ImageDeletedV1>;
}

/**
 * `DELETE /images/{id}`: removes every derivative (under `derivativePrefixes`) and records
 * `ImageDeleted` by publishing it (the metadata service appends it to the history and
 * projects it). The original and the history stay: the history is the truth, and it says
 * the image was deleted.
 *
 * Idempotent: a repeated delete removes whatever derivative is left and publishes nothing
 * once the history has the `ImageDeleted`; until then it publishes the same event again
 * (its id derives from the image id), which the event store keeps once.
 *
 * @throws ImageNotFoundError for an unknown id and for another user's image alike.
 */
export function createDeleteImage(deps: DeleteImageDeps) {
  return async function deleteImage(userId: string, imageId: string): Promise<DeleteImageResult> {
    const owned = await loadOwnedImage(deps, userId, imageId);
    const deletedKeys: string[] = [];
    for (const prefix of derivativePrefixes(userId, imageId)) {
      deletedKeys.push(...(await deps.store.deletePrefix(deps.processedBucket, prefix)));
    }
    if (owned.history.some((event) => event.detailType === ImageDeletedV1.detailType)) {
      return { imageId, deletedKeys };
    }

    const now = deps.clock.now().toISOString();
    const event = createEnvelope(
      ImageDeletedV1,
      {
        imageId,
        userId,
        // The contract bounds the list; an image has a handful of derivatives.
        deletedKeys: deletedKeys.slice(0, LIMITS.deletedKeys),
        deletedAt: now,
      },
      { eventId: deterministicEventId(`${ImageDeletedV1.id}/${imageId}`), correlationId: imageId, occurredAt: now },
    );
    await publishOne(deps.publisher, toPublishEntry(ImageDeletedV1, event));
    return { imageId, deletedKeys, event };
  };
}

export type DeleteImage = ReturnType<typeof createDeleteImage>;
