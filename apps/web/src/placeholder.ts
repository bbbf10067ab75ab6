/**
 * The placeholder an image shows while it loads (the delivery record's `placeholder`): the
 * ThumbHash decoded in the browser to a PNG data URL (`thumbhash`'s own decoder, ~1 kB), over
 * the dominant colour, in a frame of the record's aspect ratio so nothing moves when the image
 * arrives. The page's CSP allows `img-src data:`; the styles are set through the CSSOM, which
 * `style-src 'self'` allows (a `style` attribute it would refuse).
 */
import { thumbHashToDataURL } from 'thumbhash';
import type { DeliveryPlaceholder } from '@imgpipe/contracts/delivery-record';

/** The ThumbHash (standard base64) as a PNG data URL; undefined when it does not decode. */
export function thumbHashDataUrl(thumbHash: string): string | undefined {
  try {
    const binary = atob(thumbHash);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return thumbHashToDataURL(bytes);
  } catch {
    return undefined;
  }
}

/** What a frame shows while its image loads: `thumbhash`, `colour` (no or an undecodable hash) or `none`. */
export type PlaceholderKind = 'thumbhash' | 'colour' | 'none';

/**
 * Puts `img` (or the `content` holding it) in `frame` over its placeholder: the frame gets the aspect ratio, the dominant
 * colour and the decoded ThumbHash as its background, and `data-placeholder` says which
 * (`thumbhash`/`colour`/`none`; the browser tests read it). Once the image has loaded, the
 * background goes (a transparent PNG must not show a blur through it) and the frame is marked
 * `data-loaded`.
 */
export function showWithPlaceholder(
  frame: HTMLElement,
  img: HTMLImageElement,
  placeholder: DeliveryPlaceholder | undefined,
  /** What goes in the frame: the image, or the `<picture>` holding it. */
  content: HTMLElement = img,
): PlaceholderKind {
  let kind: PlaceholderKind = 'none';
  if (placeholder) {
    frame.style.aspectRatio = String(placeholder.aspectRatio);
    frame.style.setProperty('--aspect', String(placeholder.aspectRatio));
    frame.style.backgroundColor = placeholder.dominantColour;
    kind = 'colour';
    const dataUrl = thumbHashDataUrl(placeholder.thumbHash);
    if (dataUrl) {
      frame.style.backgroundImage = `url("${dataUrl}")`;
      kind = 'thumbhash';
    }
  }
  frame.dataset['placeholder'] = kind;
  const loaded = (): void => {
    frame.style.backgroundImage = '';
    frame.style.backgroundColor = '';
    frame.dataset['loaded'] = '';
  };
  if (img.complete && img.naturalWidth > 0) loaded();
  else img.addEventListener('load', loaded, { once: true });
  frame.append(content);
  return kind;
}
