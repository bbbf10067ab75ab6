/**
 * The early card from the live update itself (issue 13, thumbnails early). A change of a
 * `processing` image may carry the renditions and placeholder its record now holds
 * (`ImageChange.thumbnails` / `placeholder`: the local stream sends them, AppSync's feed does
 * not). The page then shows them at once, drawn on the last details it read of that image,
 * instead of waiting for the record read the change also starts (~40-90 ms on a loaded
 * machine, before the card's own request can even begin).
 *
 * The read still runs and its answer is applied as usual, with one exception: an answer to a
 * read that started before the change (so it has no renditions yet) keeps the carried ones,
 * so the card never steps back to the bare placeholder.
 */
import type { ImageChange, ImageDetails } from './api';

type Carried = Pick<ImageChange, 'thumbnails' | 'placeholder'>;

export interface EarlyRenditions {
  /**
   * The details to show now for `change`: the last ones read of its image with the change's
   * renditions; `undefined` when the change carries none, the image is not processing, or no
   * read of it has been applied yet (the read the change starts shows it).
   */
  fromChange(change: ImageChange): ImageDetails | undefined;
  /** The details to show for an answer of the record read (see above); remembers them for the next change. */
  merge(details: ImageDetails): ImageDetails;
}

const hasRenditions = (thumbnails: Readonly<Record<string, string>> | undefined): thumbnails is Readonly<Record<string, string>> =>
  thumbnails !== undefined && Object.keys(thumbnails).length > 0;

function withCarried(details: ImageDetails, carried: Carried): ImageDetails {
  const image = details.image;
  if (!image) return details;
  return {
    ...details,
    image: {
      ...image,
      thumbnails: { ...image.thumbnails, ...carried.thumbnails },
      ...(carried.placeholder ? { placeholder: carried.placeholder } : {}),
    },
  };
}

/**
 * @example
 * const early = createEarlyRenditions();
 * live.onImage = (change) => { const now = early.fromChange(change); if (now) show(now); images.request(change.imageId); };
 * const images = createRefresher({ load: api.getImage, apply: (_id, details) => show(early.merge(details)) });
 */
export function createEarlyRenditions(): EarlyRenditions {
  /** Only images still processing are kept: an image leaves both maps at its end (or a delete). */
  const lastRead = new Map<string, ImageDetails>();
  const carried = new Map<string, Carried>();

  return {
    fromChange(change) {
      if (change.status !== 'processing' || !hasRenditions(change.thumbnails)) return undefined;
      const early: Carried = { thumbnails: change.thumbnails, ...(change.placeholder ? { placeholder: change.placeholder } : {}) };
      carried.set(change.imageId, early);
      const last = lastRead.get(change.imageId);
      if (last?.image?.status !== 'processing') return undefined;
      const shown = withCarried(last, early);
      lastRead.set(change.imageId, shown);
      return shown;
    },
    merge(details) {
      const { imageId, image } = details;
      if (image?.status !== 'processing') {
        // Processed, failed, deleted (or not projected yet): the record says all there is.
        carried.delete(imageId);
        if (image) lastRead.delete(imageId);
        return details;
      }
      const early = carried.get(imageId);
      let shown = details;
      if (early && !hasRenditions(image.thumbnails)) shown = withCarried(details, early);
      else carried.delete(imageId); // the record has caught up: it decides from now on
      lastRead.set(imageId, shown);
      return shown;
    },
  };
}
