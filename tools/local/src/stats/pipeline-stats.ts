import type { DashboardStats, ImageStatus } from '@imgpipe/contracts/views';
import type { BusEvent } from '../bus/bus-event';


export type { DashboardStats, ImageStatus };

const STATUS_OF: Readonly<Record<string, ImageStatus>> = {
  ImageUploaded: 'processing',
  ImageProcessed: 'processed',
  ImageProcessingFailed: 'failed',
  ImageDeleted: 'deleted',
};

/** The status an imgpipe event leaves its image in, if it says. */
export function statusAfter(detailType: string): ImageStatus | undefined {
  return STATUS_OF[detailType];
}

interface ImageFacts {
  status: ImageStatus;
  /** `detail.eventId` of the `ImageUploaded` the status follows from. */
  uploadEventId?: string;
  processingMs?: number;
  originalSize?: number;
  compressedSize?: number;
  code?: string;
}

/** The parts of an imgpipe event's `detail` the figures read. */
interface DetailFacts {
  readonly eventId?: unknown;
  readonly data?: {
    readonly imageId?: unknown;
    readonly processingTimeMs?: unknown;
    readonly originalSize?: unknown;
    readonly compressedSize?: unknown;
    readonly code?: unknown;
  };
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/**
 * The dashboard figures as a fold over imgpipe events (from the archive at start, then
 * live from the bus): each image's latest status and, once processed, its time and sizes.
 * Duplicates are harmless: a repeated `ImageUploaded` for an upload already finished does
 * not put its image back to `processing`.
 */
export class PipelineStats {
  private readonly images = new Map<string, ImageFacts>();

  /** Applies one event; true when the figures may have changed. */
  apply(event: Pick<BusEvent, 'detail-type' | 'detail'>): boolean {
    const status = statusAfter(event['detail-type']);
    const detail = event.detail as DetailFacts | undefined;
    const imageId = detail?.data?.imageId;
    if (!status || typeof imageId !== 'string') return false;
    const data = detail?.data ?? {};
    const eventId = typeof detail?.eventId === 'string' ? detail.eventId : undefined;
    const known = this.images.get(imageId);

    switch (status) {
      case 'processing':
        if (known && known.status !== 'processing' && eventId !== undefined && known.uploadEventId === eventId) return false;
        this.images.set(imageId, { status, ...(eventId ? { uploadEventId: eventId } : {}) });
        return true;
      case 'processed':
        this.images.set(imageId, {
          ...known,
          status,
          processingMs: num(data.processingTimeMs),
          originalSize: num(data.originalSize),
          compressedSize: num(data.compressedSize),
          code: undefined,
        });
        return true;
      case 'failed':
        this.images.set(imageId, { ...known, status, code: typeof data.code === 'string' ? data.code : 'UNKNOWN' });
        return true;
      case 'deleted':
        this.images.set(imageId, { ...known, status });
        return true;
    }
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
    for (const image of this.images.values()) {
      if (image.status === 'processing') processing += 1;
      else if (image.status === 'failed') {
        failed += 1;
        const code = image.code ?? 'UNKNOWN';
        failedByCode[code] = (failedByCode[code] ?? 0) + 1;
      } else if (image.status === 'processed') {
        processed += 1;
        if (image.processingMs !== undefined) times.push(image.processingMs);
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
