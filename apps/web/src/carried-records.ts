/**
 * The record a live update carries (issue 13, thumbnails early). A change of a `processing`
 * image may carry its record as the change left it (`ImageChange.image`: the local stream sends
 * it, AppSync's feed does not). The page then shows it at once — the new card on
 * `ImageUploaded`, its early renditions and placeholder on `ThumbnailsGenerated` — instead of
 * first reading the record, a read that on a busy one-machine runtime slowed the very work the
 * page waits for (the thumbnail task's read of the original, the card's own request).
 *
 * The read still follows, later, for the history; its answer is applied as usual, except that
 * an answer older than a carried record (a read that started before the change: whatever status
 * it says, an undone delete's `deleted` say) keeps the carried record, so the card never steps back.
 */
import type { ImageChange, ImageDetails, ImageView } from './api';

export interface CarriedRecords {
  /**
   * The details to show now for `change`: its carried record, with the history of the last
   * details read of the image (or none yet); `undefined` when the change carries no record of a
   * processing image.
   */
  fromChange(change: ImageChange): ImageDetails | undefined;
  /** The details to show for an answer of the record read (see above); remembers them for the next change. */
  merge(details: ImageDetails): ImageDetails;
}

/** Whether `read` is older than `carried` by the time of the last event each applied. */
const olderThan = (read: ImageView, carried: ImageView) => (read.updatedAt ?? '') < (carried.updatedAt ?? '');

/**
 * @example
 * const carried = createCarriedRecords();
 * live.onImage = (change) => { const now = carried.fromChange(change); if (now) show(now); else images.request(change.imageId); };
 * const images = createRefresher({ load: api.getImage, apply: (_id, details) => show(carried.merge(details)) });
 */
export function createCarriedRecords(): CarriedRecords {
  // Only images still processing are kept: an image leaves both maps at its end (or a delete).
  /** The history last shown of each image: a carried record comes without one. */
  const lastHistory = new Map<string, ImageDetails['history']>();
  const carried = new Map<string, ImageView>();

  return {
    fromChange(change) {
      const image = change.image;
      if (image?.status !== 'processing' || image.imageId !== change.imageId) return undefined;
      carried.set(change.imageId, image);
      const history = lastHistory.get(change.imageId) ?? [];
      lastHistory.set(change.imageId, history);
      return { imageId: change.imageId, image, history };
    },
    merge(details) {
      const { imageId, image } = details;
      const record = carried.get(imageId);
      if (record && (image === null || olderThan(image, record))) {
        // An answer to a read that started before the change: the carried record is newer.
        lastHistory.set(imageId, details.history);
        return { ...details, image: record };
      }
      carried.delete(imageId);
      if (image?.status === 'processing') lastHistory.set(imageId, details.history);
      else if (image) lastHistory.delete(imageId); // processed, failed, deleted: the record says all there is
      return details;
    },
  };
}
