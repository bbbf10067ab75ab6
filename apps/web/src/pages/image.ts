/**
 * One image: the image at display size over its placeholder, the "Use this image" panel and
 * the before/after comparison (all from its delivery record), every rendition with its size, the facts,
 * the event history as a timeline (failures with their code and reason) and a delete
 * button behind a confirmation.
 */
import { ApiError, describeError, type ApiClient, type ObjectUrls, type HistoryEntry, type ImageDetails, type ImageView } from '../api';
import { confirmDialog } from '../confirm-dialog';
import { announce, h, replaceChildren } from '../dom';
import {
  formatBytes,
  formatDateTime,
  formatDuration,
  formatOffset,
  formatSavings,
  sortRenditionNames,
} from '../format';
import { dimensions, renditionFacts, summarizeEvent, variantFacts, type OutputFacts } from '../history';
import { displayName, statusLabel } from './gallery';
import type { Page } from './page';
import type { DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { compareSection, createOriginalAccess } from '../original-file';
import { displayPicture } from '../display-image';
import { showWithPlaceholder } from '../placeholder';
import { servedAsText } from '../delivery-view';
import { useImagePanel } from '../use-image-panel';

export interface ImagePageDeps {
  readonly api: ApiClient;
  /** After a successful delete (the app goes back to the gallery and offers Undo until `undoUntil`). */
  readonly onDeleted: (image: { readonly imageId: string; readonly name: string; readonly undoUntil?: string }) => void;
}

function fact(term: string, value: string | undefined): HTMLElement | null {
  return value === undefined ? null : h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

function outputCaption(facts: OutputFacts | undefined): string {
  if (!facts) return '';
  return [facts.format?.toUpperCase(), dimensions(facts), facts.size !== undefined ? formatBytes(facts.size) : undefined]
    .filter((part): part is string => part !== undefined)
    .join(' · ');
}

function timeline(history: readonly HistoryEntry[]): HTMLElement {
  if (history.length === 0) return h('p', { class: 'muted' }, 'No events recorded yet.');
  const first = history[0]?.occurredAt ?? '';
  return h(
    'ol',
    { class: 'timeline' },
    ...history.map((entry, index) => {
      const { summary, failure } = summarizeEvent(entry);
      return h(
        'li',
        { class: `timeline-item${failure ? ' timeline-failure' : ''}` },
        h('h3', { class: 'timeline-title' }, entry.detailType),
        h(
          'p',
          { class: 'timeline-meta' },
          h('time', { attrs: { datetime: entry.occurredAt } }, formatDateTime(entry.occurredAt)),
          index > 0 ? ` (${formatOffset(first, entry.occurredAt)})` : null,
          ' · ',
          entry.source,
        ),
        summary ? h('p', { class: 'timeline-summary' }, summary) : null,
        failure
          ? h(
              'dl',
              { class: 'failure-facts' },
              h('div', {}, h('dt', {}, 'Code'), h('dd', {}, failure.code)),
              failure.stage ? h('div', {}, h('dt', {}, 'Stage'), h('dd', {}, failure.stage)) : null,
              h('div', {}, h('dt', {}, 'Reason'), h('dd', {}, failure.reason)),
              failure.retryable !== undefined
                ? h('div', {}, h('dt', {}, 'Retryable'), h('dd', {}, failure.retryable ? 'yes' : 'no'))
                : null,
            )
          : null,
      );
    }),
  );
}

function renditions(image: ImageView, history: readonly HistoryEntry[], urls: ObjectUrls): HTMLElement | null {
  const thumbnails = image.thumbnails ?? {};
  const names = sortRenditionNames(Object.keys(thumbnails));
  if (names.length === 0 || image.status === 'deleted') return null;
  const facts = renditionFacts(history);
  return h(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'renditions-heading' } },
    h('h2', { attrs: { id: 'renditions-heading' } }, 'Renditions'),
    h(
      'ul',
      { class: 'renditions' },
      ...names.map((name) => {
        const key = thumbnails[name] ?? '';
        const info = facts.get(name);
        return h(
          'li',
          {},
          h(
            'figure',
            { class: 'rendition' },
            h('a', { attrs: { href: urls.objectUrl(key) } }, h('img', {
              attrs: {
                src: urls.objectUrl(key),
                alt: `${name} rendition`,
                loading: 'lazy',
                ...(info?.width ? { width: info.width } : {}),
                ...(info?.height ? { height: info.height } : {}),
              },
            })),
            h('figcaption', {}, h('strong', {}, name), ' ', outputCaption(info)),
          ),
        );
      }),
    ),
  );
}

