/**
 * The image page's display image from the delivery record: a `<picture>` whose `<img>` has the
 * record's `srcset`, the page's `sizes` and the full image's `width`/`height` (so the browser
 * fetches the `display` or `large` rendition, not the full-size file), over the record's
 * placeholder while it loads; and the gallery card's image, the `card` rendition (WebP where the
 * browser takes it, JPEG otherwise) over the same placeholder.
 */
import type { DeliveryPlaceholder, DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { cardImage, displayImage } from './delivery-view';
import { h } from './dom';
import { showWithPlaceholder } from './placeholder';

/** The display `<picture>` in a placeholder frame (`.image-frame`). */
export function displayPicture(record: DeliveryRecord, alt: string): HTMLElement {
  const display = displayImage(record);
  const img = h('img', {
    attrs: {
      src: display.src,
      srcset: display.srcset,
      sizes: display.sizes,
      width: display.width,
      height: display.height,
      alt,
      decoding: 'async',
    },
  });
  const picture = h('picture', {}, ...display.sources.map((source) => h('source', { attrs: { type: source.type, srcset: source.srcset, sizes: display.sizes } })), img);
  const frame = h('div', { class: 'image-frame' });
  showWithPlaceholder(frame, img, record.placeholder, picture);
  return frame;
}

/**
 * A card's image while the image is still processing (issue 13): the rendition the thumbnails
 * recorded early name (`card`, else the first in order), over the record's placeholder, before
 * the delivery record exists. `data-early` marks it for the browser tests.
 */
export function processingCardPicture(src: string, placeholder: DeliveryPlaceholder | undefined): HTMLElement {
  const img = h('img', { attrs: { src, alt: '', decoding: 'async' } });
  const frame = h('div', { class: 'image-frame card-frame', attrs: { 'data-early': '' } });
  showWithPlaceholder(frame, img, placeholder);
  return frame;
}

/**
 * A card's image from the record, over its placeholder: a `<picture>` with the `card` rendition
 * (else `small`; `cardImage`) as WebP/AVIF `<source>`s and the JPEG `<img>`, so a browser that
 * takes WebP loads the smaller file; undefined when the record has no card-sized file.
 */
export function cardPicture(record: DeliveryRecord): HTMLElement | undefined {
  const card = cardImage(record);
  if (!card) return undefined;
  const file = card.fallback;
  const img = h('img', { attrs: { src: file.url, alt: '', loading: 'lazy', decoding: 'async', width: file.width, height: file.height } });
  const picture = h('picture', {}, ...card.sources.map((source) => h('source', { attrs: { type: source.type, srcset: source.srcset } })), img);
  const frame = h('div', { class: 'image-frame card-frame' });
  // The card is a square crop: the placeholder (of the whole image) fills it, cropped the same way by `cover`.
  showWithPlaceholder(frame, img, record.placeholder && { ...record.placeholder, aspectRatio: file.width / file.height }, picture);
  return frame;
}
