import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { guessContentType, UNKNOWN_CONTENT_TYPE } from './content-type';
import { OutcomeWatcher, type Outcome, type OutcomeWatcherOptions } from './outcome-watcher';
import type { FileToProcess, ImageFailure, ImageResult, ProcessProgress } from '@imgpipe/local/process-cli';
import { ApiError, type ImageDetailsView, type RuntimeApi } from './runtime-api';

// The result and progress shapes are the shared front end's (`npm start -- <files>` reports the same).
export type { FileToProcess, ImageFailure, ImageResult, ImageRunStatus, ProcessProgress } from '@imgpipe/local/process-cli';

export interface ProcessImagesOptions {
  /** Uploads at once (the runtime bounds the processing itself). */
  readonly concurrency: number;
  /** How long to wait for each image's terminal state after its upload. */
  readonly timeoutMs: number;
  readonly watcher?: OutcomeWatcherOptions;
  readonly onProgress?: (progress: ProcessProgress) => void;
  /** Each image's result, as it ends. */
  readonly onResult?: (result: ImageResult, progress: ProcessProgress) => void;
}

export interface ProcessReport {
  /** In the order of the files. */
  readonly results: readonly ImageResult[];
  readonly wallMs: number;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

/** The full-size WebP variant's size, from the history's `ImageCompressed` (the latest one). */
export function webpSizeOf(details: ImageDetailsView): number | undefined {
  for (const entry of [...details.history].reverse()) {
    if (entry.detailType !== 'ImageCompressed' || !isRecord(entry.data) || !Array.isArray(entry.data['variants'])) continue;
    const webp = (entry.data['variants'] as unknown[]).find((v) => isRecord(v) && v['format'] === 'webp');
    if (isRecord(webp) && typeof webp['size'] === 'number') return webp['size'];
  }
  const image = details.image;
  return image?.compressedKey?.endsWith('.webp') ? image.compressedSize : undefined;
}

/** The retryable flag of the last `ImageProcessingFailed`, which the record does not keep. */
function lastFailureRetryable(details: ImageDetailsView): boolean | undefined {
  const failed = [...details.history].reverse().find((e) => e.detailType === 'ImageProcessingFailed');
  return isRecord(failed?.data) && typeof failed.data['retryable'] === 'boolean' ? failed.data['retryable'] : undefined;
}

/**
 * The keys of an image's derivatives: with a delivery record, every full-size file and every
 * rendition in each of its formats (the gallery set's JPEG and WebP); before the record, the
 * primary full-size file and one file per rendition.
 */
function derivativeKeys(image: NonNullable<ImageDetailsView['image']>): string[] {
  if (image.delivery) return [...image.delivery.variants, ...image.delivery.renditions].map((file) => file.key);
  return [...(image.compressedKey ? [image.compressedKey] : []), ...Object.values(image.thumbnails ?? {})];
}

/**
 * A file's result from the image's details at the end of its wait.
 *
 * @example
 * toImageResult({ file: 'a.jpg', originalBytes: 1000, ms: 812 }, outcome);
 */
export function toImageResult(
  base: { readonly file: string; readonly imageId: string; readonly originalBytes: number; readonly ms: number },
  outcome: Outcome,
  timeoutMs: number,
  objectUrl?: (key: string) => string,
): ImageResult {
  const image = outcome.details?.image ?? undefined;
  if (outcome.kind === 'timeout' || !image || !outcome.details) {
    return {
      ...base,
      status: 'timeout',
      renditions: Object.keys(image?.thumbnails ?? {}),
      failure: {
        code: 'TIMEOUT',
        reason: `no terminal state within ${Math.round(timeoutMs / 1000)} s (last seen: ${image?.status ?? 'not recorded yet'})`,
      },
    };
  }
  const details = outcome.details;
  const webpBytes = webpSizeOf(details);
  const common = {
    ...base,
    renditions: Object.keys(image.thumbnails ?? {}),
    ...(image.originalSize !== undefined ? { originalBytes: image.originalSize } : {}),
    ...(webpBytes !== undefined ? { webpBytes } : {}),
    ...(image.compressedSize !== undefined ? { compressedBytes: image.compressedSize } : {}),
    ...(image.savingsPercent !== undefined ? { savingsPercent: image.savingsPercent } : {}),
    ...(image.processingTimeMs !== undefined ? { pipelineMs: image.processingTimeMs } : {}),
    ...(objectUrl ? { outputs: derivativeKeys(image).map(objectUrl) } : {}),
    record: image,
  };
  if (image.status === 'processed') return { ...common, status: 'processed' };
  const retryable = lastFailureRetryable(details);
  const failure: ImageFailure =
    image.status === 'deleted'
      ? { code: 'DELETED', reason: 'the image was deleted before it finished' }
      : {
          code: image.failure?.code ?? 'UNKNOWN',
          reason: image.failure?.reason ?? 'the image failed without a recorded reason',
          ...(image.failure?.stage ? { stage: image.failure.stage } : {}),
          ...(retryable !== undefined ? { retryable } : {}),
        };
  return { ...common, status: 'failed', failure };
}

/**
 * Uploads every file through the same presigned flow as the browser (`POST /api/uploads`
 * with the name, the content type its extension suggests and the size; then the form POST
 * to object storage), `concurrency` at a time, and waits for each image's terminal state.
 * A file the API or the store refuses is a failed result with the refusal's code; nothing
 * throws for one file.
 */
export async function processImages(api: RuntimeApi, files: readonly FileToProcess[], options: ProcessImagesOptions): Promise<ProcessReport> {
  const started = performance.now();
  const watcher = new OutcomeWatcher(api, options.watcher);
  const results: (ImageResult | undefined)[] = new Array<ImageResult | undefined>(files.length);
  const progress = { total: files.length, uploaded: 0, processed: 0, failed: 0 };
  const snapshot = (): ProcessProgress => ({ ...progress });
  options.onProgress?.(snapshot());

  const finish = (index: number, result: ImageResult) => {
    results[index] = result;
    if (result.status === 'processed') progress.processed += 1;
    else progress.failed += 1;
    const now = snapshot();
    options.onResult?.(result, now);
    options.onProgress?.(now);
  };

  // Resolves when the upload is done; `settled` when the image's outcome is in.
  const one = async (index: number): Promise<{ readonly settled: Promise<void> }> => {
    const file = files[index] as FileToProcess;
    const display = file.display ?? file.path;
    const begun = performance.now();
    const elapsed = () => Math.round(performance.now() - begun);
    let originalBytes = 0;
    let imageId: string | undefined;
    try {
      const bytes = await readFile(file.path);
      originalBytes = bytes.byteLength;
      const filename = basename(file.path);
      const contentType = guessContentType(filename) ?? UNKNOWN_CONTENT_TYPE;
      const grant = await api.createUpload({ filename, contentType, bytes: bytes.byteLength });
      imageId = grant.imageId;
      // Wait from now: an event that arrives before the upload call returns is not missed.
      const outcome = watcher.wait(grant.imageId, options.timeoutMs);
      await api.upload(grant, bytes, contentType, filename);
      progress.uploaded += 1;
      options.onProgress?.(snapshot());
      const base = { file: display, imageId: grant.imageId, originalBytes };
      return { settled: outcome.then((settled) => finish(index, toImageResult({ ...base, ms: elapsed() }, settled, options.timeoutMs, (key) => api.objectUrl(key)))) };
    } catch (error) {
      if (imageId) watcher.forget(imageId);
      progress.uploaded += 1;
      const failure: ImageFailure =
        error instanceof ApiError
          ? { code: error.code, reason: error.message, stage: 'upload' }
          : { code: (error as NodeJS.ErrnoException).code ?? 'UPLOAD_FAILED', reason: (error as Error).message, stage: 'upload' };
      finish(index, { file: display, ...(imageId ? { imageId } : {}), status: 'failed', originalBytes, renditions: [], ms: elapsed(), failure });
      return { settled: Promise.resolve() };
    }
  };

  const waits: Promise<void>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next;
      next += 1;
      waits.push((await one(index)).settled);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, worker));
    await Promise.all(waits);
  } finally {
    await watcher.stop();
  }
  return { results: results.filter((r): r is ImageResult => r !== undefined), wallMs: Math.round(performance.now() - started) };
}