function fullSize(image: ImageView, history: readonly HistoryEntry[], name: string, urls: ObjectUrls): HTMLElement | null {
  if (image.status === 'deleted') return null;
  if (image.delivery) return displaySection(image.delivery, name);
  if (image.status === 'processing') return earlyPreview(image, history, name, urls);
  if (!image.compressedKey) return null;
  // An image processed before the delivery record (ImageProcessed v1): its full-size file as it was shown then.
  const variants = variantFacts(history);
  return h(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'full-heading' } },
    h('h2', { attrs: { id: 'full-heading' } }, 'Full size'),
    h(
      'figure',
      { class: 'full-size' },
      h('img', {
        attrs: {
          // Its stored primary variant: the CDN negotiates only versioned URLs that name their formats (issue 11).
          src: urls.objectUrl(image.compressedKey),
          alt: `${name}, compressed full-size image`,
          ...(image.width ? { width: image.width } : {}),
          ...(image.height ? { height: image.height } : {}),
        },
      }),
    ),
    variants.length > 0
      ? h(
          'ul',
          { class: 'variants', attrs: { 'aria-label': 'Full-size variants' } },
          ...variants.map((variant) =>
            h('li', {}, h('a', { attrs: { href: urls.objectUrl(variant.key) } }, variant.format?.toUpperCase() ?? variant.key), ' ', outputCaption({ ...variant, format: undefined })),
          ),
        )
      : null,
  );
}

/**
 * While the full-size encode runs (issue 13): the largest rendition the thumbnails recorded
 * early name, over the record's placeholder; nothing before the thumbnails are recorded.
 */
function earlyPreview(image: ImageView, history: readonly HistoryEntry[], name: string, urls: ObjectUrls): HTMLElement | null {
  const thumbnails = image.thumbnails ?? {};
  const facts = renditionFacts(history);
  const names = Object.keys(thumbnails).filter((n) => n !== 'card');
  const largest = names.sort((a, b) => (facts.get(b)?.width ?? 0) - (facts.get(a)?.width ?? 0))[0];
  const key = largest === undefined ? undefined : thumbnails[largest];
  if (!key) return null;
  const info = largest === undefined ? undefined : facts.get(largest);
  const img = h('img', {
    attrs: {
      src: urls.objectUrl(key),
      alt: `${name}, preview while the full-size image is made`,
      decoding: 'async',
      ...(info?.width ? { width: info.width } : {}),
      ...(info?.height ? { height: info.height } : {}),
    },
  });
  const frame = h('div', { class: 'image-frame', attrs: { 'data-early': '' } });
  showWithPlaceholder(frame, img, image.placeholder);
  return h(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'full-heading' } },
    h('h2', { attrs: { id: 'full-heading' } }, 'Preview'),
    h('figure', { class: 'full-size' }, frame),
  );
}

/** The image at display size (from the record's srcset, over its placeholder) and how it is served. */
function displaySection(record: DeliveryRecord, name: string): HTMLElement {
  return h(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'full-heading' } },
    h('h2', { attrs: { id: 'full-heading' } }, 'Image'),
    h(
      'figure',
      { class: 'full-size' },
      displayPicture(record, name),
      h('figcaption', { class: 'muted served-as' }, servedAsText(record)),
    ),
  );
}

