/**
 * The gallery: the person's images, newest first, each with its small thumbnail (a
 * placeholder while processing, the reason when it failed), original vs compressed size
 * and the savings; above them the total count, a name search, status and format filters
 * (kept in the URL: `#/?q=…&status=…&format=…`), and bulk selection with one delete
 * (undoable as one). Kept up to date by `upsert` from live events.
 *
 * The list API filters and counts (`GET /images?status&format&q`, `total` on the first
 * page): the gallery reads one page of matching images at a time ("Show more" reads the
 * next) and shows the server's count, never reading every page to count or filter.
 */
import { describeError, MAX_NAME_QUERY_LENGTH, type ApiClient, type ImageView, type ObjectUrls } from '../api';
import { confirmDialog } from '../confirm-dialog';
import { deletedNotice, type DeletedImage } from '../deleted-notice';
import { announce, h, replaceChildren } from '../dom';
import { formatLabel } from '../delivery-view';
import { cardPicture, processingCardPicture } from '../display-image';
import { cardRendition, earlyThumbnail, filenameFromKey, formatBytes, formatCount, formatDateTime, formatSavings } from '../format';
import { imageHref } from '../router';
import { createTaskQueue } from '../upload-queue';
import {
  countText,
  GALLERY_FORMAT_FILTERS,
  GALLERY_STATUS_FILTERS,
  galleryFilterFromHash,
  galleryHash,
  isFiltered,
  matchesFilter,
  toListFilter,
  type GalleryFilter,
} from './gallery-query';

/** Images the gallery shows at first, and adds with each "Show more". */
export const GALLERY_PAGE_SIZE = 40;
/** List calls one load or "Show more" makes at most to fill a page (a filtered page may come back short). */
const MAX_READS_PER_PAGE = 5;
/** How long the name search waits after the last keystroke before it asks the server. */
export const SEARCH_DEBOUNCE_MS = 250;
/** Deletes sent at once by a bulk delete. */
const DELETE_CONCURRENCY = 3;

export {
  countText,
  GALLERY_FORMAT_FILTERS,
  GALLERY_STATUS_FILTERS,
  galleryFilterFromHash,
  galleryHash,
  matchesFilter,
  type GalleryFilter,
} from './gallery-query';

/** How a format is named in the filter: the pipeline's label (`HEIC/HEIF`) or the name itself. */
export { formatLabel };

export interface GalleryDeps {
  readonly api: ApiClient;
  /** Where the filters are kept: the page's location (default: the window's). */
  readonly location?: { readonly hash: string; readonly pathname: string; readonly search: string };
  /** Writes the filters' fragment without a navigation (default: `history.replaceState`). */
  readonly replaceUrl?: (url: string) => void;
  /** After an Undo restored an image: the app re-reads it, so the card comes back. */
  readonly onRestored?: (imageId: string) => void;
}

