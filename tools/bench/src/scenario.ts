/** The three units of work the bench times, the same for every tool. */
export const OPS = ['webp', 'renditions', 'full'] as const;
/**
 * `webp`: the full-size WebP alone (quality 80). `renditions`: the three default renditions
 * alone (150/300/600 px JPEG quality 85). `full`: both from one original, as a user would
 * get them for one upload.
 */
export type Op = (typeof OPS)[number];

/** sharp's encoder profiles as image-ops names them. */
export const PROFILES = ['default', 'fast'] as const;
export type Profile = (typeof PROFILES)[number];

/** One unit of work on one photo. */
export interface Job {
  /** Absolute path of the photo; workers read it before the clock starts. */
  readonly image: string;
  readonly op: Op;
  /** WebP effort override (sharp only): the effort/bytes curve. */
  readonly effort?: number;
}

/** What one job took and made. */
export interface JobResult {
  /** Wall milliseconds of the job, bytes in memory to bytes out. */
  readonly ms: number;
  /**
   * CPU milliseconds of the job (user + system, all threads). Exact for the peers (per
   * process); for sharp it is the whole process's CPU and so only meaningful when one job
   * runs at a time.
   */
  readonly cpuMs: number;
  /** Sum of the encoded outputs' bytes. */
  readonly outBytes: number;
  /** How many files the job produced. */
  readonly outputs: number;
}

/** A batch of jobs to run on `concurrency` workers after one warm-up job on each. */
export interface RunSpec {
  readonly concurrency: number;
  readonly warmup?: Job;
  readonly jobs: readonly Job[];
}

/** The result of a {@link RunSpec}. */
export interface RunResult {
  /** In the order of `RunSpec.jobs`. */
  readonly results: readonly JobResult[];
  /** From the first job handed out to the last one finished; warm-up excluded. */
  readonly wallMs: number;
  /** CPU milliseconds spent on the timed jobs, all workers. */
  readonly cpuMs: number;
  /** Peak resident memory, warm-up included; how it was taken is in `rssMethod`. */
  readonly peakRssBytes: number | undefined;
  readonly rssMethod: string;
  /** Facts worth printing with the numbers (libvips threads, allocator, policy). */
  readonly notes: readonly string[];
}

/** The sharp runner's child process: what it is asked to do. */
export interface SharpRunRequest {
  readonly profile: Profile;
  /** libvips threads per pipeline; image-ops' default when absent. */
  readonly sharpThreads?: number;
  readonly run: RunSpec;
}

/** Messages from the sharp runner child to the bench. */
export type SharpRunnerMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'error'; readonly message: string };

/** Messages between the sharp runner and its worker threads. */
export type ThreadRequest = { readonly type: 'job'; readonly id: number; readonly job: Job };
export type ThreadReply =
  | { readonly type: 'ready'; readonly notes: readonly string[] }
  | { readonly type: 'done'; readonly id: number; readonly result: JobResult }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
