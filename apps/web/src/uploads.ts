/**
 * The upload panel: a drop zone with a file picker, and a row per file with its progress
 * bar and status, from the request for a grant to the pipeline's verdict. It lives for
 * the whole session, so leaving the page does not lose uploads in flight.
 */
import { describeError, type ApiClient, type ImageDetails } from './api';
import { announce, h, replaceChildren } from './dom';
import { cardRendition, formatBytes } from './format';
import { imageHref } from './router';
import { postToStorage, StorageError } from './storage-upload';
import { createTaskQueue } from './upload-queue';
import {
  announcement,
  createEntry,
  isSettled,
  phaseForStatus,
  phaseText,
  progressPercent,
  summarize,
  type UploadEntry,
} from './upload-model';

/** Uploads at once: enough to fill a link, few enough that each file shows progress. */
export const UPLOAD_CONCURRENCY = 3;

export interface UploadsDeps {
  readonly api: ApiClient;
  /** Asks for a fresh copy of an image (the app's coalesced refetch). */
  readonly refresh: (imageId: string) => void;
}

export interface Uploads {
  /** The panel; attach it wherever the page wants it. */
  readonly element: HTMLElement;
  addFiles(files: readonly File[]): void;
  /** A fresh copy of an image arrived (from a live event or a poll). */
  applyDetails(details: ImageDetails): void;
  /** Image ids uploaded this session that have not reached an end yet. */
  pendingImageIds(): string[];
  /** Cancels uploads in flight (on sign-out). */
  dispose(): void;
}

interface Row {
  entry: UploadEntry;
  readonly file: File;
  readonly element: HTMLLIElement;
  readonly progress: HTMLProgressElement;
  readonly status: HTMLParagraphElement;
  readonly extra: HTMLDivElement;
}

function storageErrorText(error: StorageError): string {
  return error.status === 0 ? error.message : `Storage refused the upload: ${error.message} (${error.code})`;
}