export interface Gallery {
  readonly element: HTMLElement;
  /** Loads the first page of matching images and their count; again after a failure or a reconnect. */
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
  // The delivery record's `card` rendition (a smart-cropped square) over the image's placeholder.
  const fromRecord = image.status === 'deleted' || !image.delivery ? undefined : cardPicture(image.delivery);
  if (fromRecord) {
    fromRecord.querySelector('img')?.addEventListener('error', () => fromRecord.replaceWith(placeholder('none', 'No preview')), { once: true });
    return fromRecord;
  }
  const key = image.status === 'deleted' ? undefined : cardRendition(image.thumbnails);
  if (key && image.status === 'processing') {
    // Thumbnails recorded before the full-size encode ended (issue 13): shown at once, over the
    // placeholder; the `card` rendition (a square crop) when the set has one, as the record's card.
    const early = processingCardPicture(urls.objectUrl(earlyThumbnail(image.thumbnails) ?? key), image.placeholder);
    early.querySelector('img')?.addEventListener('error', () => early.replaceWith(placeholder('processing', 'Processing…')), { once: true });
    return early;
  }
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

function card(image: ImageView, urls: ObjectUrls, selection: { readonly checked: boolean; readonly onChange: (checked: boolean) => void }): HTMLLIElement {
  const name = displayName(image);
  const select = h('input', { class: 'card-checkbox', attrs: { type: 'checkbox' } });
  select.checked = selection.checked;
  select.addEventListener('change', () => selection.onChange(select.checked));
  const facts = h('dl', { class: 'facts' });
  if (image.originalSize !== undefined) facts.append(fact('Original', formatBytes(image.originalSize)));
  if (image.compressedSize !== undefined) facts.append(fact('Compressed', formatBytes(image.compressedSize)));
  if (image.savingsPercent !== undefined) facts.append(fact('Saved', formatSavings(image.savingsPercent)));

  return h(
    'li',
    { class: `card status-${image.status}`, attrs: { 'data-image-id': image.imageId } },
    h('label', { class: 'card-select' }, select, h('span', { class: 'visually-hidden' }, `Select ${name}`)),
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

export function createGallery(deps: GalleryDeps): Gallery {
  const where = deps.location ?? globalThis.location;
  const replaceUrl = deps.replaceUrl ?? ((url: string) => history.replaceState(null, '', url));
  /** The images shown: the matching ones read so far, and live additions. */
  const images = new Map<string, { view: ImageView; element: HTMLLIElement }>();
  const selected = new Set<string>();
  let filter: GalleryFilter = galleryFilterFromHash(where.hash);
  /** The server's count of the matching images, kept up to date by live changes; `undefined` until the first page. */
  let total: number | undefined;
  /** Where the next page starts; `undefined` when every matching image is read. */
  let cursor: string | undefined;
  let loadedOnce = false;
  /** Bumped by every load: an answer to an older one (a filter since changed) is dropped. */
  let generation = 0;
  let loading: Promise<void> | undefined;
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let deleting = false;

  const grid = h('ul', { class: 'gallery', attrs: { 'aria-labelledby': 'gallery-heading', 'aria-busy': 'true' } });
  const empty = h(
    'div',
    { class: 'empty', attrs: { hidden: true } },
    h('p', { class: 'empty-title' }, 'No images yet'),
    h('p', {}, 'Drop some photos on the upload area above. They appear here as soon as they are uploaded, and their thumbnails once processed.'),
  );
  const noMatch = h('p', { class: 'empty', attrs: { hidden: true } }, 'No image matches the search and filters.');
  const message = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  const status = h('p', { class: 'muted gallery-count', attrs: { role: 'status' } });
  const notices = h('div', { class: 'gallery-notices' });
  const moreButton = h('button', { class: 'button', attrs: { type: 'button', hidden: true } }, 'Show more');

  // --- filters -------------------------------------------------------------------------
  const searchInput = h('input', {
    attrs: { id: 'gallery-search', type: 'search', autocomplete: 'off', spellcheck: 'false', maxlength: String(MAX_NAME_QUERY_LENGTH) },
  });
  const statusSelect = h(
    'select',
    { attrs: { id: 'gallery-status' } },
    h('option', { attrs: { value: '' } }, 'Any status'),
    ...GALLERY_STATUS_FILTERS.map((value) => h('option', { attrs: { value } }, statusLabel(value))),
  );
  const formatSelect = h(
    'select',
    { attrs: { id: 'gallery-format' } },
    h('option', { attrs: { value: '' } }, 'Any format'),
    ...GALLERY_FORMAT_FILTERS.map((format) => h('option', { attrs: { value: format } }, formatLabel(format))),
  );
  searchInput.value = filter.search;
  statusSelect.value = filter.status;
  formatSelect.value = filter.format;
  const filters = h(
    'div',
    { class: 'gallery-filters', attrs: { role: 'search', 'aria-label': 'Your images' } },
    h('div', { class: 'field' }, h('label', { attrs: { for: 'gallery-search' } }, 'Search by name'), searchInput),
    h('div', { class: 'field' }, h('label', { attrs: { for: 'gallery-status' } }, 'Status'), statusSelect),
    h('div', { class: 'field' }, h('label', { attrs: { for: 'gallery-format' } }, 'Original format'), formatSelect),
  );

  // --- bulk selection ------------------------------------------------------------------
  const selectAll = h('input', { attrs: { id: 'gallery-select-all', type: 'checkbox' } });
  const selectedCount = h('span', { class: 'muted' });
  const deleteSelected = h('button', { class: 'button small danger', attrs: { type: 'button', disabled: true } }, 'Delete selected…');
  const clearSelection = h('button', { class: 'button small', attrs: { type: 'button', hidden: true } }, 'Clear selection');
  const bulk = h(
    'div',
    { class: 'gallery-bulk', attrs: { hidden: true } },
    h('label', { class: 'check', attrs: { for: 'gallery-select-all' } }, selectAll, ' Select all shown'),
    selectedCount,
    deleteSelected,
    clearSelection,
  );

  const element = h(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'gallery-heading' } },
    h('h2', { attrs: { id: 'gallery-heading' } }, 'Your images'),
    notices,
    filters,
    status,
    bulk,
    message,
    empty,
    noMatch,
    grid,
    h('div', { class: 'more' }, moreButton),
  );

  searchInput.addEventListener('input', () => {
    // Busy at once, so nothing reads the old results as the new search's.
    grid.setAttribute('aria-busy', 'true');
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setFilter({ search: searchInput.value }), SEARCH_DEBOUNCE_MS);
  });
  statusSelect.addEventListener('change', () => setFilter({ status: statusSelect.value as GalleryFilter['status'] }));
  formatSelect.addEventListener('change', () => setFilter({ format: formatSelect.value as GalleryFilter['format'] }));
  moreButton.addEventListener('click', () => void showMore());
  selectAll.addEventListener('change', () => {
    for (const id of images.keys()) {
      if (selectAll.checked) selected.add(id);
      else selected.delete(id);
    }
    for (const [id, entry] of images) {
      const box = entry.element.querySelector<HTMLInputElement>('input.card-checkbox');
      if (box) box.checked = selected.has(id);
    }
    renderSelection();
  });
  clearSelection.addEventListener('click', () => {
    selected.clear();
    for (const entry of images.values()) {
      const box = entry.element.querySelector<HTMLInputElement>('input.card-checkbox');
      if (box) box.checked = false;
    }
    renderSelection();
    selectAll.focus();
  });
  deleteSelected.addEventListener('click', () => void onDeleteSelected());

