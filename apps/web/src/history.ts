/**
 * Reading an image's event history for the image page: one line per event, the failure of
 * an `ImageProcessingFailed`, and the sizes of the renditions and variants the pipeline
 * wrote. The `data` of each event is read defensively: fields that are missing or of
 * another type are skipped, never trusted.
 */
import type { HistoryEntry } from './api';
import { formatBytes, formatDateTime, formatDuration, formatSavings } from './format';

/** An output object the pipeline wrote (a rendition or a full-size variant). */
export interface OutputFacts {
  readonly key: string;
  readonly format?: string;
  readonly size?: number;
  readonly width?: number;
  readonly height?: number;
}

/** A failure as an `ImageProcessingFailed` event tells it. */
export interface EventFailure {
  readonly code: string;
  readonly reason: string;
  readonly stage?: string;
  readonly retryable?: boolean;
}

/** What the timeline shows of one event. */
export interface EventSummary {
  /** A short line about what happened; `''` when there is nothing to add to the name. */
  readonly summary: string;
  readonly failure?: EventFailure;
}

type Data = Readonly<Record<string, unknown>>;

function record(value: unknown): Data | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : undefined;
}
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const bool = (value: unknown) => (typeof value === 'boolean' ? value : undefined);

function outputFacts(value: unknown): OutputFacts | undefined {
  const data = record(value);
  const key = str(data?.['key']);
  if (!data || key === undefined) return undefined;
  return {
    key,
    ...(str(data['format']) !== undefined ? { format: str(data['format']) } : {}),
    ...(num(data['size']) !== undefined ? { size: num(data['size']) } : {}),
    ...(num(data['width']) !== undefined ? { width: num(data['width']) } : {}),
    ...(num(data['height']) !== undefined ? { height: num(data['height']) } : {}),
  };
}

/** `4032×3024` when both are known. */
export function dimensions(facts: { readonly width?: number; readonly height?: number }): string | undefined {
  return facts.width !== undefined && facts.height !== undefined ? `${facts.width}×${facts.height}` : undefined;
}

function latest(history: readonly HistoryEntry[], detailType: string): Data | undefined {
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const entry = history[i];
    if (entry?.detailType === detailType) return record(entry.data);
  }
  return undefined;
}

function latestIndex(history: readonly HistoryEntry[], detailType: string): number {
  for (let i = history.length - 1; i >= 0; i -= 1) if (history[i]?.detailType === detailType) return i;
  return -1;
}

/**
 * The renditions of the latest `ThumbnailsGenerated` and then those of the same run's
 * `ImageCompressed` (which carries the set's large ones, issue 13), by rendition name: each
 * name's first (primary, JPEG) file, as `thumbnails` names it. The same run's: recorded after
 * those thumbnails (they are recorded early), or before them under the run's correlation id
 * (when its thumbnails were recorded with the rest); never a previous run's while a new one's
 * thumbnails are in.
 */
export function renditionFacts(history: readonly HistoryEntry[]): ReadonlyMap<string, OutputFacts> {
  const out = new Map<string, OutputFacts>();
  const listed = (data: Data | undefined): unknown[] => (Array.isArray(data?.['renditions']) ? (data['renditions'] as unknown[]) : []);
  const t = latestIndex(history, 'ThumbnailsGenerated');
  const c = latestIndex(history, 'ImageCompressed');
  const thumbnails = history[t];
  const compressed = history[c];
  const sameRun =
    compressed !== undefined &&
    (thumbnails === undefined || c > t || (compressed.correlationId !== undefined && compressed.correlationId === thumbnails.correlationId));
  const renditions = [...listed(record(thumbnails?.data)), ...(sameRun ? listed(record(compressed.data)) : [])];
  for (const rendition of renditions) {
    const name = str(record(rendition)?.['name']);
    const facts = outputFacts(rendition);
    if (name !== undefined && facts && !out.has(name)) out.set(name, facts);
  }
  return out;
}

/** The full-size variants (WebP, AVIF, JPEG ...) of the latest `ImageCompressed`, primary first. */
export function variantFacts(history: readonly HistoryEntry[]): OutputFacts[] {
  const data = latest(history, 'ImageCompressed');
  const variants = Array.isArray(data?.['variants']) ? (data['variants'] as unknown[]) : [];
  return variants.map(outputFacts).filter((facts): facts is OutputFacts => facts !== undefined);
}

