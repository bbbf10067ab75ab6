/**
 * The gallery: the person's images, newest first, a page at a time, each with its small
 * thumbnail (a placeholder while processing, the reason when it failed), original vs
 * compressed size and the savings. Kept up to date by `upsert` from live events.
 */
import { describeError, type ApiClient, type ImageView, type ObjectUrls } from '../api';
import { h, replaceChildren } from '../dom';
import { cardRendition, filenameFromKey, formatBytes, formatDateTime, formatSavings } from '../format';
import { imageHref } from '../router';

/** Images a page of the listing asks for. */
export const GALLERY_PAGE_SIZE = 20;

export interface Gallery {
  readonly element: HTMLElement;
  /** Loads the first page. */
  load(): Promise<void>;
  /** Shows a fresh copy of an image: replaces its card, adds it, or removes a deleted one. */
  upsert(image: ImageView): void;
  /** Shown images still processing. */
  processingIds(): string[];
}

/** The status badge's words. */
export function statusLabel(status: ImageView['status']): string {
  switch (status) {
    case 'processing':
      return 'Processing';
    case 'processed':
      return 'Processed';
    case 'failed':
      return 'Failed';
    case 'deleted':
      return 'Deleted';
  }
}

/** The name a person knows the image by: the uploaded file's name, else its id. */
export function displayName(image: Pick<ImageView, 'originalKey' | 'imageId'>): string {
  return filenameFromKey(image.originalKey) ?? image.imageId;
}

/** `a` before `b` when `a` is newer (the listing's order). */
function newerFirst(a: ImageView, b: ImageView): number {
  if (a.uploadedAt !== b.uploadedAt) return a.uploadedAt < b.uploadedAt ? 1 : -1;
  return a.imageId < b.imageId ? 1 : a.imageId > b.imageId ? -1 : 0;
}

function placeholder(kind: 'processing' | 'failed' | 'none', text: string): HTMLElement {
  return h(
    'div',
    { class: `placeholder placeholder-${kind}` },
    kind === 'processing' ? h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }) : null,
    h('span', {}, text),
  );
}

/** The media part of a card: the thumbnail, or a placeholder saying why there is none. */
export function cardMedia(image: ImageView, urls: ObjectUrls): HTMLElement {
  const key = image.status === 'deleted' ? undefined : cardRendition(image.thumbnails);
  if (key) {
    const img = h('img', { attrs: { src: urls.objectUrl(key), alt: '', loading: 'lazy', decoding: 'async' } });
    img.addEventListener('error', () => img.replaceWith(placeholder('none', 'No preview')), { once: true });
    return img;
  }
  if (image.status === 'failed') return placeholder('failed', 'Failed');
  if (image.status === 'processing') return placeholder('processing', 'Processing…');
  return placeholder('none', 'No preview');
}