  /** A new filter: into the URL (no navigation), then the first page of what it matches. */
  function setFilter(change: Partial<GalleryFilter>): void {
    clearTimeout(searchTimer);
    filter = { ...filter, ...change };
    replaceUrl(`${where.pathname}${where.search}${galleryHash(filter)}`);
    void reload();
  }

  function shown(): ImageView[] {
    return [...images.values()].map((entry) => entry.view).sort(newerFirst);
  }

  function newCard(view: ImageView): HTMLLIElement {
    return card(view, deps.api, {
      checked: selected.has(view.imageId),
      onChange: (checked) => {
        if (checked) selected.add(view.imageId);
        else selected.delete(view.imageId);
        renderSelection();
      },
    });
  }

  function renderSelection(): void {
    for (const id of selected) if (!images.has(id)) selected.delete(id);
    const count = selected.size;
    selectedCount.textContent = count === 0 ? 'None selected' : `${formatCount(count)} selected`;
    deleteSelected.disabled = count === 0 || deleting;
    deleteSelected.textContent = count === 0 ? 'Delete selected…' : `Delete ${formatCount(count)} selected…`;
    clearSelection.hidden = count === 0;
    selectAll.checked = images.size > 0 && count === images.size;
    selectAll.indeterminate = count > 0 && count < images.size;
  }

