/** `#/`: the upload panel above the gallery. */
import type { ApiClient } from '../api';
import { h } from '../dom';
import type { Uploads } from '../uploads';
import { createGallery } from './gallery';
import type { Page } from './page';

export interface HomePageDeps {
  readonly api: ApiClient;
  readonly uploads: Uploads;
  readonly userName: string;
  /** After the gallery's Undo restored an image: the app re-reads it. */
  readonly onRestored?: (imageId: string) => void;
}

export function createHomePage(deps: HomePageDeps): Page {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Your images');
  const gallery = createGallery({ api: deps.api, ...(deps.onRestored ? { onRestored: deps.onRestored } : {}) });
  const element = h(
    'div',
    { class: 'page' },
    heading,
    h('p', { class: 'lede' }, 'Upload photos; the pipeline compresses them and makes thumbnails. Everything here updates by itself.'),
    deps.uploads.element,
    gallery.element,
  );
  void gallery.load();
  return {
    element,
    title: 'Upload and gallery',
    heading,
    applyDetails(details) {
      if (details.image) gallery.upsert(details.image);
    },
    watchedImageIds: () => gallery.processingIds(),
    // After a server restart the list may have failed to load, or changed: read it again.
    reconnected: () => void gallery.load(),
    dispose() {
      // The upload panel outlives the page: detach it so the next home page can adopt it.
      deps.uploads.element.remove();
    },
  };
}