/** `N renditions: a, b` for an event's `renditions` (a rendition written in several formats, JPEG and WebP, is one name). */
function renditionNames(data: Data): string | undefined {
  const renditions = Array.isArray(data['renditions']) ? (data['renditions'] as unknown[]) : [];
  const names = [...new Set(renditions.map((r) => str(record(r)?.['name'])).filter((n): n is string => n !== undefined))];
  return names.length > 0 ? `${names.length} rendition${names.length === 1 ? '' : 's'}: ${names.join(', ')}` : undefined;
}

/** The timeline's line for one event. */
export function summarizeEvent(entry: Pick<HistoryEntry, 'detailType' | 'data'>): EventSummary {
  const data = record(entry.data) ?? {};
  const parts: string[] = [];
  const push = (part: string | undefined) => {
    if (part) parts.push(part);
  };
  switch (entry.detailType) {
    case 'ImageUploaded': {
      const original = record(data['original']) ?? {};
      push(str(original['filename']));
      push(str(data['format']));
      push(dimensions({ width: num(data['width']), height: num(data['height']) }));
      const size = num(original['size']);
      push(size !== undefined ? formatBytes(size) : undefined);
      break;
    }
    case 'ImageCompressed': {
      const size = num(data['compressedSize']);
      const savings = num(data['savingsPercent']);
      const variants = Array.isArray(data['variants']) ? data['variants'].length : undefined;
      push(size !== undefined ? formatBytes(size) : undefined);
      push(savings !== undefined ? formatSavings(savings) : undefined);
      push(variants !== undefined ? `${variants} variant${variants === 1 ? '' : 's'}` : undefined);
      // The set's large renditions (issue 13), when compress made any.
      push(renditionNames(data));
      push(num(data['processingMs']) !== undefined ? `in ${formatDuration(num(data['processingMs']))}` : undefined);
      break;
    }
    case 'ThumbnailsGenerated': {
      push(renditionNames(data));
      push(num(data['processingMs']) !== undefined ? `in ${formatDuration(num(data['processingMs']))}` : undefined);
      break;
    }
    case 'ImageProcessed': {
      const ms = num(data['processingTimeMs']);
      push(ms !== undefined ? `processed in ${formatDuration(ms)}` : undefined);
      const savings = num(data['savingsPercent']);
      push(savings !== undefined ? formatSavings(savings) : undefined);
      break;
    }
    case 'ImageVariantAdded': {
      // A follow-up step (AVIF) added one full-size variant to the run the record points at.
      const variant = record(data['variant']) ?? {};
      const format = str(variant['format']);
      push(format !== undefined ? `${format.toUpperCase()} variant added` : 'variant added');
      push(dimensions({ width: num(variant['width']), height: num(variant['height']) }));
      const bytes = num(variant['bytes']);
      push(bytes !== undefined ? formatBytes(bytes) : undefined);
      const quality = num(variant['quality']);
      push(quality !== undefined ? `quality ${quality}` : undefined);
      push(num(data['processingMs']) !== undefined ? `in ${formatDuration(num(data['processingMs']))}` : undefined);
      break;
    }
    case 'ImageProcessingFailed': {
      const failure: EventFailure = {
        code: str(data['code']) ?? 'UNKNOWN',
        reason: str(data['reason']) ?? 'No reason was recorded.',
        ...(str(data['stage']) !== undefined ? { stage: str(data['stage']) } : {}),
        ...(bool(data['retryable']) !== undefined ? { retryable: bool(data['retryable']) } : {}),
      };
      push(failure.stage ? `at ${failure.stage}` : undefined);
      return { summary: parts.join(' · '), failure };
    }
    case 'ImageDeleted': {
      const keys = Array.isArray(data['deletedKeys']) ? data['deletedKeys'].length : undefined;
      push(keys !== undefined ? `${keys} derivative${keys === 1 ? '' : 's'} removed` : undefined);
      const undoUntil = str(data['undoUntil']);
      push(undoUntil ? `restorable until ${formatDateTime(undoUntil)}` : undefined);
      break;
    }
    case 'ImageRestored':
      push('restored by its owner; processing again');
      break;
    case 'ImagePurged': {
      const purged = typeof data['purgedKeys'] === 'number' ? data['purgedKeys'] : undefined;
      push(`original erased${purged !== undefined ? ` (${purged} object${purged === 1 ? '' : 's'})` : ''}; the history keeps a tombstone`);
      break;
    }
  }
  return { summary: parts.join(' · ') };
}