  /** Puts the cards in the grid in order, moving only those out of place (focus stays where it is). */
  function render(): void {
    const visible = shown();
    const keep = new Set(visible.map((view) => view.imageId));
    for (const child of [...grid.children]) {
      const id = (child as HTMLElement).dataset['imageId'];
      if (!id || !keep.has(id) || images.get(id)?.element !== child) child.remove();
    }
    let at: Element | null = grid.firstElementChild;
    for (const view of visible) {
      const cardElement = images.get(view.imageId)?.element;
      if (!cardElement) continue;
      if (cardElement === at) at = at.nextElementSibling;
      else grid.insertBefore(cardElement, at);
    }
    const filtered = isFiltered(filter);
    const none = loadedOnce && images.size === 0;
    empty.hidden = !none || filtered;
    noMatch.hidden = !none || !filtered;
    filters.hidden = none && !filtered;
    bulk.hidden = !loadedOnce || images.size === 0;
    moreButton.hidden = cursor === undefined;
    if (loadedOnce) status.textContent = total === undefined || (none && !filtered) ? '' : countText(total, filtered);
    renderSelection();
  }

  function upsert(view: ImageView): void {
    const existing = images.get(view.imageId);
    if (!matchesFilter(view, filter)) {
      if (existing) {
        existing.element.remove();
        images.delete(view.imageId);
        selected.delete(view.imageId);
        if (total !== undefined) total = Math.max(0, total - 1);
        render();
      }
      return;
    }
    if (!existing) {
      // Not read yet: it comes with a later page, where the listing's order puts it.
      const oldest = shown().at(-1);
      if (cursor !== undefined && oldest && newerFirst(view, oldest) > 0) return;
      if (total !== undefined) total += 1;
    }
    const element = newCard(view);
    images.set(view.imageId, { view, element });
    if (existing) {
      // Keep the focus on the same control of the fresh card.
      const focused = existing.element.contains(document.activeElement) ? (document.activeElement as HTMLElement) : undefined;
      if (existing.element.isConnected) existing.element.replaceWith(element);
      if (focused) element.querySelector<HTMLElement>(focused.matches('input') ? 'input.card-checkbox' : 'a.card-link')?.focus();
    }
    render();
  }

  /**
   * Reads matching images from `from` until a page is full or the listing ends (a filtered
   * page may come back short), at most {@link MAX_READS_PER_PAGE} calls; the first page's
   * answer carries the total.
   */
  async function readPage(from: string | undefined): Promise<{ views: ImageView[]; next?: string; total?: number }> {
    const views: ImageView[] = [];
    let next = from;
    let counted: number | undefined;
    for (let read = 0; read < MAX_READS_PER_PAGE && views.length < GALLERY_PAGE_SIZE; read += 1) {
      const page = await deps.api.listImages({ limit: GALLERY_PAGE_SIZE - views.length, ...toListFilter(filter), ...(next ? { cursor: next } : {}) });
      counted ??= page.total;
      views.push(...page.items.filter((view) => view.status !== 'deleted'));
      next = page.cursor;
      if (next === undefined) break;
    }
    return { views, ...(next !== undefined ? { next } : {}), ...(counted !== undefined ? { total: counted } : {}) };
  }

  function showError(error: unknown): void {
    status.textContent = '';
    const retry = h('button', { class: 'button', attrs: { type: 'button' } }, 'Try again');
    retry.addEventListener('click', () => void load());
    replaceChildren(message, `Your images could not be loaded: ${describeError(error)} `, retry);
    message.hidden = false;
  }

  /** The first page of what the filter matches, and the count; replaces what is shown. */
  async function loadFirst(): Promise<void> {
    const mine = (generation += 1);
    message.hidden = true;
    grid.setAttribute('aria-busy', 'true');
    if (!loadedOnce) status.textContent = 'Loading your images…';
    const started = new Date().toISOString();
    try {
      const page = await readPage(undefined);
      if (mine !== generation) return;
      const seen = new Set(page.views.map((view) => view.imageId));
      for (const [id, entry] of images) {
        // A live addition made while the page was read stays; anything else not listed goes.
        if (!seen.has(id) && !(entry.view.uploadedAt >= started && matchesFilter(entry.view, filter))) {
          entry.element.remove();
          images.delete(id);
        }
      }
      for (const view of page.views) {
        const existing = images.get(view.imageId);
        // A newer copy from a live update wins over the listing's.
        if (existing && (existing.view.updatedAt ?? '') >= (view.updatedAt ?? '') && existing.view.status === view.status) continue;
        const element = newCard(view);
        if (existing?.element.isConnected) existing.element.replaceWith(element);
        images.set(view.imageId, { view, element });
      }
      cursor = page.next;
      total = page.total ?? images.size;
      loadedOnce = true;
      render();
    } catch (error) {
      if (mine === generation) showError(error);
    } finally {
      if (mine === generation) grid.setAttribute('aria-busy', 'false');
    }
  }

