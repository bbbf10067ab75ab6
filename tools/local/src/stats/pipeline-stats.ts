import type { DashboardStats, ImageRecordView, ImageStatus } from '@imgpipe/contracts/views';
import { FOLD_DECISION_KEYS, foldImageEvent, foldRecord, parseStoredEvent, pickFoldState, type FoldOptions, type ImageFoldState, type PipelineEvent } from '@imgpipe/contracts';
import type { BusEvent } from '../bus/bus-event';

export type { DashboardStats, ImageStatus };

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** The keys of an image's fold state the figures read ({@link figuresOf}, {@link PipelineStats.snapshot}). */
const FIGURE_KEYS = ['status', 'processingTimeMs', 'originalSize', 'compressedSize', 'failure'] as const satisfies readonly (keyof ImageFoldState)[];
type FigureKey = (typeof FIGURE_KEYS)[number];

/** What the figures read of one image's fold: a change here is a change of the figures. */
function figuresOf(state: Pick<ImageFoldState, FigureKey> | undefined): string {
  if (!state) return '';
  const { status, processingTimeMs, originalSize, compressedSize, failure } = state;
  return JSON.stringify([status, processingTimeMs, originalSize, compressedSize, failure?.code]);
}

/** The event as the fold reads it; `undefined` for anything that is not an imgpipe event its contract accepts. */
function parse(event: Pick<BusEvent, 'detail-type' | 'detail'>): PipelineEvent | undefined {
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return undefined;
  try {
    return parseStoredEvent({ detailType: event['detail-type'], detail: detail as Record<string, unknown> });
  } catch {
    return undefined; // S3 notifications, audit-only events, a malformed event: not the figures' business
  }
}

/**
 * What the figures keep of an image that is no longer `processing` (processed, failed, deleted):
 * - `FOLD_DECISION_KEYS`: what metadata's fold reads to decide a later event (contracts' fold.ts),
 *   so the image's status after any later event is the one the whole state would give;
 * - {@link FIGURE_KEYS}: what the figures read of it.
 * No identity: the map's key is the image id, and nothing reads a settled state's `imageId`,
 * owner or dates (the record of an image processing again is not told, see `resumedFromSettled`).
 * Everything else of the state is the record (renditions, delivery, placeholder, the last
 * upload's data), which the fold only copies forward; kept for every image ever seen it grew the
 * runtime's heap without bound. Serialized by V8, a settled image of a whole run (renditions and
 * delivery record) is 121 bytes instead of 4,304 (pipeline-stats.spec.ts prints it).
 */
const SETTLED_KEYS = [...new Set([...FOLD_DECISION_KEYS, ...FIGURE_KEYS])];

/**
 * A settled image's state: its {@link SETTLED_KEYS} only. Not a whole `ImageFoldState` (no
 * identity, no record), but the fold reads none of the rest to decide (`FOLD_DECISION_KEYS`).
 */
function settled(state: ImageFoldState): ImageFoldState {
  return pickFoldState(state, SETTLED_KEYS);
}

/**
 * The dashboard figures as a fold over imgpipe events (from the archive at start, then live
 * from the bus). Each image's state is metadata's own fold (`foldImageEvent`, the one
 * definition of an image's status, the read model's): a duplicate, a replay or a late event
 * of a run that finished after a delete changes nothing it would not change there, a deleted
 * image counts nowhere, and a restored one is processing again.
 *
 * Memory: an image's whole state is kept while it is `processing` (the live update carries its
 * record); once it settles only its {@link SETTLED_KEYS} are, which give the same status and
 * figures for any later event.
 */
export class PipelineStats {
  private readonly images = new Map<string, ImageFoldState>();
  /**
   * Images processing again (a restore, a new upload) after they settled: their state lacks the
   * record the full fold would carry over, so no record is told for them until they settle
   * (the page reads it instead). As many as images in flight.
   */
  private readonly resumedFromSettled = new Set<string>();

  constructor(private readonly projection: FoldOptions = {}) {}

  /** Applies one event; true when the figures may have changed. */
  apply(event: Pick<BusEvent, 'detail-type' | 'detail'>): boolean {
    const parsed = parse(event);
    const imageId = parsed?.envelope.data.imageId;
    if (!parsed || typeof imageId !== 'string') return false;
    const before = this.images.get(imageId);
    const after = foldImageEvent(before, parsed, this.projection);
    if (!after) return false;
    if (after.status === 'processing') {
      if (before !== undefined && before.status !== 'processing') this.resumedFromSettled.add(imageId);
      this.images.set(imageId, after);
    } else {
      this.resumedFromSettled.delete(imageId);
      this.images.set(imageId, settled(after));
    }
    return figuresOf(before) !== figuresOf(after);
  }

  /** The image's status as the events seen so far fold to it (what the read model says once metadata recorded them). */
  statusOf(imageId: string): ImageStatus | undefined {
    return this.images.get(imageId)?.status;
  }

  /**
   * The record of a `processing` image as the events seen so far fold to it (what the read model
   * holds once metadata recorded them), for the live update to carry (issue 13); `undefined` for
   * an image in any other state, and for one processing again after it settled (its settled
   * state no longer holds the record the read model carries over).
   */
  processingRecordOf(imageId: string): ImageRecordView | undefined {
    const state = this.images.get(imageId);
    return state?.status === 'processing' && !this.resumedFromSettled.has(imageId) ? foldRecord(state) : undefined;
  }

  /** The figures now. */
  snapshot(dlqDepth: number): DashboardStats {
    let processed = 0;
    let failed = 0;
    let processing = 0;
    let bytesSaved = 0;
    let originalBytes = 0;
    const failedByCode: Record<string, number> = {};
    const times: number[] = [];
    for (const state of this.images.values()) {
      const image: Pick<ImageFoldState, FigureKey> = state;
      if (image.status === 'processing') processing += 1;
      else if (image.status === 'failed') {
        failed += 1;
        const code = image.failure?.code ?? 'UNKNOWN';
        failedByCode[code] = (failedByCode[code] ?? 0) + 1;
      } else if (image.status === 'processed') {
        processed += 1;
        if (image.processingTimeMs !== undefined) times.push(image.processingTimeMs);
        if (image.originalSize !== undefined) {
          originalBytes += image.originalSize;
          bytesSaved += image.originalSize - (image.compressedSize ?? image.originalSize);
        }
      }
    }
    times.sort((a, b) => a - b);
    return {
      processed,
      failed,
      failedByCode,
      processing,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      bytesSaved,
      originalBytes,
      dlqDepth,
    };
  }
}
