/**
 * One file's way through an upload, as plain data: the client-side hints, the content
 * type to declare, the phases and the words a person reads for each. No DOM here.
 */
import {
  contentTypeOfExtension,
  DEFAULT_INPUT_FORMATS,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_UPLOAD_CONTENT_TYPES,
  inputFormatOfContentType,
  UPLOAD_REFUSALS,
  type InvalidImageCode,
} from '@imgpipe/contracts/vocabulary';
import { ApiError, describeError, type ImageStatus } from './api';
import { formatPercent } from './format';

/**
 * `queued` -> `requesting` (asking the API for a grant) -> `uploading` (bytes to storage)
 * -> `uploaded` (stored, the pipeline has not reported yet) -> `processing` -> `processed`;
 * any step may end in `failed`; the first three in `cancelled` (the person's Cancel).
 */
export const UPLOAD_PHASES = ['queued', 'requesting', 'uploading', 'uploaded', 'processing', 'processed', 'failed', 'cancelled'] as const;
export type UploadPhase = (typeof UPLOAD_PHASES)[number];

/**
 * Where a failed entry failed: `refused` before it was sent (the file cannot be an upload:
 * empty, too large, not an accepted type), `upload` on its way to storage (the grant or the
 * bytes: trying again may work), `pipeline` the pipeline's verdict on the stored image.
 */
export type FailedAt = 'refused' | 'upload' | 'pipeline';

export interface UploadEntry {
  /** Unique within the page. */
  readonly id: number;
  readonly name: string;
  readonly size: number;
  /** The content type declared to the API. */
  readonly contentType: string;
  readonly phase: UploadPhase;
  /** Bytes sent to storage so far. */
  readonly loaded: number;
  /** Set once the API granted the upload. */
  readonly imageId?: string;
  /** Why it failed, for a person, with the code when there is one. */
  readonly error?: string;
  /** Set while `phase` is `failed`. */
  readonly failedAt?: FailedAt;
  /** Key of the small thumbnail once processed. */
  readonly thumbnailKey?: string;
}

/** The types the pipeline accepts by default (every format but SVG): the contracts' list, which ingest's presign binds. */
export const ACCEPTED_CONTENT_TYPES: readonly string[] = DEFAULT_UPLOAD_CONTENT_TYPES;

/** The default upload limit (the input policy's `maxBytes`, from the contracts); the server may be configured otherwise. */
export { DEFAULT_MAX_UPLOAD_BYTES };

/** Names some systems give JPEG and HEIC besides the registered ones. */
const ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/heic-sequence': 'image/heic',
  'image/heif-sequence': 'image/heif',
};

/**
 * The content type to declare for a file: the browser's (normalised) when it gave one,
 * else one guessed from the extension (browsers leave HEIC's empty on many systems), else
 * `application/octet-stream`, which the server will refuse with its own words.
 *
 * @example declaredContentType('IMG_0001.HEIC', ''); // 'image/heic'
 */
export function declaredContentType(filename: string, browserType: string): string {
  const type = browserType.trim().toLowerCase();
  if (type !== '') return ALIASES[type] ?? type;
  const dot = filename.lastIndexOf('.');
  const extension = dot >= 0 ? filename.slice(dot + 1).toLowerCase() : '';
  return contentTypeOfExtension(extension) ?? 'application/octet-stream';
}

/** Why a file is refused before it is sent: the pipeline's code and its words. */
export interface Refusal {
  readonly code: InvalidImageCode;
  readonly message: string;
}

/**
 * The refusal the pipeline would give this file, checked before asking for a grant, with
 * the pipeline's own words (the contracts' `UPLOAD_REFUSALS`) and its order of checks:
 * empty, too large, then the format (here the declared type; the pipeline sniffs the bytes
 * of whatever passes). The limits are the default input policy's, as the drop zone says.
 *
 * @example preflightRefusal({ size: 0 }, 'image/jpeg'); // { code: 'EMPTY', message: 'The file is empty.' }
 */
export function preflightRefusal(file: { readonly size: number }, contentType: string): Refusal | undefined {
  if (file.size <= 0) return { code: 'EMPTY', message: UPLOAD_REFUSALS.empty() };
  if (file.size > DEFAULT_MAX_UPLOAD_BYTES) {
    return { code: 'TOO_LARGE', message: UPLOAD_REFUSALS.tooLarge(file.size, DEFAULT_MAX_UPLOAD_BYTES) };
  }
  const format = inputFormatOfContentType(contentType);
  if (format === undefined) return { code: 'UNSUPPORTED_FORMAT', message: UPLOAD_REFUSALS.unrecognised(DEFAULT_INPUT_FORMATS) };
  if (!DEFAULT_INPUT_FORMATS.includes(format)) {
    return { code: 'UNSUPPORTED_FORMAT', message: UPLOAD_REFUSALS.notAccepted(format, DEFAULT_INPUT_FORMATS) };
  }
  return undefined;
}

