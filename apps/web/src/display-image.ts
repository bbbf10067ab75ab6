/**
 * The image page's display image from the delivery record: a `<picture>` whose `<img>` has the
 * record's `srcset`, the page's `sizes` and the full image's `width`/`height` (so the browser
 * fetches the `display` or `large` rendition, not the full-size file), over the record's
 * placeholder while it loads; and the gallery card's image, the `card` rendition over the same
 * placeholder.
 */
import type { DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { displayImage } from './delivery-view';
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

/** The rendition a gallery card shows: `card` (the smart-cropped square), else `small`, else none. */
export function cardFile(record: DeliveryRecord): DeliveryRecord['renditions'][number] | undefined {
  return record.renditions.find((r) => r.name === 'card') ?? record.renditions.find((r) => r.name === 'small');
}

/** A card's image from the record, over its placeholder; undefined when the record has no card-sized file. */
export function cardPicture(record: DeliveryRecord): HTMLElement | undefined {
  const file = cardFile(record);
  if (!file) return undefined;
  const img = h('img', { attrs: { src: file.url, alt: '', loading: 'lazy', decoding: 'async', width: file.width, height: file.height } });
  const frame = h('div', { class: 'image-frame card-frame' });
  // The card is a square crop: the placeholder (of the whole image) fills it, cropped the same way by `cover`.
  showWithPlaceholder(frame, img, record.placeholder && { ...record.placeholder, aspectRatio: file.width / file.height });
  return frame;
}
