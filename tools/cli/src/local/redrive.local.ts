import { randomUUID } from 'node:crypto';
import { EVENT_BUS_NAME } from '@imgpipe/workflow';
import type { EventArchive, ReplayResult } from '@imgpipe/local';
import { sleep } from '../cli-io';
import type { ReplayBody } from './runtime-api';

/** The events after which an image's run has nothing left to do. */
const TERMINAL = new Set(['ImageProcessed', 'ImageProcessingFailed', 'ImageDeleted']);

/** A failed image: its last failure, and the upload a redrive publishes again. */
export interface FailedImage {
  readonly imageId: string;
  readonly userId: string;
  readonly code: string;
  readonly stage: string;
  readonly reason: string;
  readonly retryable: boolean;
  readonly failedAt: string;
  /** `time` of the image's last archived `ImageUploaded` (absent when ingest refused the upload). */
  readonly uploadedAt?: string;
}

/** The images whose last outcome is a failure, split by whether a redrive can help. */
export interface RedrivePlan {
  /** Failed on a transient or internal error, with an upload to run again. */
  readonly retryable: readonly FailedImage[];
  /** Bad input (an `InvalidImage` code) or no upload to run again: a redrive would fail the same way. */
  readonly notRetryable: readonly FailedImage[];
}

type Data = Readonly<Record<string, unknown>>;
const dataOf = (detail: unknown): Data => {
  const data = typeof detail === 'object' && detail !== null ? (detail as Data)['data'] : undefined;
  return typeof data === 'object' && data !== null ? (data as Data) : {};
};
const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);

/**
 * Reads the bus archive and finds every image whose last outcome is
 * `ImageProcessingFailed` (no later upload or outcome). Retryable when the failure says
 * so (`retryable: true`, never for an `InvalidImage` code) and the archive holds the
 * image's `ImageUploaded`.
 */
export async function planLocalRedrive(archive: EventArchive): Promise<RedrivePlan> {
  const images = new Map<string, { uploadedAt?: string; failure?: FailedImage }>();
  for await (const { event } of archive.read({ bus: EVENT_BUS_NAME })) {
    const type = event['detail-type'];
    if (type !== 'ImageUploaded' && !TERMINAL.has(type)) continue;
    const data = dataOf(event.detail);
    const imageId = text(data['imageId']);
    if (!imageId) continue;
    const image = images.get(imageId) ?? {};
    if (type === 'ImageUploaded') {
      images.set(imageId, { uploadedAt: event.time });
    } else if (type === 'ImageProcessingFailed') {
      images.set(imageId, {
        ...image,
        failure: {
          imageId,
          userId: text(data['userId']),
          code: text(data['code'], 'UNKNOWN'),
          stage: text(data['stage'], '?'),
          reason: text(data['reason']),
          retryable: data['retryable'] === true,
          failedAt: event.time,
        },
      });
    } else {
      images.set(imageId, { ...(image.uploadedAt ? { uploadedAt: image.uploadedAt } : {}) });
    }
  }
  const retryable: FailedImage[] = [];
  const notRetryable: FailedImage[] = [];
  for (const { uploadedAt, failure } of images.values()) {
    if (!failure) continue;
    const image = { ...failure, ...(uploadedAt ? { uploadedAt } : {}) };
    (failure.retryable && uploadedAt ? retryable : notRetryable).push(image);
  }
  return { retryable, notRetryable };
}

/**
 * The `/admin/replay` requests that publish the uploads of `images` again: one window per
 * distinct upload time, [time, time + 1 ms), `ImageUploaded` only, named `name`, with the
 * image ids (which a runtime that filters on them uses; another replays every upload of
 * that millisecond, which the pipeline's idempotency makes harmless).
 */
export function redriveRequests(images: readonly FailedImage[], name = `redrive-${randomUUID()}`): ReplayBody[] {
  const byTime = new Map<string, string[]>();
  for (const image of images) {
    if (!image.uploadedAt) continue;
    byTime.set(image.uploadedAt, [...(byTime.get(image.uploadedAt) ?? []), image.imageId]);
  }
  return [...byTime].map(([time, imageIds]) => {
    const from = new Date(Date.parse(time));
    return {
      from: from.toISOString(),
      to: new Date(from.getTime() + 1).toISOString(),
      detailTypes: ['ImageUploaded'],
      name,
      imageIds,
    };
  });
}

/** An image's outcome after a redrive. */
export interface RedriveOutcome {
  readonly imageId: string;
  readonly status: 'processed' | 'failed' | 'timeout';
  readonly code?: string;
  readonly reason?: string;
}

/**
 * Waits until each image has a new outcome in the archive (an event of `since` or later),
 * or `timeoutMs` passes.
 */
export async function awaitOutcomes(
  archive: EventArchive,
  imageIds: readonly string[],
  since: Date,
  options: { readonly timeoutMs: number; readonly pollIntervalMs?: number },
): Promise<RedriveOutcome[]> {
  const outcomes = new Map<string, RedriveOutcome>();
  const wanted = new Set(imageIds);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    for await (const { event } of archive.read({ bus: EVENT_BUS_NAME, from: since, detailTypes: [...TERMINAL] })) {
      const data = dataOf(event.detail);
      const imageId = text(data['imageId']);
      if (!wanted.has(imageId)) continue;
      outcomes.set(
        imageId,
        event['detail-type'] === 'ImageProcessed'
          ? { imageId, status: 'processed' }
          : { imageId, status: 'failed', code: text(data['code'], 'DELETED'), reason: text(data['reason'], 'deleted') },
      );
    }
    if (outcomes.size === wanted.size || Date.now() >= deadline) break;
    await sleep(options.pollIntervalMs ?? 250);
  }
  return imageIds.map((imageId) => outcomes.get(imageId) ?? { imageId, status: 'timeout' });
}

/** Sums replay results. */
export function replayedCount(results: readonly ReplayResult[]): number {
  return results.reduce((sum, r) => sum + r.replayed, 0);
}
