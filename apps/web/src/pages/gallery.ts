/**
 * The gallery: the person's images, newest first, each with its small thumbnail (a
 * placeholder while processing, the reason when it failed), original vs compressed size
 * and the savings; above them the total count, a name search, status and format filters,
 * and bulk selection with one delete (undoable as one). Kept up to date by `upsert` from
 * live events.
 *
 * The count, the filters and the search are over ALL the person's images: the list API
 * pages (at most 100 a page) and has no count or filter, so the gallery reads every page
 * (the first shows at once, the rest follow) and filters here. That is one request per
 * 100 images, and honest: the count is of records read, never an estimate. A library of
 * many thousands would want a count and filters in the API instead.
 */
import { describeError, type ApiClient, type ImageView, type ObjectUrls } from '../api';
import { confirmDialog } from '../confirm-dialog';
import { deletedNotice, type DeletedImage } from '../deleted-notice';
import { announce, h, replaceChildren } from '../dom';
import { formatLabel } from '../delivery-view';
import { cardPicture } from '../display-image';
import { cardRendition, filenameFromKey, formatBytes, formatCount, formatDateTime, formatSavings } from '../format';
import { imageHref } from '../router';
import { createTaskQueue } from '../upload-queue';

/** Images a page of the listing asks for: the API's most. */
export const GALLERY_PAGE_SIZE = 100;
/** Cards rendered at first, and added by each "Show more". */
export const GALLERY_SHOW_STEP = 40;
/** Deletes sent at once by a bulk delete. */
const DELETE_CONCURRENCY = 3;

/** The statuses the gallery filters by (a deleted image is not in the gallery). */
export const GALLERY_STATUS_FILTERS = ['processing', 'processed', 'failed'] as const;

/** What the filters ask for; `''` is "any". */
export interface GalleryFilter {
  readonly search: string;
  readonly status: '' | (typeof GALLERY_STATUS_FILTERS)[number];
  readonly format: string;
}

/**
 * Whether an image passes the filter: its name contains the search (any case), its status
 * and its original's format are the ones asked for.
 *
 * @example matchesFilter(view, { search: 'harb', status: 'processed', format: '' });
 */
export function matchesFilter(image: ImageView, filter: GalleryFilter): boolean {
  const search = filter.search.trim().toLocaleLowerCase();
  if (search !== '' && !displayName(image).toLocaleLowerCase().includes(search)) return false;
  if (filter.status !== '' && image.status !== filter.status) return false;
  if (filter.format !== '' && image.format !== filter.format) return false;
  return true;
}

/** How a format is named in the filter: the pipeline's label (`HEIC/HEIF`) or the name itself. */
export { formatLabel };

/** The count line: `42 images`, or `3 of 42 images match` under a filter. */
export function countText(matching: number, total: number, filtered: boolean, complete: boolean): string {
  const images = (n: number) => `${formatCount(n)} image${n === 1 ? '' : 's'}`;
  if (!complete) return `${images(total)} so far; counting…`;
  return filtered ? `${formatCount(matching)} of ${images(total)} match` : images(total);
}

export interface GalleryDeps {
  readonly api: ApiClient;
  /** After an Undo restored an image: the app re-reads it, so the card comes back. */
  readonly onRestored?: (imageId: string) => void;
}

export interface Gallery {
  readonly element: HTMLElement;
  /** Loads every page (the first shows at once); again after a failure or a reconnect. */
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
  const images = new Map<string, { view: ImageView; element: HTMLLIElement }>();
  const selected = new Set<string>();
  let complete = false;
  let loadedOnce = false;
  let loading: Promise<void> | undefined;
  let shownLimit = GALLERY_SHOW_STEP;
  let filter: GalleryFilter = { search: '', status: '', format: '' };
  let knownFormats = '';
  let deleting = false;

  const grid = h('ul', { class: 'gallery', attrs: { 'aria-labelledby': 'gallery-heading' } });
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
  const searchInput = h('input', { attrs: { id: 'gallery-search', type: 'search', autocomplete: 'off', spellcheck: 'false' } });
  const statusSelect = h(
    'select',
    { attrs: { id: 'gallery-status' } },
    h('option', { attrs: { value: '' } }, 'Any status'),
    ...GALLERY_STATUS_FILTERS.map((value) => h('option', { attrs: { value } }, statusLabel(value))),
  );
  const formatSelect = h('select', { attrs: { id: 'gallery-format' } }, h('option', { attrs: { value: '' } }, 'Any format'));
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
    h('label', { class: 'check', attrs: { for: 'gallery-select-all' } }, selectAll, ' Select all matching'),
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

