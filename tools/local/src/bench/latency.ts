import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusEvent } from '../bus/bus-event';
import { dataLayout, startLocalRuntime, type LocalRuntime } from '../runtime';
import { IMAGE_TASK_DONE_MESSAGES, imageWorkOnPath, taskIntervalsFromLog, type TaskInterval } from './image-work';
import { postToGrant, RuntimeClient } from '../testing/http-client';

/** One measured upload, all times in ms. */
export interface LatencySample {
  readonly imageId: string;
  /** The browser's POST of the file to the presigned URL, start to response. */
  readonly uploadPostMs: number;
  /** Upload stored (the POST answered) to `ImageProcessed` on the bus: the headline figure. */
  readonly latencyMs: number;
  /**
   * The image work on the path to `ImageProcessed`: the union of the thumbnail and compress
   * tasks' intervals, as their done lines in the runtime's log say they ran (`imageWorkOnPath`).
   * Locally a run's compress starts once its thumbnail task ended (thumbnails first,
   * services/thumbnails-first.ts), but at most a second later, so the two may overlap.
   */
  readonly imageWorkMs: number;
  /** How long the two tasks ran at once (counted once in `imageWorkMs`; the sum of the two would count it twice). */
  readonly overlapMs: number;
  /** Between the first task's start and the last one's end, the time no image task ran (the hand-off). */
  readonly handOffMs: number;
  /** Each task's own `processingMs` (its event's). */
  readonly compressMs: number;
  readonly thumbnailMs: number;
  /** `latencyMs - imageWorkMs`: what the local pipeline itself adds. */
  readonly overheadMs: number;
  /** Upload stored to `ImageUploaded` on the bus (S3 notification, ingest's check, the bus). */
  readonly ingestMs: number;
  /** `ImageUploaded` to `ImageProcessed`, minus the image work (state machine, record, publish). */
  readonly pipelineOverheadMs: number;
}

export interface LatencyReport {
  readonly image: { readonly width: number; readonly height: number; readonly bytes: number };
  readonly runs: number;
  readonly samples: readonly LatencySample[];
  readonly median: Omit<LatencySample, 'imageId'>;
  /** Measured runs whose thumbnail task was still running when compress started (overlap > 0). */
  readonly overlappedRuns: number;
  readonly startupMs: number;
}

export interface LatencyBenchOptions {
  /** The JPEG to upload (the script makes a 13 MP one). */
  readonly image: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Measured uploads, one at a time, after one warm-up (default 5). */
  readonly runs?: number;
  readonly log?: (line: string) => void;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** When each image's bus events were seen, by detail-type. */
class BusClock {
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly waiters = new Map<string, () => void>();

  observe(event: BusEvent): void {
    const data = (event.detail as { data?: { imageId?: unknown } } | undefined)?.data;
    const key = (event.detail as { object?: { key?: unknown } } | undefined)?.object?.key;
    const imageId = typeof data?.imageId === 'string' ? data.imageId : typeof key === 'string' ? key.split('/')[2] : undefined;
    if (!imageId) return;
    const times = this.seen.get(imageId) ?? new Map<string, number>();
    if (!times.has(event['detail-type'])) times.set(event['detail-type'], performance.now());
    this.seen.set(imageId, times);
    this.waiters.get(`${imageId}/${event['detail-type']}`)?.();
  }

  at(imageId: string, detailType: string): number | undefined {
    return this.seen.get(imageId)?.get(detailType);
  }

