/**
 * The upload panel: a drop zone with a file picker, and a row per file with its progress
 * bar and status, from the request for a grant to the pipeline's verdict. Each row has
 * Cancel (until the bytes are stored), Retry (after a cancel or a failed upload) and
 * Remove (once it has ended). A file the pipeline would refuse (empty, too large, not an
 * accepted type) is never sent: its row says why, in the pipeline's words. Processed rows
 * fold into the summary line ("38 of 40 processed, 2 failed" and "Show 38 done"), so forty
 * uploads do not push the gallery down. It lives for the whole session, so leaving the
 * page does not lose uploads in flight.
 */
import { DEFAULT_INPUT_FORMATS, DEFAULT_MAX_UPLOAD_BYTES, INPUT_FORMAT_LABELS } from '@imgpipe/contracts/vocabulary';
import { describeError, type ApiClient, type ImageDetails } from './api';
import { announce, h, replaceChildren } from './dom';
import { earlyThumbnail, formatBytes } from './format';
import { imageHref } from './router';
import { postToStorage, StorageError } from './storage-upload';
import { createTaskQueue } from './upload-queue';
import {
  announcement,
  canCancel,
  canRetry,
  createEntry,
  grantErrorText,
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
  /**
   * An upload was stored: the app makes sure a fresh copy of the image follows (its coalesced
   * refetch, at once or after the live update's first word on it; see main.ts).
   */
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
  /** Cancel / Retry / Remove, as the phase allows. */
  readonly actions: HTMLDivElement;
  /** Which buttons `actions` holds now (re-rendered only when that changes, not per progress tick). */
  controls: string;
  /** Counts the row's attempts: a late answer to a cancelled attempt is dropped. */
  attempt: number;
  /** Aborts the current attempt's transfer. */
  controller?: AbortController;
  /** The image's details that arrived while its bytes were still going up, applied once they are stored. */
  held?: ImageDetails;
}