/**
 * What to tell a person when asking for a grant failed. A deployment configured with other
 * limits than the defaults may still refuse a file that passed {@link preflightRefusal}; its
 * validation text ("bytes: must be at least 1") is for developers, so the field it names
 * is said in words instead (by code and field, never by matching the message).
 */
export function grantErrorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'TOO_LARGE') return 'The file is larger than this deployment’s upload limit. (TOO_LARGE)';
    if (error.code === 'INVALID_REQUEST' && error.fields.includes('bytes')) return `${UPLOAD_REFUSALS.empty()} (EMPTY)`;
    if (error.code === 'INVALID_REQUEST' && error.fields.includes('contentType')) {
      return 'This deployment does not accept files of this type. (UNSUPPORTED_FORMAT)';
    }
  }
  return describeError(error);
}

/** A new entry for a file the person picked: queued, or failed at once when the pipeline would refuse it. */
export function createEntry(id: number, file: { readonly name: string; readonly size: number; readonly type: string }): UploadEntry {
  const contentType = declaredContentType(file.name, file.type);
  const refusal = preflightRefusal(file, contentType);
  return {
    id,
    name: file.name,
    size: file.size,
    contentType,
    phase: refusal ? 'failed' : 'queued',
    loaded: 0,
    ...(refusal ? { error: `${refusal.message} (${refusal.code})`, failedAt: 'refused' as const } : {}),
  };
}

/** Whether the entry has reached an end: processed, failed or cancelled. */
export function isSettled(entry: Pick<UploadEntry, 'phase'>): boolean {
  return entry.phase === 'processed' || entry.phase === 'failed' || entry.phase === 'cancelled';
}

/** Whether Cancel applies: the file has not reached storage yet. */
export function canCancel(entry: Pick<UploadEntry, 'phase'>): boolean {
  return entry.phase === 'queued' || entry.phase === 'requesting' || entry.phase === 'uploading';
}

/**
 * Whether Retry applies: cancelled, or failed on its way to storage. A refused file would
 * be refused again, and the pipeline's verdict is on the bytes, which a retry does not change.
 */
export function canRetry(entry: Pick<UploadEntry, 'phase' | 'failedAt'>): boolean {
  return entry.phase === 'cancelled' || (entry.phase === 'failed' && entry.failedAt === 'upload');
}

/** The phase an image's read-model status puts an uploaded entry in. */
export function phaseForStatus(status: ImageStatus): UploadPhase {
  switch (status) {
    case 'processing':
      return 'processing';
    case 'processed':
      return 'processed';
    case 'failed':
    case 'deleted':
      return 'failed';
  }
}

/** Upload progress from 0 to 100. */
export function progressPercent(entry: Pick<UploadEntry, 'loaded' | 'size' | 'phase'>): number {
  if (entry.phase === 'queued' || entry.phase === 'requesting') return 0;
  if (entry.phase !== 'uploading') {
    return (entry.phase === 'failed' || entry.phase === 'cancelled') && entry.loaded < entry.size ? pct(entry) : 100;
  }
  return pct(entry);
}

function pct(entry: Pick<UploadEntry, 'loaded' | 'size'>): number {
  if (entry.size <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((entry.loaded / entry.size) * 100)));
}

/** What the entry's status line says. */
export function phaseText(entry: UploadEntry): string {
  switch (entry.phase) {
    case 'queued':
      return 'Waiting to upload';
    case 'requesting':
      return 'Asking for an upload link';
    case 'uploading':
      return `Uploading, ${formatPercent(progressPercent(entry), 0)}`;
    case 'uploaded':
      return 'Uploaded; waiting for the pipeline';
    case 'processing':
      return 'Processing';
    case 'processed':
      return 'Processed';
    case 'failed':
      return `${entry.failedAt === 'refused' ? 'Not uploaded' : 'Failed'}: ${entry.error ?? 'no reason given'}`;
    case 'cancelled':
      return 'Cancelled';
  }
}

/** A sentence for a screen reader when an entry changes phase (never for progress ticks). */
export function announcement(entry: UploadEntry): string {
  return `${entry.name}: ${phaseText(entry)}`;
}

/** Counts by phase, for the summary line ("3 of 10 processed, 1 failed"). */
export function summarize(entries: readonly UploadEntry[]): string {
  if (entries.length === 0) return '';
  const count = (phase: UploadPhase) => entries.filter((e) => e.phase === phase).length;
  const processed = count('processed');
  const failed = count('failed');
  const cancelled = count('cancelled');
  const active = entries.length - processed - failed - cancelled;
  const parts = [`${processed} of ${entries.length} processed`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (cancelled > 0) parts.push(`${cancelled} cancelled`);
  if (active > 0) parts.push(`${active} in progress`);
  return parts.join(', ');
}