  /** "Show more": the next page, added below. */
  async function showMore(): Promise<void> {
    if (cursor === undefined) return;
    const mine = generation;
    moreButton.disabled = true;
    grid.setAttribute('aria-busy', 'true');
    const firstNew = images.size;
    try {
      const page = await readPage(cursor);
      if (mine !== generation) return;
      for (const view of page.views) if (!images.has(view.imageId)) images.set(view.imageId, { view, element: newCard(view) });
      cursor = page.next;
      render();
      // The first new card's link has the focus, so the next Tab goes on from there.
      const first = shown()[firstNew];
      if (first) images.get(first.imageId)?.element.querySelector<HTMLElement>('a.card-link')?.focus();
    } catch (error) {
      if (mine === generation) showError(error);
    } finally {
      moreButton.disabled = false;
      if (mine === generation) grid.setAttribute('aria-busy', 'false');
    }
  }

  function load(): Promise<void> {
    loading ??= loadFirst().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  /** After a filter change: a fresh load even while one is under way (its answer is dropped). */
  function reload(): Promise<void> {
    loading = undefined;
    return load();
  }

  // --- bulk delete ---------------------------------------------------------------------

  async function onDeleteSelected(): Promise<void> {
    const targets = [...selected].map((id) => images.get(id)?.view).filter((view): view is ImageView => view !== undefined);
    if (deleting || targets.length === 0) return;
    const confirmed = await confirmDialog({
      title: targets.length === 1 ? 'Delete this image?' : `Delete ${formatCount(targets.length)} images?`,
      body: [
        targets.length === 1 ? h('strong', {}, displayName(targets[0] as ImageView)) : `${formatCount(targets.length)} images`,
        ' lose their compressed images and thumbnails at once. One Undo restores them all; or restore them later from Recently deleted, until their undo window ends; then the originals are erased.',
      ],
      confirmLabel: 'Delete',
    });
    if (!confirmed) {
      deleteSelected.focus();
      return;
    }
    deleting = true;
    deleteSelected.textContent = 'Deleting…';
    deleteSelected.disabled = true;
    const deleted: DeletedImage[] = [];
    const failures: string[] = [];
    const queue = createTaskQueue(
      async (view: ImageView) => {
        const name = displayName(view);
        try {
          const result = await deps.api.deleteImage(view.imageId);
          deleted.push({ imageId: view.imageId, name, ...(result.undoUntil !== undefined ? { undoUntil: result.undoUntil } : {}) });
          images.get(view.imageId)?.element.remove();
          images.delete(view.imageId);
          selected.delete(view.imageId);
        } catch (error) {
          failures.push(`${name} (${describeError(error)})`);
        }
      },
      { concurrency: DELETE_CONCURRENCY },
    );
    queue.push(...targets);
    await queue.idle();
    deleting = false;
    if (total !== undefined) total = Math.max(0, total - deleted.length);
    render();
    const parts: HTMLElement[] = [];
    if (deleted.length > 0) {
      parts.push(deletedNotice(deleted, deps.api, (imageId) => deps.onRestored?.(imageId)));
      announce(`${deleted.length === 1 ? deleted[0]?.name : `${deleted.length} images`} deleted.`);
    }
    if (failures.length > 0) {
      parts.push(h('p', { class: 'error', attrs: { role: 'alert' } }, `${failures.length} could not be deleted: ${failures.join('; ')}`));
    }
    replaceChildren(notices, ...parts);
    // The notice's Undo is the next Tab stop.
    (notices.firstElementChild as HTMLElement | null)?.focus();
  }

  return {
    element,
    load,
    upsert,
    processingIds: () => [...images.values()].filter((entry) => entry.view.status === 'processing').map((entry) => entry.view.imageId),
  };
}
