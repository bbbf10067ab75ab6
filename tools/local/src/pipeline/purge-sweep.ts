import { logger } from '@imgpipe/platform';
import { startPeriodicJob, type PeriodicJob } from './periodic-job';

/** What one sweep reports (metadata's `purgeDeletedImages` result). */
export interface PurgeSweepResult {
  readonly purged: ReadonlyArray<{ readonly imageId: string; readonly purgedKeys: number }>;
  readonly skipped: readonly string[];
  readonly failed: ReadonlyArray<{ readonly imageId: string; readonly error: Error }>;
}

/** The local runtime's default: a sweep a minute (on AWS a schedule runs it hourly). */
export const DEFAULT_PURGE_INTERVAL_MS = 60_000;

export interface PurgeSweepOptions {
  /** One sweep: metadata's purge use case at the current time. */
  readonly purge: () => Promise<PurgeSweepResult>;
  /** Between sweeps (default {@link DEFAULT_PURGE_INTERVAL_MS}). */
  readonly intervalMs?: number;
  /** The first sweep runs when this settles (crash recovery), then every `intervalMs`. */
  readonly after: Promise<unknown>;
}

/** The purge sweep of a running local runtime. */
export type PurgeSweep = PeriodicJob<PurgeSweepResult>;

/**
 * Runs metadata's purge the way the AWS schedule does (see {@link startPeriodicJob}): once after
 * crash recovery, then every `intervalMs`, never overlapping.
 */
export function startPurgeSweep(options: PurgeSweepOptions): PurgeSweep {
  return startPeriodicJob({
    name: 'purge',
    run: options.purge,
    report: (result) => {
      for (const { imageId, purgedKeys } of result.purged) logger.info('deleted image purged', { imageId, purgedKeys });
      for (const { imageId, error } of result.failed) logger.error('could not purge a deleted image', { imageId, error });
    },
    intervalMs: options.intervalMs ?? DEFAULT_PURGE_INTERVAL_MS,
    after: options.after,
  });
}