  searchInput.addEventListener('input', () => setFilter({ search: searchInput.value }));
  statusSelect.addEventListener('change', () => setFilter({ status: statusSelect.value as GalleryFilter['status'] }));
  formatSelect.addEventListener('change', () => setFilter({ format: formatSelect.value }));
  moreButton.addEventListener('click', () => {
    const first = matching()[shownLimit];
    shownLimit += GALLERY_SHOW_STEP;
    render();
    // The first new card's link has the focus, so the next Tab goes on from there.
    if (first) images.get(first.imageId)?.element.querySelector<HTMLElement>('a.card-link')?.focus();
  });
  selectAll.addEventListener('change', () => {
    for (const view of matching()) {
      if (selectAll.checked) selected.add(view.imageId);
      else selected.delete(view.imageId);
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

  function setFilter(change: Partial<GalleryFilter>): void {
    filter = { ...filter, ...change };
    shownLimit = GALLERY_SHOW_STEP;
    render();
  }

  function filtered(): boolean {
    return filter.search.trim() !== '' || filter.status !== '' || filter.format !== '';
  }

  function matching(): ImageView[] {
    return [...images.values()]
      .map((entry) => entry.view)
      .filter((view) => matchesFilter(view, filter))
      .sort(newerFirst);
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

  /** The format filter offers the formats the images have (and keeps the one chosen). */
  function renderFormats(): void {
    const formats = [...new Set([...images.values()].map((entry) => entry.view.format).filter((f): f is string => f !== undefined))].sort();
    if (filter.format !== '' && !formats.includes(filter.format)) formats.push(filter.format);
    const key = formats.join(' ');
    if (key === knownFormats) return;
    knownFormats = key;
    replaceChildren(
      formatSelect,
      h('option', { attrs: { value: '' } }, 'Any format'),
      ...formats.map((format) => h('option', { attrs: { value: format } }, formatLabel(format))),
    );
    formatSelect.value = filter.format;
  }

  function renderSelection(): void {
    for (const id of selected) if (!images.has(id)) selected.delete(id);
    const count = selected.size;
    selectedCount.textContent = count === 0 ? 'None selected' : `${formatCount(count)} selected`;
    deleteSelected.disabled = count === 0 || deleting;
    deleteSelected.textContent = count === 0 ? 'Delete selected…' : `Delete ${formatCount(count)} selected…`;
    clearSelection.hidden = count === 0;
    const shown = matching();
    const chosen = shown.filter((view) => selected.has(view.imageId)).length;
    selectAll.checked = shown.length > 0 && chosen === shown.length;
    selectAll.indeterminate = chosen > 0 && chosen < shown.length;
  }

  /** Puts the wanted cards in the grid in order, moving only those out of place (focus stays where it is). */
  function render(): void {
    const wanted = matching();
    const visible = wanted.slice(0, shownLimit);
    const keep = new Set(visible.map((view) => view.imageId));
    for (const child of [...grid.children]) {
      const id = (child as HTMLElement).dataset['imageId'];
      if (!id || !keep.has(id) || images.get(id)?.element !== child) child.remove();
    }
    let cursor: Element | null = grid.firstElementChild;
    for (const view of visible) {
      const cardElement = images.get(view.imageId)?.element;
      if (!cardElement) continue;
      if (cardElement === cursor) cursor = cursor.nextElementSibling;
      else grid.insertBefore(cardElement, cursor);
    }
    empty.hidden = !loadedOnce || images.size > 0;
    noMatch.hidden = !loadedOnce || images.size === 0 || wanted.length > 0;
    filters.hidden = !loadedOnce || images.size === 0;
    bulk.hidden = !loadedOnce || images.size === 0;
    const rest = wanted.length - visible.length;
    moreButton.hidden = rest <= 0;
    moreButton.textContent = `Show ${formatCount(Math.min(rest, GALLERY_SHOW_STEP))} more`;
    if (loadedOnce) status.textContent = images.size === 0 && complete ? '' : countText(wanted.length, images.size, filtered(), complete);
    renderFormats();
    renderSelection();
  }

  function upsert(view: ImageView): void {
    const existing = images.get(view.imageId);
    if (view.status === 'deleted') {
      existing?.element.remove();
      images.delete(view.imageId);
      selected.delete(view.imageId);
      render();
      return;
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

  /** Reads every page; images gone from the listing (deleted elsewhere meanwhile) leave. */
  async function loadAll(): Promise<void> {
    message.hidden = true;
    if (!loadedOnce) status.textContent = 'Loading your images…';
    const started = new Date().toISOString();
    const seen = new Set<string>();
    let cursor: string | undefined;
    complete = false;
    try {
      do {
        const page = await deps.api.listImages({ limit: GALLERY_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        cursor = page.cursor;
        for (const view of page.items) {
          if (view.status === 'deleted') continue;
          seen.add(view.imageId);
          const existing = images.get(view.imageId);
          if (existing && existing.view.updatedAt === view.updatedAt && existing.view.status === view.status) continue;
          upsertQuietly(view);
        }
        loadedOnce = true;
        if (cursor === undefined) {
          complete = true;
          for (const [id, entry] of images) {
            // Uploaded after this listing began: it may be newer than what the listing saw.
            if (!seen.has(id) && entry.view.uploadedAt < started) {
              entry.element.remove();
              images.delete(id);
            }
          }
        }
        render();
      } while (cursor !== undefined);
    } catch (error) {
      status.textContent = '';
      const retry = h('button', { class: 'button', attrs: { type: 'button' } }, 'Try again');
      retry.addEventListener('click', () => void load());
      replaceChildren(message, `Your images could not be loaded: ${describeError(error)} `, retry);
      message.hidden = false;
    }
  }

  function upsertQuietly(view: ImageView): void {
    const existing = images.get(view.imageId);
    const element = newCard(view);
    images.set(view.imageId, { view, element });
    if (existing?.element.isConnected) existing.element.replaceWith(element);
  }

  function load(): Promise<void> {
    loading ??= loadAll().finally(() => {
      loading = undefined;
    });
    return loading;
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