function fact(term: string, value: string): HTMLElement {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

function card(image: ImageView, urls: ObjectUrls): HTMLLIElement {
  const name = displayName(image);
  const facts = h('dl', { class: 'facts' });
  if (image.originalSize !== undefined) facts.append(fact('Original', formatBytes(image.originalSize)));
  if (image.compressedSize !== undefined) facts.append(fact('Compressed', formatBytes(image.compressedSize)));
  if (image.savingsPercent !== undefined) facts.append(fact('Saved', formatSavings(image.savingsPercent)));

  return h(
    'li',
    { class: `card status-${image.status}`, attrs: { 'data-image-id': image.imageId } },
    h('div', { class: 'card-media' }, cardMedia(image, urls)),
    h(
      'div',
      { class: 'card-body' },
      h('h3', { class: 'card-title' }, h('a', { class: 'card-link', attrs: { href: imageHref(image.imageId) } }, name)),
      h('p', { class: `badge badge-${image.status}` }, statusLabel(image.status)),
      image.failure
        ? h('p', { class: 'failure-reason' }, h('strong', {}, image.failure.code), ' ', image.failure.reason)
        : null,
      facts.childElementCount > 0 ? facts : null,
      h('p', { class: 'card-time' }, h('time', { attrs: { datetime: image.uploadedAt } }, formatDateTime(image.uploadedAt))),
    ),
  );
}

export function createGallery(deps: { readonly api: ApiClient }): Gallery {
  const images = new Map<string, { view: ImageView; element: HTMLLIElement }>();
  let cursor: string | undefined;
  let loadedOnce = false;
  let loading = false;

  const grid = h('ul', { class: 'gallery', attrs: { 'aria-labelledby': 'gallery-heading' } });
  const empty = h(
    'div',
    { class: 'empty', attrs: { hidden: true } },
    h('p', { class: 'empty-title' }, 'No images yet'),
    h('p', {}, 'Drop some photos on the upload area above. They appear here as soon as they are uploaded, and their thumbnails once processed.'),
  );
  const message = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  const status = h('p', { class: 'muted', attrs: { role: 'status' } });
  const moreButton = h('button', { class: 'button', attrs: { type: 'button', hidden: true } }, 'Load more');
  const element = h(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'gallery-heading' } },
    h('h2', { attrs: { id: 'gallery-heading' } }, 'Your images'),
    status,
    message,
    empty,
    grid,
    h('div', { class: 'more' }, moreButton),
  );

  moreButton.addEventListener('click', () => void loadPage());

  function sortedViews(): ImageView[] {
    return [...images.values()].map((entry) => entry.view).sort(newerFirst);
  }

  function renderState(): void {
    empty.hidden = !loadedOnce || images.size > 0 || loading;
    moreButton.hidden = cursor === undefined;
    moreButton.disabled = loading;
    moreButton.textContent = loading && loadedOnce ? 'Loading…' : 'Load more';
    if (loadedOnce) {
      status.textContent =
        images.size === 0 ? '' : `${images.size} image${images.size === 1 ? '' : 's'} shown${cursor ? '; there are more' : ''}`;
    }
  }

  /** Puts `view`'s card at its place in the order. */
  function place(view: ImageView, element: HTMLLIElement): void {
    const order = sortedViews();
    const next = order[order.findIndex((v) => v.imageId === view.imageId) + 1];
    const nextElement = next ? images.get(next.imageId)?.element : undefined;
    grid.insertBefore(element, nextElement ?? null);
  }

  function upsert(view: ImageView): void {
    const existing = images.get(view.imageId);
    if (view.status === 'deleted') {
      existing?.element.remove();
      images.delete(view.imageId);
      renderState();
      return;
    }
    if (!existing) {
      // Older than everything loaded while more pages remain: "Load more" will bring it.
      const oldest = sortedViews().at(-1);
      if (cursor !== undefined && oldest && newerFirst(view, oldest) > 0) return;
    }
    const element = card(view, deps.api);
    images.set(view.imageId, { view, element });
    if (existing) existing.element.replaceWith(element);
    else place(view, element);
    renderState();
  }

  async function loadPage(): Promise<void> {
    if (loading) return;
    loading = true;
    message.hidden = true;
    if (!loadedOnce) status.textContent = 'Loading your images…';
    renderState();
    try {
      const page = await deps.api.listImages({ limit: GALLERY_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      cursor = page.cursor;
      loadedOnce = true;
      for (const view of page.items) {
        if (view.status === 'deleted') continue;
        const element = card(view, deps.api);
        const existing = images.get(view.imageId);
        images.set(view.imageId, { view, element });
        if (existing) existing.element.replaceWith(element);
        else grid.append(element);
      }
    } catch (error) {
      status.textContent = '';
      const retry = h('button', { class: 'button', attrs: { type: 'button' } }, 'Try again');
      retry.addEventListener('click', () => void loadPage());
      replaceChildren(message, `Your images could not be loaded: ${describeError(error)} `, retry);
      message.hidden = false;
    } finally {
      loading = false;
      renderState();
    }
  }

  return {
    element,
    load: loadPage,
    upsert,
    processingIds: () => [...images.values()].filter((entry) => entry.view.status === 'processing').map((entry) => entry.view.imageId),
  };
}
