/**
 * `#/deleted`: the person's recently deleted images — deleted, still restorable — each
 * with when it was deleted, the date its original will be erased, and a Restore button.
 * A restored image leaves the list and is processed again (it reappears in the gallery).
 */
import { describeError, type ApiClient, type ImageView } from '../api';
import { announce, h, replaceChildren } from '../dom';
import { formatDateTime } from '../format';
import { imageHref } from '../router';
import { displayName } from './gallery';
import type { Page } from './page';

/** Deleted images a page of the listing asks for. */
export const DELETED_PAGE_SIZE = 50;

export interface RecentlyDeletedDeps {
  readonly api: Pick<ApiClient, 'listImages' | 'restoreImage'>;
  /** After a restore: the app re-reads the image (the gallery shows it again). */
  readonly onRestored?: (image: ImageView) => void;
}

function time(iso: string | undefined): HTMLElement | string {
  return iso ? h('time', { attrs: { datetime: iso } }, formatDateTime(iso)) : 'an unknown time';
}

export function createRecentlyDeletedPage(deps: RecentlyDeletedDeps): Page {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Recently deleted');
  const status = h('p', { class: 'muted', attrs: { role: 'status' } }, 'Loading your deleted images…');
  const message = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  const done = h('p', { class: 'notice flash', attrs: { role: 'status', hidden: true } });
  const list = h('ul', { class: 'deleted-list', attrs: { 'aria-labelledby': 'deleted-heading' } });
  const empty = h(
    'div',
    { class: 'empty', attrs: { hidden: true } },
    h('p', { class: 'empty-title' }, 'Nothing to restore'),
    h('p', {}, 'Images you delete stay here until their undo window ends; then their originals are erased.'),
  );
  const moreButton = h('button', { class: 'button', attrs: { type: 'button', hidden: true } }, 'Load more');
  const element = h(
    'div',
    { class: 'page' },
    heading,
    h(
      'p',
      { class: 'lede' },
      'A deleted image’s compressed version and thumbnails are removed at once. Until the date shown, you can restore it: it is processed again from its original. After that date the original is erased for good.',
    ),
    done,
    h(
      'section',
      { class: 'panel', attrs: { 'aria-labelledby': 'deleted-heading' } },
      h('h2', { attrs: { id: 'deleted-heading' } }, 'Deleted images'),
      status,
      message,
      empty,
      list,
      h('div', { class: 'more' }, moreButton),
    ),
  );

  const shown = new Map<string, HTMLLIElement>();
  let cursor: string | undefined;
  let loading = false;
  let loadedOnce = false;

  function renderState(): void {
    empty.hidden = !loadedOnce || shown.size > 0;
    moreButton.hidden = cursor === undefined;
    moreButton.disabled = loading;
    if (loadedOnce) status.textContent = shown.size === 0 ? '' : `${shown.size} deleted image${shown.size === 1 ? '' : 's'} can be restored${cursor ? '; there are more' : ''}`;
  }

  function item(image: ImageView): HTMLLIElement {
    const name = displayName(image);
    const restore = h('button', { class: 'button small', attrs: { type: 'button', 'aria-label': `Restore ${name}` } }, 'Restore');
    const error = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
    const li = h(
      'li',
      { class: 'deleted-item', attrs: { 'data-image-id': image.imageId } },
      h(
        'div',
        { class: 'deleted-body' },
        h('h3', { class: 'deleted-title' }, h('a', { attrs: { href: imageHref(image.imageId) } }, name)),
        h('p', { class: 'deleted-when' }, 'Deleted ', time(image.deletedAt), '. ', h('span', { class: 'erase-date' }, 'Erased after ', time(image.undoUntil), '.')),
        error,
      ),
      restore,
    );
    restore.addEventListener('click', () => void onRestore(image, name, restore, error));
    return li;
  }

  async function onRestore(image: ImageView, name: string, button: HTMLButtonElement, error: HTMLElement): Promise<void> {
    button.disabled = true;
    button.textContent = 'Restoring…';
    error.hidden = true;
    try {
      const restored = await deps.api.restoreImage(image.imageId);
      const li = shown.get(image.imageId);
      // Keep the focus in the list: on the next item's button, else on the confirmation.
      const next = li?.nextElementSibling ?? li?.previousElementSibling;
      li?.remove();
      shown.delete(image.imageId);
      replaceChildren(done, `${name} was restored and is being processed again. `, h('a', { attrs: { href: imageHref(image.imageId) } }, `View ${name}`));
      done.hidden = false;
      renderState();
      const nextButton = next?.querySelector('button');
      if (nextButton) nextButton.focus();
      else (done.querySelector('a') ?? heading).focus();
      announce(`${name} was restored.`);
      deps.onRestored?.(restored);
    } catch (cause) {
      button.disabled = false;
      button.textContent = 'Restore';
      error.textContent = `${name} could not be restored: ${describeError(cause)}`;
      error.hidden = false;
    }
  }

  async function loadPage(): Promise<void> {
    if (loading) return;
    loading = true;
    message.hidden = true;
    renderState();
    try {
      const page = await deps.api.listImages({ limit: DELETED_PAGE_SIZE, status: 'deleted', ...(cursor ? { cursor } : {}) });
      cursor = page.cursor;
      loadedOnce = true;
      for (const image of page.items) {
        if (image.status !== 'deleted' || shown.has(image.imageId)) continue;
        const li = item(image);
        shown.set(image.imageId, li);
        list.append(li);
      }
    } catch (error) {
      status.textContent = '';
      const retry = h('button', { class: 'button', attrs: { type: 'button' } }, 'Try again');
      retry.addEventListener('click', () => void loadPage());
      replaceChildren(message, `Your deleted images could not be loaded: ${describeError(error)} `, retry);
      message.hidden = false;
    } finally {
      loading = false;
      renderState();
    }
  }
  moreButton.addEventListener('click', () => void loadPage());
  void loadPage();

  return {
    element,
    title: 'Recently deleted',
    heading,
    // The server is back after a restart: a list that could not be loaded is read again.
    reconnected() {
      if (!message.hidden || !loadedOnce) void loadPage();
    },
    applyDetails(details) {
      // Restored elsewhere (another tab, the image page): no longer restorable here.
      if (details.image && details.image.status !== 'deleted') {
        shown.get(details.imageId)?.remove();
        shown.delete(details.imageId);
        renderState();
      }
    },
  };
}
