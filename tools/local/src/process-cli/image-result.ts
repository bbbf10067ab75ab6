import type { ImageRecordView } from '@imgpipe/contracts/views';

/** Where an image ended: `timeout` when no terminal state came within the wait. */
export type ImageRunStatus = 'processed' | 'failed' | 'timeout';

/** Why an image failed: the pipeline's failure code and reason, or the API's refusal. */
export interface ImageFailure {
  readonly code: string;
  readonly reason: string;
  /** `ingest`, `compress`, ... for the pipeline's failures; `upload` when the API or the store refused the file. */
  readonly stage?: string;
  readonly retryable?: boolean;
}

/** One file's result, from either engine (`imgpipe process` through a runtime, `npm start -- <files>` offline). */
export interface ImageResult {
  /** The file as given or found, for display. */
  readonly file: string;
  readonly imageId?: string;
  readonly status: ImageRunStatus;
  readonly originalBytes: number;
  /** The full-size WebP variant's size, when one was made. */
  readonly webpBytes?: number;
  /** The primary full-size variant's size (WebP unless the formats say otherwise). */
  readonly compressedBytes?: number;
  readonly savingsPercent?: number;
  /** The rendition names made (e.g. small, medium, large). */
  readonly renditions: readonly string[];
  /** Where the derivatives are: file paths offline, CDN URLs through a runtime. */
  readonly outputs?: readonly string[];
  /** From the start of the file's work to its terminal state. */
  readonly ms: number;
  /** The pipeline's own processing time (upload recorded to outcome recorded). */
  readonly pipelineMs?: number;
  readonly failure?: ImageFailure;
  /** The image record the API returned (through a runtime): everything the read model carries. */
  readonly record?: ImageRecordView;
}

/** The figures of the progress display. */
export interface ProcessProgress {
  readonly total: number;
  /** Files whose upload finished (or was refused); absent offline, where nothing is uploaded. */
  readonly uploaded?: number;
  readonly processed: number;
  /** Failed or timed out. */
  readonly failed: number;
}

export interface FileToProcess {
  readonly path: string;
  /** How the file is shown in the table (default: its path). */
  readonly display?: string;
}
