/**
 * One file's way through an upload, as plain data: the client-side hints, the content
 * type to declare, the phases and the words a person reads for each. No DOM here.
 */
import { contentTypeOfExtension, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_CONTENT_TYPES } from '@imgpipe/contracts/vocabulary';
import type { ImageStatus } from './api';
import { formatBytes, formatPercent } from './format';

/**
 * `queued` -> `requesting` (asking the API for a grant) -> `uploading` (bytes to storage)
 * -> `uploaded` (stored, the pipeline has not reported yet) -> `processing` -> `processed`;
 * any step may end in `failed`.
 */
export const UPLOAD_PHASES = ['queued', 'requesting', 'uploading', 'uploaded', 'processing', 'processed', 'failed'] as const;
export type UploadPhase = (typeof UPLOAD_PHASES)[number];

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
  /** Client-side hints; the server decides. */
  readonly hints: readonly string[];
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

/**
 * Hints about a file before it is sent: the server checks the real bytes and decides, so
 * a file with a hint is uploaded anyway.
 */
export function uploadHints(file: { readonly size: number }, contentType: string): string[] {
  const hints: string[] = [];
  if (file.size === 0) hints.push('The file is empty.');
  if (!ACCEPTED_CONTENT_TYPES.includes(contentType)) {
    hints.push(
      contentType === 'application/octet-stream'
        ? 'The type of this file is unknown; it may not be an image.'
        : `${contentType} is not a format the pipeline usually accepts.`,
    );
  }
  if (file.size > DEFAULT_MAX_UPLOAD_BYTES) {
    hints.push(`It is larger than ${formatBytes(DEFAULT_MAX_UPLOAD_BYTES)}, the usual upload limit.`);
  }
  return hints;
}

/** A new entry for a file the person picked. */
export function createEntry(id: number, file: { readonly name: string; readonly size: number; readonly type: string }): UploadEntry {
  const contentType = declaredContentType(file.name, file.type);
  return {
    id,
    name: file.name,
    size: file.size,
    contentType,
    phase: 'queued',
    loaded: 0,
    hints: uploadHints(file, contentType),
  };
}

/** Whether the entry has reached an end: processed or failed. */
export function isSettled(entry: Pick<UploadEntry, 'phase'>): boolean {
  return entry.phase === 'processed' || entry.phase === 'failed';
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
  if (entry.phase !== 'uploading') return entry.phase === 'failed' && entry.loaded < entry.size ? pct(entry) : 100;
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
      return `Failed: ${entry.error ?? 'no reason given'}`;
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
  const active = entries.length - processed - failed;
  const parts = [`${processed} of ${entries.length} processed`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (active > 0) parts.push(`${active} in progress`);
  return parts.join(', ');
}
