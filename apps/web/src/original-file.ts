/**
 * The original, for its owner: `GET /images/{id}/original` answers a short-lived signed URL
 * and the file's name (`OriginalDownload`), asked for only when a button needs it.
 * - Download: the bytes are fetched into a `blob:` URL and saved under the file name by an
 *   `<a download>` (which names a file only on a same-origin or `blob:` URL; on the signed,
 *   cross-origin URL it would navigate the app away). Both runtimes' originals buckets allow
 *   GET from the UI's origins (CORS), so this works on AWS and under `npm start` alike. Where
 *   a fetch still fails, the signed URL opens in a new tab: it answers with
 *   `Content-Disposition: attachment` under the same name (signed into the URL by the API),
 *   so the browser saves it rather than navigating.
 * - Before/after: the bytes are fetched once and shown from a `blob:` URL, which the local
 *   runtime's CSP allows (`img-src 'self' data: blob:`, not the storage origin) and which
 *   outlives the signed URL. Where a cross-origin read fails, the `<img>` loads the signed
 *   URL itself (the AWS UI's CSP allows `img-src https:`).
 */
import type { DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { describeError, type ApiClient, type ImageView } from './api';
import { compareSlider } from './compare-slider';
import { announce, h, replaceChildren } from './dom';
import { formatLabel } from './delivery-view';

/** The original as the comparison shows it. */
export interface OriginalFile {
  /** A `blob:` URL of its bytes, or the signed URL itself when storage refuses a cross-origin read. */
  readonly src: string;
  readonly bytes: number | undefined;
  readonly format: string | undefined;
}

export interface OriginalAccess {
  /** The original for the comparison, fetched once (later calls share it). Rejects with an `ApiError`. */
  load(): Promise<OriginalFile>;
  /** Saves the original (a fresh signed URL each time: an earlier one may have expired). */
  download(): Promise<void>;
  /** The file once loaded (a re-render of the page shows the comparison again without asking). */
  readonly loaded: OriginalFile | undefined;
  /** Whether the person opened the comparison (kept across re-renders of the page). */
  compareOpen: boolean;
}

/** Formats a browser shows in an `<img>`: the comparison needs one (a TIFF or HEIF original is offered for download only). */
const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'avif', 'gif']);

/** The bytes behind `url` as a `blob:` URL; undefined when storage refuses a cross-origin read (or answers an error). */
async function blobUrlOf(url: string): Promise<{ readonly objectUrl: string; readonly size: number } | undefined> {
  try {
    const response = await fetch(url);
    if (!response.ok) return undefined;
    const blob = await response.blob();
    return { objectUrl: URL.createObjectURL(blob), size: blob.size };
  } catch {
    return undefined;
  }
}

/** Clicks a link that is never in view. */
function follow(attrs: Readonly<Record<string, string>>): void {
  const anchor = h('a', { attrs: { ...attrs, hidden: true } });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

export function createOriginalAccess(api: Pick<ApiClient, 'getOriginal'>, imageId: string): OriginalAccess {
  let pending: Promise<OriginalFile> | undefined;
  const access: OriginalAccess = {
    loaded: undefined,
    compareOpen: false,
    load() {
      pending ??= (async () => {
        const link = await api.getOriginal(imageId);
        const blob = await blobUrlOf(link.url);
        // Without a cross-origin read, the <img> loads the signed URL itself.
        const file = { src: blob?.objectUrl ?? link.url, bytes: link.bytes ?? blob?.size, format: link.format };
        (access as { loaded: OriginalFile | undefined }).loaded = file;
        return file;
      })();
      // A failure is not kept: the next press asks again.
      pending.catch(() => (pending = undefined));
      return pending;
    },
    async download() {
      const link = await api.getOriginal(imageId);
      const filename = link.filename ?? 'original';
      const kept = access.loaded?.src.startsWith('blob:') ? access.loaded.src : undefined;
      const blob = kept ?? (await blobUrlOf(link.url))?.objectUrl;
      // `download` names the file only on a same-origin or `blob:` URL; a cross-origin one
      // would replace the app, so without a readable copy the original opens in a new tab
      // (its Content-Disposition: attachment saves it under the same name).
      if (blob) follow({ href: blob, download: filename });
      else follow({ href: link.url, target: '_blank', rel: 'noopener' });
      if (blob && blob !== kept) setTimeout(() => URL.revokeObjectURL(blob), 60_000);
    },
  };
  return access;
}

/** "Before and after": a button that loads the original, then the comparison slider. */
export function compareSection(image: ImageView, record: DeliveryRecord, name: string, original: OriginalAccess): HTMLElement {
  const body = h('div', { class: 'compare-body' });
  const aspectRatio = record.placeholder?.aspectRatio ?? (image.width && image.height ? image.width / image.height : 4 / 3);
  const show = (file: OriginalFile, focus: boolean): void => {
    replaceChildren(
      body,
      compareSlider({
        before: { url: file.src, format: file.format ?? image.format ?? 'original', bytes: file.bytes ?? image.originalSize },
        after: { url: record.served.url, format: record.served.format, bytes: record.served.bytes, savingsPercent: record.served.savingsPercent },
        aspectRatio,
        name,
      }),
    );
    if (focus) body.querySelector<HTMLInputElement>('input[type=range]')?.focus();
  };
  const section = h(
    'section',
    { class: 'panel', attrs: { 'aria-labelledby': 'compare-heading' } },
    h('h2', { attrs: { id: 'compare-heading' } }, 'Before and after'),
    body,
  );
  if (image.format !== undefined && !BROWSER_FORMATS.has(image.format)) {
    replaceChildren(body, h('p', { class: 'muted' }, `The original is ${formatLabel(image.format)}, which browsers do not show; download it from Use this image.`));
    return section;
  }
  if (original.compareOpen && original.loaded) {
    show(original.loaded, false);
    return section;
  }
  const button = h('button', { class: 'button', attrs: { type: 'button' } }, 'Compare with the original');
  const status = h('p', { class: 'muted', attrs: { role: 'status' } });
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Loading the original…';
    original.load().then(
      (file) => {
        original.compareOpen = true;
        show(file, true);
        announce('The comparison is shown: move the divider with the arrow keys.');
      },
      (error: unknown) => {
        button.disabled = false;
        status.textContent = `The original could not be loaded: ${describeError(error)}`;
      },
    );
  });
  replaceChildren(body, h('p', {}, 'The original beside the file the page serves, with a divider you can move.'), button, status);
  return section;
}