function factsPanel(details: ImageDetails, image: ImageView): HTMLElement {
  return h(
    'dl',
    { class: 'facts facts-wide' },
    fact('Status', statusLabel(image.status)),
    fact('Uploaded', formatDateTime(image.uploadedAt)),
    fact('Original', image.originalSize !== undefined ? formatBytes(image.originalSize) : undefined),
    fact('Format', image.format?.toUpperCase()),
    fact('Dimensions', dimensions(image)),
    fact('Compressed', image.compressedSize !== undefined ? formatBytes(image.compressedSize) : undefined),
    fact('Saved', image.savingsPercent !== undefined ? formatSavings(image.savingsPercent) : undefined),
    fact('Processing time', image.processingTimeMs !== undefined ? formatDuration(image.processingTimeMs) : undefined),
    fact('Deleted', image.deletedAt ? formatDateTime(image.deletedAt) : undefined),
    fact('Image id', details.imageId),
  );
}

/** A confirmation dialog; resolves true when the person confirms. */
function confirmDelete(name: string): Promise<boolean> {
  return confirmDialog({
    title: 'Delete this image?',
    body: [
      'The compressed image and thumbnails of ',
      h('strong', {}, name),
      ' are removed at once. You can undo the delete, or restore the image later from Recently deleted, until its undo window ends; then the original is erased.',
    ],
    confirmLabel: 'Delete',
  });
}