/** The formats and size the drop zone promises: the default input policy's, from the contracts. */
const ACCEPTED_TEXT = `${DEFAULT_INPUT_FORMATS.map((format) => INPUT_FORMAT_LABELS[format]).join(', ')}; up to ${
  DEFAULT_MAX_UPLOAD_BYTES / (1024 * 1024)
} MiB each. Many at once is fine.`;

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
    h('p', { class: 'hint' }, ACCEPTED_TEXT),
  );
  const summary = h('p', { class: 'upload-summary' });
  const list = h('ul', { class: 'upload-list', attrs: { 'aria-label': 'Uploads', id: 'upload-list' } });
  // Processed rows are folded away; this shows them again.
  const doneToggle = h('button', {
    class: 'button small',
    attrs: { type: 'button', hidden: true, 'aria-expanded': 'false', 'aria-controls': 'upload-list' },
  });
  const clearButton = h('button', { class: 'button small', attrs: { type: 'button', hidden: true } }, 'Clear finished');
  let showDone = false;
  const element = h(
    'section',
    { class: 'panel uploads', attrs: { 'aria-labelledby': 'upload-heading' } },
    h('h2', { attrs: { id: 'upload-heading' } }, 'Upload images'),
    dropZone,
    // Outside the zone: the zone's click handler clicks it, and its click must not bubble back.
    input,
    h('div', { class: 'upload-toolbar' }, summary, h('div', { class: 'upload-toolbar-actions' }, doneToggle, clearButton)),
    list,
  );

  const queue = createTaskQueue((row: Row) => runUpload(row), {
    concurrency: UPLOAD_CONCURRENCY,
    onError: (error, item) => {
      const row = item as Row;
      update(row, { phase: 'failed', failedAt: 'upload', error: describeError(error) });
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
  doneToggle.addEventListener('click', () => {
    showDone = !showDone;
    for (const row of rows.values()) renderVisibility(row);
    renderSummary();
  });

  function renderSummary(): void {
    const entries = [...rows.values()].map((row) => row.entry);
    summary.textContent = summarize(entries);
    clearButton.hidden = !entries.some(isSettled);
    const done = entries.filter((entry) => entry.phase === 'processed').length;
    doneToggle.hidden = done === 0;
    doneToggle.textContent = showDone ? `Hide ${done} done` : `Show ${done} done`;
    doneToggle.setAttribute('aria-expanded', String(showDone));
  }

  /** A processed row is folded into the summary unless the person asked to see them. */
  function renderVisibility(row: Row): void {
    row.element.hidden = row.entry.phase === 'processed' && !showDone;
  }

  function controlButton(label: string, row: Row, onClick: () => void): HTMLButtonElement {
    const button = h(
      'button',
      { class: 'button small', attrs: { type: 'button' } },
      label,
      h('span', { class: 'visually-hidden' }, ` ${row.entry.name}`),
    );
    button.addEventListener('click', onClick);
    return button;
  }

  function renderControls(row: Row): void {
    const { entry } = row;
    const wanted = [canCancel(entry) ? 'cancel' : '', canRetry(entry) ? 'retry' : '', isSettled(entry) ? 'remove' : ''].join(' ');
    if (wanted === row.controls) return;
    row.controls = wanted;
    const hadFocus = row.actions.contains(document.activeElement);
    replaceChildren(
      row.actions,
      canCancel(entry) ? controlButton('Cancel', row, () => cancel(row)) : null,
      canRetry(entry) ? controlButton('Retry', row, () => retry(row)) : null,
      isSettled(entry) ? controlButton('Remove', row, () => remove(row)) : null,
    );
    // The button that had the focus went with the phase: keep the focus in the row, or
    // on the summary's toggle when the row folded away.
    if (hadFocus) {
      const next = row.element.hidden ? undefined : row.actions.querySelector('button');
      (next ?? (doneToggle.hidden ? chooseButton : doneToggle)).focus();
    }
  }

  function cancel(row: Row): void {
    if (!canCancel(row.entry)) return;
    row.attempt += 1; // a grant or transfer still answering is for an attempt that no longer counts
    row.controller?.abort();
    update(row, { phase: 'cancelled' });
  }

  function retry(row: Row): void {
    if (!canRetry(row.entry)) return;
    const { error: _error, failedAt: _failedAt, imageId: _imageId, ...rest } = row.entry;
    row.entry = { ...rest, phase: 'queued', loaded: 0 };
    renderRow(row);
    renderSummary();
    announce(announcement(row.entry));
    queue.push(row);
  }

  function remove(row: Row): void {
    const next = row.element.nextElementSibling ?? row.element.previousElementSibling;
    row.element.remove();
    rows.delete(row.entry.id);
    renderSummary();
    announce(`${row.entry.name} removed from the list`);
    const nextButton = next instanceof HTMLElement && !next.hidden ? next.querySelector('button') : null;
    (nextButton ?? chooseButton).focus();
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
    renderVisibility(row);
    renderControls(row);
  }

  function phaseOf(row: Row): UploadEntry['phase'] {
    return row.entry.phase;
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
    // Cancelled while it waited, or the session ended.
    if (controller.signal.aborted || row.entry.phase !== 'queued') return;
    const attempt = row.attempt;
    const current = () => row.attempt === attempt && !controller.signal.aborted;
    const transfer = new AbortController();
    row.controller = transfer;
    update(row, { phase: 'requesting' });
    let grant;
    try {
      grant = await deps.api.createUpload({ filename: row.file.name, contentType: row.entry.contentType, bytes: row.file.size });
    } catch (error) {
      if (current()) update(row, { phase: 'failed', failedAt: 'upload', error: grantErrorText(error) });
      return;
    }
    if (!current()) return; // cancelled while the grant was on its way: it expires unused
    update(row, { phase: 'uploading', imageId: grant.imageId, loaded: 0 });
    try {
      await postToStorage(grant, row.file, {
        signal: transfer.signal,
        onProgress: (loaded) => {
          if (current()) update(row, { loaded });
        },
      });
    } catch (error) {
      if (current()) {
        update(row, { phase: 'failed', failedAt: 'upload', error: error instanceof StorageError ? storageErrorText(error) : describeError(error) });
      }
      return;
    }
    if (!current()) return;
    // The pipeline may have finished before this line runs; ask once, live events do the rest.
    // Read through a call: TypeScript still holds `row.entry.phase` narrowed to 'queued' from the
    // guard above, although update() and the awaits have moved it on since.
    if (phaseOf(row) === 'uploading') update(row, { phase: 'uploaded', loaded: row.file.size });
    // The live update of the upload may have come before the storage's answer (held meanwhile).
    const held = row.held?.imageId === grant.imageId ? row.held : undefined; // not a failed attempt's
    row.held = undefined;
    // Told already: the rest comes as it happens.
    if (held) applyDetails(held);
    else deps.refresh(grant.imageId);
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
      const actions = h('div', { class: 'upload-actions' });
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
        extra,
        actions,
      );
      const row: Row = { entry, file, element, progress, status, extra, actions, controls: '', attempt: 0 };
      rows.set(entry.id, row);
      list.prepend(element);
      renderRow(row);
      if (entry.phase === 'queued') added.push(row);
      else announce(announcement(entry));
    }
    renderSummary();
    if (added.length > 0) announce(`${added.length} file${added.length === 1 ? '' : 's'} added to the upload queue`);
    queue.push(...added);
  }

  function applyDetails(details: ImageDetails): void {
    for (const row of rows.values()) {
      if (row.entry.imageId !== details.imageId) continue;
      // Bytes still going up: the upload's own outcome decides first; a cancelled or failed
      // transfer stored nothing the pipeline could report on.
      const { phase, failedAt } = row.entry;
      if (phase === 'uploading' && details.image) row.held = details;
      if (!(phase === 'uploaded' || phase === 'processing' || phase === 'processed' || (phase === 'failed' && failedAt === 'pipeline'))) continue;
      const image = details.image;
      if (!image) continue; // recorded history, projection not caught up yet
      const failed = image.status === 'failed' || image.status === 'deleted';
      const reason = image.failure
        ? `${image.failure.reason} (${image.failure.code})`
        : image.status === 'deleted'
          ? 'The image was deleted.'
          : undefined;
      // The gallery's early card shows the same file: one request for both.
      const thumbnailKey = earlyThumbnail(image.thumbnails);
      update(row, {
        phase: phaseForStatus(image.status),
        ...(failed ? { failedAt: 'pipeline' as const } : {}),
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
      for (const row of rows.values()) row.controller?.abort();
    },
  };
}
