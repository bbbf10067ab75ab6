import { toHistoryEntry, toImageView, type HistoryEntry, type ImageView } from './image-view';
import { loadOwnedImage, type ImageLookupDeps } from './owned-image';

export type GetImageDeps = ImageLookupDeps;

/** `GET /images/{id}`: the record and the whole history. */
export interface ImageDetails {
  readonly imageId: string;
  /** The read-model record; `null` until the metadata projection has caught up. */
  readonly image: ImageView | null;
  /** Every event of the image, oldest first: the truth the record is projected from. */
  readonly history: HistoryEntry[];
}

/**
 * `GET /images/{id}`: the caller's image with its event history.
 *
 * @throws ImageNotFoundError for an unknown id and for another user's image alike.
 */
export function createGetImage(deps: GetImageDeps) {
  return async function getImage(userId: string, imageId: string): Promise<ImageDetails> {
    const owned = await loadOwnedImage(deps, userId, imageId);
    return {
      imageId,
      image: owned.record ? toImageView(owned.record) : null,
      history: owned.history.map(toHistoryEntry),
    };
  };
}

export type GetImage = ReturnType<typeof createGetImage>;
