import { ImageId } from '@imgpipe/contracts';
import type { ImageEventStore, ImageReadModel, ImageRecord, StoredImageEvent } from '@imgpipe/platform';
import { ImageNotFoundError } from './errors';

/** The ports that answer "whose image is this". */
export interface ImageLookupDeps {
  readonly readModel: ImageReadModel;
  readonly eventStore: ImageEventStore;
}

/** An image the caller owns: its read-model record (absent until projected) and history. */
export interface OwnedImage {
  readonly imageId: string;
  readonly userId: string;
  readonly record: ImageRecord | undefined;
  readonly history: readonly StoredImageEvent[];
}

/** The `data.userId` the history's events carry (every event of an image names its owner). */
export function ownerInHistory(history: readonly StoredImageEvent[]): string | undefined {
  for (const event of history) {
    const data = event.detail['data'];
    if (typeof data === 'object' && data !== null && 'userId' in data && typeof data.userId === 'string') {
      return data.userId;
    }
  }
  return undefined;
}

/**
 * The image `imageId` if `userId` owns it. The owner is the read-model record's `userId`,
 * or, before the projection has caught up, the one the history names.
 *
 * @throws ImageNotFoundError for an unknown or malformed id AND for another user's image:
 * the two look the same, so ids cannot be probed.
 */
export async function loadOwnedImage(deps: ImageLookupDeps, userId: string, imageId: string): Promise<OwnedImage> {
  if (!ImageId.safeParse(imageId).success) throw new ImageNotFoundError(imageId);
  const [record, history] = await Promise.all([deps.readModel.get(imageId), deps.eventStore.load(imageId)]);
  const owner = record?.userId ?? ownerInHistory(history);
  if (owner === undefined || owner !== userId) throw new ImageNotFoundError(imageId);
  return { imageId, userId, record, history };
}