export function createImagePage(imageId: string, deps: ImagePageDeps): Page {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Image');
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted', attrs: { role: 'status' } }, 'Loading the image…'));
  const element = h(
    'div',
    { class: 'page' },
    h('p', {}, h('a', { class: 'back-link', attrs: { href: '#/' } }, '← All images')),
    heading,
    body,
  );
  let deleting = false;
  let latest: ImageDetails | undefined;
  // The original: its signed URL asked for only when a button needs it (see original-file.ts).
  const original = createOriginalAccess(deps.api, imageId);

  function render(details: ImageDetails): void {
    if (latest && JSON.stringify(latest) === JSON.stringify(details)) return;
    const statusBefore = latest?.image?.status;
    const focusWasInside = body.contains(document.activeElement);
    latest = details;
    const image = details.image;
    const name = image ? displayName(image) : details.imageId;
    heading.textContent = name;
    document.title = `${name} · imgpipe`;

    const deleteButton = h('button', { class: 'button danger', attrs: { type: 'button' } }, 'Delete image…');
    deleteButton.addEventListener('click', () => void onDelete(name, deleteButton));
    const canDelete = image !== null && image.status !== 'deleted';

    replaceChildren(
      body,
      image
        ? h('p', {}, h('span', { class: `badge badge-${image.status}` }, statusLabel(image.status)))
        : h('p', { class: 'notice' }, 'The pipeline has recorded this upload but has not summarised it yet; the history below is up to date.'),
      image?.failure
        ? h(
            'div',
            { class: 'failure-box' },
            h('h2', {}, 'Processing failed'),
            h('p', {}, image.failure.reason),
            h('p', { class: 'muted' }, `Code ${image.failure.code}, at the ${image.failure.stage} stage.`),
          )
        : null,
      image?.status === 'deleted' ? deletedPanel(image, name) : null,
      image?.status === 'processing' ? h('p', { class: 'notice' }, 'Still processing; this page updates by itself.') : null,
      image ? fullSize(image, details.history, name, deps.api) : null,
      image?.delivery && image.status !== 'deleted' ? useImagePanel({ record: image.delivery, name, downloadOriginal: () => original.download() }) : null,
      image?.delivery && image.status !== 'deleted' ? compareSection(image, image.delivery, name, original) : null,
      image ? renditions(image, details.history, deps.api) : null,
      image
        ? h(
            'section',
            { class: 'panel', attrs: { 'aria-labelledby': 'facts-heading' } },
            h('h2', { attrs: { id: 'facts-heading' } }, 'Details'),
            factsPanel(details, image),
          )
        : null,
      h(
        'section',
        { class: 'panel', attrs: { 'aria-labelledby': 'history-heading' } },
        h('h2', { attrs: { id: 'history-heading' } }, 'Event history'),
        timeline(details.history),
      ),
      canDelete ? h('div', { class: 'actions' }, deleteButton) : null,
    );
    // A live update rebuilt the content under the focus: keep it on the page, not lost to <body>.
    if (focusWasInside) heading.focus();
    if (statusBefore !== undefined && image && image.status !== statusBefore) {
      announce(`${name}: ${statusLabel(image.status)}${image.failure ? `: ${image.failure.reason}` : ''}`);
    }
  }

  /** A deleted image: until when it can be restored, and a Restore button while it can. */
  function deletedPanel(image: ImageView, name: string): HTMLElement {
    const restorable = image.undoUntil !== undefined && Date.parse(image.undoUntil) > Date.now();
    if (!restorable) return h('p', { class: 'notice' }, 'This image was deleted. Its history is kept.');
    const restore = h('button', { class: 'button small', attrs: { type: 'button' } }, 'Restore');
    const error = h('span', { class: 'error', attrs: { role: 'alert', hidden: true } });
    restore.addEventListener('click', () => {
      restore.disabled = true;
      restore.textContent = 'Restoring…';
      deps.api.restoreImage(imageId).then(
        () => {
          announce(`${name} was restored and is being processed again.`);
          void deps.api.getImage(imageId).then(render, () => undefined);
        },
        (cause: unknown) => {
          restore.disabled = false;
          restore.textContent = 'Restore';
          error.textContent = `${name} could not be restored: ${describeError(cause)}`;
          error.hidden = false;
        },
      );
    });
    return h(
      'div',
      { class: 'notice undo-notice' },
      h('p', {}, 'This image was deleted. You can restore it until ', h('time', { attrs: { datetime: image.undoUntil ?? '' } }, formatDateTime(image.undoUntil ?? '')), '; then its original is erased.'),
      restore,
      error,
    );
  }

  function renderError(error: unknown): void {
    const notFound = error instanceof ApiError && error.status === 404;
    heading.textContent = notFound ? 'Image not found' : 'The image could not be loaded';
    replaceChildren(
      body,
      h(
        'p',
        { class: 'error', attrs: { role: 'alert' } },
        notFound ? 'There is no image with this id among yours.' : describeError(error),
      ),
      h('p', {}, h('a', { attrs: { href: '#/' } }, 'Back to your images')),
    );
  }

  async function onDelete(name: string, button: HTMLButtonElement): Promise<void> {
    if (deleting || !(await confirmDelete(name))) {
      button.focus();
      return;
    }
    deleting = true;
    button.disabled = true;
    button.textContent = 'Deleting…';
    try {
      const { undoUntil } = await deps.api.deleteImage(imageId);
      deps.onDeleted({ imageId, name, ...(undoUntil !== undefined ? { undoUntil } : {}) });
    } catch (error) {
      button.disabled = false;
      button.textContent = 'Delete image…';
      const message = h('p', { class: 'error', attrs: { role: 'alert' } }, `The image could not be deleted: ${describeError(error)}`);
      button.parentElement?.append(message);
      announce(`The image could not be deleted: ${describeError(error)}`);
    } finally {
      deleting = false;
    }
  }

  void deps.api.getImage(imageId).then(render, (error: unknown) => {
    if (!latest) renderError(error);
  });

  return {
    element,
    title: 'Image',
    heading,
    showsHistory: true,
    applyDetails(details) {
      if (details.imageId === imageId && !deleting) render(details);
    },
    watchedImageIds: () => [imageId],
  };
}