  /** Resolves with the time `detailType` was seen for `imageId`. */
  async when(imageId: string, detailType: string): Promise<number> {
    const known = this.at(imageId, detailType);
    if (known !== undefined) return known;
    await new Promise<void>((resolve) => this.waiters.set(`${imageId}/${detailType}`, resolve));
    this.waiters.delete(`${imageId}/${detailType}`);
    return this.at(imageId, detailType) ?? performance.now();
  }
}

/** The image tasks' intervals of `imageId` from the runtime's log; the file stream may lag the tasks by a moment. */
async function taskIntervals(logFile: string, imageId: string): Promise<TaskInterval[]> {
  const wanted = Object.keys(IMAGE_TASK_DONE_MESSAGES).length;
  for (let attempt = 0; ; attempt++) {
    const intervals = taskIntervalsFromLog(await readFile(logFile, 'utf8').catch(() => ''), imageId);
    if (intervals.length === wanted) return intervals;
    if (attempt === 20) {
      throw new Error(`bench-latency: ${logFile} has ${intervals.map((i) => i.task).join(', ') || 'no'} done line(s) of image ${imageId}, expected ${Object.values(IMAGE_TASK_DONE_MESSAGES).join(' and ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function measure(runtime: LocalRuntime, client: RuntimeClient, clock: BusClock, image: Uint8Array): Promise<LatencySample> {
  const grant = await client.requestUpload('bench.jpg', 'image/jpeg', image.byteLength);
  const postStarted = performance.now();
  await postToGrant(grant, image, 'image/jpeg', 'bench.jpg');
  const stored = performance.now();
  const processedAt = await Promise.race([
    clock.when(grant.imageId, 'ImageProcessed'),
    clock.when(grant.imageId, 'ImageProcessingFailed').then(() => {
      throw new Error(`image ${grant.imageId} failed`);
    }),
  ]);
  const uploadedAt = clock.at(grant.imageId, 'ImageUploaded') ?? stored;
  await runtime.idle();
  const { history } = await client.image(grant.imageId);
  const workOf = (type: string) => {
    const data = history.find((e) => e.detailType === type)?.data as { processingMs?: number } | undefined;
    return data?.processingMs ?? 0;
  };
  const compressMs = workOf('ImageCompressed');
  const thumbnailMs = workOf('ThumbnailsGenerated');
  // The intervals the tasks ran over, not the sum of their times: they overlap when a thumbnail
  // task runs past thumbnails first's bound (see LatencySample.imageWorkMs).
  const work = imageWorkOnPath(await taskIntervals(join(dataLayout(runtime.dataDir).logs, 'imgpipe.log'), grant.imageId));
  const imageWorkMs = work.workMs;
  const latencyMs = processedAt - stored;
  return {
    imageId: grant.imageId,
    uploadPostMs: stored - postStarted,
    latencyMs,
    imageWorkMs,
    overlapMs: work.overlapMs,
    handOffMs: work.gapMs,
    compressMs,
    thumbnailMs,
    overheadMs: latencyMs - imageWorkMs,
    ingestMs: uploadedAt - stored,
    pipelineOverheadMs: processedAt - uploadedAt - imageWorkMs,
  };
}

/**
 * Median upload-to-`ImageProcessed` latency through the real local stack (presigned POST to
 * the local S3 server, its notification, ingest, the bus, the state machine, the services,
 * DynamoDB), and the pipeline's own overhead: that latency minus the image work (the union of
 * the thumbnail and compress tasks' intervals, from their done lines in the runtime's log: locally
 * a run's compress starts after its thumbnails, at most a second later). One warm-up upload
 * first, then `runs` uploads one at a time.
 */
export async function benchLatency(options: LatencyBenchOptions): Promise<LatencyReport> {
  const log = options.log ?? (() => undefined);
  const runs = options.runs ?? 5;
  const dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-bench-'));
  const runtime = await startLocalRuntime({ dataDir, port: 0, web: false });
  try {
    const clock = new BusClock();
    runtime.onEvent((_bus, event) => clock.observe(event));
    const client = await RuntimeClient.signIn(runtime.url, 'bench');
    log('warm-up upload...');
    await measure(runtime, client, clock, options.image);
    const samples: LatencySample[] = [];
    for (let i = 0; i < runs; i++) {
      const sample = await measure(runtime, client, clock, options.image);
      log(
        `run ${i + 1}/${runs}: latency ${sample.latencyMs.toFixed(0)} ms, image work ${sample.imageWorkMs} ms ` +
          `(thumbnails ${sample.thumbnailMs}, compress ${sample.compressMs}, overlap ${sample.overlapMs}, hand-off ${sample.handOffMs}), ` +
          `overhead ${sample.overheadMs.toFixed(1)} ms`,
      );
      samples.push(sample);
    }
    const pick = (field: Exclude<keyof LatencySample, 'imageId'>) => median(samples.map((s) => s[field]));
    return {
      image: { width: options.width, height: options.height, bytes: options.image.byteLength },
      runs,
      samples,
      median: {
        uploadPostMs: pick('uploadPostMs'),
        latencyMs: pick('latencyMs'),
        imageWorkMs: pick('imageWorkMs'),
        overlapMs: pick('overlapMs'),
        handOffMs: pick('handOffMs'),
        compressMs: pick('compressMs'),
        thumbnailMs: pick('thumbnailMs'),
        overheadMs: pick('overheadMs'),
        ingestMs: pick('ingestMs'),
        pipelineOverheadMs: pick('pipelineOverheadMs'),
      },
      overlappedRuns: samples.filter((s) => s.overlapMs > 0).length,
      startupMs: runtime.startup.total,
    };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