export function createUploads(deps: UploadsDeps): Uploads {
  const rows = new Map<number, Row>();
  const controller = new AbortController();
  let nextId = 1;

  const input = h('input', {
    class: 'visually-hidden',
    attrs: { type: 'file', multiple: true, accept: 'image/*', tabindex: -1, 'aria-hidden': 'true', id: 'file-input' },
  });
  const chooseButton = h('button', { class: 'button primary', attrs: { type: 'button' } }, 'Choose images…');
  const dropZone = h(
    'div',
    { class: 'dropzone' },
    h('p', { class: 'dropzone-title' }, 'Drag and drop images here'),
    h('p', {}, 'or'),
    chooseButton,
    h('p', { class: 'hint' }, 'JPEG, PNG, WebP, GIF, AVIF, TIFF or HEIC, usually up to 25 MiB each. Many at once is fine.'),
  );
  const summary = h('p', { class: 'upload-summary' });
  const clearButton = h('button', { class: 'button', attrs: { type: 'button', hidden: true } }, 'Clear finished');
  const list = h('ul', { class: 'upload-list', attrs: { 'aria-label': 'Uploads' } });
  const element = h(
    'section',
    { class: 'panel uploads', attrs: { 'aria-labelledby': 'upload-heading' } },
    h('h2', { attrs: { id: 'upload-heading' } }, 'Upload images'),
    dropZone,
    // Outside the zone: the zone's click handler clicks it, and its click must not bubble back.
    input,
    h('div', { class: 'upload-toolbar' }, summary, clearButton),
    list,
  );

  const queue = createTaskQueue((row: Row) => runUpload(row), {
    concurrency: UPLOAD_CONCURRENCY,
    onError: (error, item) => {
      const row = item as Row;
      update(row, { phase: 'failed', error: describeError(error) });
    },
  });

  // Clicking anywhere in the zone (or the button, by mouse or keyboard) opens the picker.
  dropZone.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    addFiles([...(input.files ?? [])]);
    input.value = '';
  });
  dropZone.addEventListener('dragenter', (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    dropZone.classList.add('dragging');
  });
  dropZone.addEventListener('dragleave', (event) => {
    if (!(event.relatedTarget instanceof Node) || !dropZone.contains(event.relatedTarget)) {
      dropZone.classList.remove('dragging');
    }
  });
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    addFiles([...(event.dataTransfer?.files ?? [])]);
  });
  clearButton.addEventListener('click', () => {
    for (const [id, row] of rows) {
      if (isSettled(row.entry)) {
        row.element.remove();
        rows.delete(id);
      }
    }
    renderSummary();
    chooseButton.focus();
  });

  function renderSummary(): void {
    const entries = [...rows.values()].map((row) => row.entry);
    summary.textContent = summarize(entries);
    clearButton.hidden = !entries.some(isSettled);
  }

  function renderRow(row: Row): void {
    const { entry } = row;
    row.element.dataset['phase'] = entry.phase;
    row.progress.value = progressPercent(entry);
    row.progress.setAttribute('aria-valuetext', `${progressPercent(entry)}% uploaded`);
    row.status.textContent = phaseText(entry);
    const thumb = entry.thumbnailKey
      ? h('img', { class: 'upload-thumb', attrs: { src: deps.api.objectUrl(entry.thumbnailKey), alt: '', width: 48, height: 48 } })
      : null;
    const link =
      entry.imageId && entry.phase !== 'queued' && entry.phase !== 'requesting' && entry.phase !== 'uploading'
        ? h('a', { attrs: { href: imageHref(entry.imageId) } }, 'View image', h('span', { class: 'visually-hidden' }, ` ${entry.name}`))
        : null;
    replaceChildren(row.extra, thumb, link);
  }

  function update(row: Row, change: Partial<UploadEntry>): void {
    const before = row.entry.phase;
    row.entry = { ...row.entry, ...change };
    renderRow(row);
    if (row.entry.phase !== before) {
      announce(announcement(row.entry));
      renderSummary();
    }
  }

  async function runUpload(row: Row): Promise<void> {
    if (controller.signal.aborted) return;
    update(row, { phase: 'requesting' });
    let grant;
    try {
      grant = await deps.api.createUpload({ filename: row.file.name, contentType: row.entry.contentType, bytes: row.file.size });
    } catch (error) {
      update(row, { phase: 'failed', error: describeError(error) });
      return;
    }
    update(row, { phase: 'uploading', imageId: grant.imageId, loaded: 0 });
    try {
      await postToStorage(grant, row.file, {
        signal: controller.signal,
        onProgress: (loaded) => update(row, { loaded }),
      });
    } catch (error) {
      update(row, { phase: 'failed', error: error instanceof StorageError ? storageErrorText(error) : describeError(error) });
      return;
    }
    // The pipeline may have finished before this line runs; ask once, live events do the rest.
    if (row.entry.phase === 'uploading') update(row, { phase: 'uploaded', loaded: row.file.size });
    deps.refresh(grant.imageId);
  }

  function addFiles(files: readonly File[]): void {
    if (files.length === 0) return;
    const added: Row[] = [];
    for (const file of files) {
      const entry = createEntry(nextId++, file);
      const progress = h('progress', {
        attrs: { max: 100, value: 0, 'aria-label': `Upload progress of ${file.name}` },
      });
      const status = h('p', { class: 'upload-status' });
      const extra = h('div', { class: 'upload-extra' });
      const element = h(
        'li',
        { class: 'upload' },
        h(
          'div',
          { class: 'upload-head' },
          h('span', { class: 'upload-name' }, file.name),
          h('span', { class: 'upload-size' }, formatBytes(file.size)),
        ),
        progress,
        status,
        entry.hints.length > 0
          ? h('ul', { class: 'upload-hints', attrs: { 'aria-label': `Hints about ${file.name}` } }, ...entry.hints.map((hint) => h('li', {}, hint)))
          : null,
        extra,
      );
      const row: Row = { entry, file, element, progress, status, extra };
      rows.set(entry.id, row);
      renderRow(row);
      list.prepend(element);
      added.push(row);
    }
    renderSummary();
    announce(`${files.length} file${files.length === 1 ? '' : 's'} added to the upload queue`);
    queue.push(...added);
  }

  function applyDetails(details: ImageDetails): void {
    for (const row of rows.values()) {
      if (row.entry.imageId !== details.imageId) continue;
      // Bytes still going up: the upload's own outcome decides first.
      if (row.entry.phase === 'uploading' || row.entry.phase === 'requesting') continue;
      const image = details.image;
      if (!image) continue; // recorded history, projection not caught up yet
      const failed = image.status === 'failed' || image.status === 'deleted';
      const reason = image.failure
        ? `${image.failure.reason} (${image.failure.code})`
        : image.status === 'deleted'
          ? 'The image was deleted.'
          : undefined;
      const thumbnailKey = cardRendition(image.thumbnails);
      update(row, {
        phase: phaseForStatus(image.status),
        ...(failed && reason ? { error: reason } : {}),
        ...(thumbnailKey ? { thumbnailKey } : {}),
      });
    }
  }

  return {
    element,
    addFiles,
    applyDetails,
    pendingImageIds() {
      return [...rows.values()]
        .filter((row) => row.entry.imageId !== undefined && (row.entry.phase === 'uploaded' || row.entry.phase === 'processing'))
        .map((row) => row.entry.imageId as string);
    },
    dispose() {
      controller.abort();
    },
  };
}
