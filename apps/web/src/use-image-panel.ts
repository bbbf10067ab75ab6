/**
 * The image page's "Use this image" panel (issue 11, item 6), built from the delivery record
 * only: per full-size variant and rendition its size, a Copy URL button and a download link;
 * the `srcset` of each format and the `<picture>` snippet, shown as code with a Copy button;
 * and the original, for its owner, through `GET /images/{id}/original` (a short-lived signed
 * URL asked for when a button is pressed, never before).
 */
import type { DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { copyButton } from './copy-button';
import { panelFiles, srcsetSnippets, formatLabel, baseName } from './delivery-view';
import { describeError } from './api';
import { announce, h, VISUALLY_HIDDEN } from './dom';
import { formatBytes } from './format';

export interface UsePanelOptions {
  readonly record: DeliveryRecord;
  /** The image's display name (its uploaded file name): download names derive from it. */
  readonly name: string;
  /**
   * Downloads the original (see original-file.ts); rejects with an error whose message a
   * person can read. Absent: no original button (an image whose original is gone).
   */
  readonly downloadOriginal?: () => Promise<void>;
}

/** The URL as a page elsewhere can use it: a root-relative one (the local runtime's `/cdn/...`) resolved against this page. */
function absoluteUrl(url: string): string {
  return new URL(url, document.baseURI).href;
}

function snippet(id: string, title: string, text: string, what: string): HTMLElement {
  const code = h('code', { attrs: { id } }, text);
  return h(
    'div',
    { class: 'snippet' },
    h(
      'div',
      { class: 'snippet-head' },
      h('h3', { attrs: { id: `${id}-title` } }, title),
      copyButton({ label: 'Copy', context: title, what, text: () => text, selectOnFailure: () => code }),
    ),
    // Focusable, so a keyboard user can scroll a long line and select it.
    h('pre', { class: 'snippet-code', attrs: { tabindex: 0, 'aria-labelledby': `${id}-title` } }, code),
  );
}

export function useImagePanel(options: UsePanelOptions): HTMLElement {
  const { record, name } = options;
  const files = panelFiles(record, name);
  const rows = files.map((entry) =>
    h(
      'tr',
      { attrs: { 'data-file': entry.slug } },
      h('th', { attrs: { scope: 'row' } }, entry.label),
      h('td', {}, `${entry.file.width} × ${entry.file.height}`),
      h('td', { class: 'numeric' }, formatBytes(entry.file.bytes)),
      h(
        'td',
        { class: 'file-actions' },
        copyButton({ label: 'Copy URL', context: `of ${entry.label}`, what: `the URL of ${entry.label}`, text: () => absoluteUrl(entry.file.url) }),
        ' ',
        h('a', { class: 'button small', attrs: { href: entry.file.url, download: entry.downloadName } }, 'Download', h('span', { class: VISUALLY_HIDDEN }, ` ${entry.label}`)),
      ),
    ),
  );

  let original: HTMLElement | null = null;
  if (options.downloadOriginal) {
    const download = options.downloadOriginal;
    const button = h('button', { class: 'button small', attrs: { type: 'button' } }, 'Download the original');
    const status = h('span', { class: 'muted', attrs: { role: 'status' } });
    button.addEventListener('click', () => {
      button.disabled = true;
      status.textContent = 'Preparing the download…';
      download().then(
        () => {
          status.textContent = '';
          announce(`The original of ${name} is downloading.`);
        },
        (error: unknown) => {
          status.textContent = `The original could not be downloaded: ${describeError(error)}`;
        },
      ).finally(() => {
        button.disabled = false;
      });
    });
    original = h('p', { class: 'original-download' }, button, ' ', status);
  }

  return h(
    'section',
    { class: 'panel use-image', attrs: { 'aria-labelledby': 'use-heading' } },
    h('h2', { attrs: { id: 'use-heading' } }, 'Use this image'),
    h('p', { class: 'muted' }, 'Every URL below is immutable: a reprocess writes new ones, so they can be cached for a year.'),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'files' },
        h('caption', { class: 'visually-hidden' }, `Files of ${name}`),
        h('thead', {}, h('tr', {}, h('th', { attrs: { scope: 'col' } }, 'File'), h('th', { attrs: { scope: 'col' } }, 'Pixels'), h('th', { attrs: { scope: 'col' } }, 'Size'), h('th', { attrs: { scope: 'col' } }, 'Actions'))),
        h('tbody', {}, ...rows),
      ),
    ),
    original,
    ...srcsetSnippets(record).map(({ format, text }) =>
      snippet(`snippet-srcset-${format}`, `srcset (${formatLabel(format)})`, text, `the ${formatLabel(format)} srcset`),
    ),
    snippet('snippet-picture', '<picture> element', record.picture, 'the <picture> element'),
    h('p', { class: 'muted' }, `Edit the snippet's sizes (100vw) to the width the image takes on your page, and its alt to describe ${baseName(name)}.`),
  );
}
