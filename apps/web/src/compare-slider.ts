/**
 * Before/after, as image optimisers show it: the original and the optimised file stacked in
 * one frame, the optimised one clipped to the right of a divider that a labelled
 * `<input type=range>` moves (arrow keys, Page Up/Down, Home/End, or a drag), with the format and
 * size of each side beside it. The clip is a CSSOM `clip-path`, allowed by the page's CSP.
 */
import { h } from './dom';
import { formatBytes, formatSavings } from './format';
import { formatLabel } from './delivery-view';

/** One side of the comparison. */
export interface CompareSide {
  readonly url: string;
  readonly format: string;
  readonly bytes: number | undefined;
}

export interface CompareOptions {
  readonly before: CompareSide;
  readonly after: CompareSide & { readonly savingsPercent?: number };
  /** Width / height of the image: the frame keeps it while the files load. */
  readonly aspectRatio: number;
  /** The image's name, in the images' alternative texts. */
  readonly name: string;
  /** Where the divider starts, 0-100 (percent of the width showing the original). */
  readonly initial?: number;
}

/** `Original · JPEG · 4.8 MB`. */
export function sideCaption(title: string, side: CompareSide): string {
  return [title, formatLabel(side.format), side.bytes !== undefined ? formatBytes(side.bytes) : undefined].filter(Boolean).join(' · ');
}

/** What the slider's value means, read out by a screen reader instead of a bare number. */
export function compareValueText(percent: number): string {
  return `${percent}% original, ${100 - percent}% optimised`;
}

export function compareSlider(options: CompareOptions): HTMLElement {
  const initial = Math.min(100, Math.max(0, Math.round(options.initial ?? 50)));
  const beforeCaption = sideCaption('Original', options.before);
  const afterCaption = sideCaption('Optimised', options.after);
  const after = h('div', { class: 'compare-after' }, h('img', { attrs: { src: options.after.url, alt: `${options.name}, optimised: ${afterCaption}`, decoding: 'async' } }));
  const divider = h('div', { class: 'compare-divider', attrs: { 'aria-hidden': 'true' } });
  const frame = h(
    'div',
    { class: 'compare-frame' },
    h('img', { class: 'compare-before', attrs: { src: options.before.url, alt: `${options.name}, original: ${beforeCaption}`, decoding: 'async' } }),
    after,
    divider,
  );
  frame.style.aspectRatio = String(options.aspectRatio);
  frame.style.setProperty('--aspect', String(options.aspectRatio));
  const range = h('input', {
    class: 'compare-range',
    attrs: { type: 'range', id: 'compare-range', min: 0, max: 100, step: 1, value: initial },
  });
  const place = (percent: number): void => {
    after.style.clipPath = `inset(0 0 0 ${percent}%)`;
    divider.style.left = `${percent}%`;
    range.setAttribute('aria-valuetext', compareValueText(percent));
    frame.dataset['split'] = String(percent);
  };
  range.addEventListener('input', () => place(Number(range.value)));
  place(initial);
  return h(
    'div',
    { class: 'compare' },
    frame,
    h(
      'div',
      { class: 'compare-control' },
      h('label', { attrs: { for: 'compare-range' } }, 'Divider between the original (left) and the optimised file (right)'),
      range,
    ),
    h(
      'dl',
      { class: 'compare-facts' },
      h('div', { class: 'compare-side' }, h('dt', {}, 'Left: original'), h('dd', {}, beforeCaption.replace(/^Original · /, ''))),
      h(
        'div',
        { class: 'compare-side' },
        h('dt', {}, 'Right: optimised'),
        h('dd', {}, afterCaption.replace(/^Optimised · /, ''), options.after.savingsPercent !== undefined ? ` (${formatSavings(options.after.savingsPercent)})` : ''),
      ),
    ),
  );
}
