import type { ReconcileStuckResult } from '@imgpipe/metadata';
import { logger, type Clock } from '@imgpipe/platform';
import { startPeriodicJob, type PeriodicJob } from '../pipeline/periodic-job';

/**
 * The local runtime's default: a reconcile a minute (on AWS a schedule runs it every 5
 * minutes). How long an image may stay processing is metadata's own knob,
 * `RECONCILE_AFTER_MINUTES` (and `RECONCILE_MAX_REDRIVES`), read from the runtime's environment
 * as on AWS.
 */
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;

export interface ReconcileSweepOptions {
  /** metadata's `reconcileStuckImages`, as its composition root wired it. */
  readonly reconcile: (options: { readonly now: Date }) => Promise<ReconcileStuckResult>;
  readonly clock: Clock;
  /** Between runs (default {@link DEFAULT_RECONCILE_INTERVAL_MS}). */
  readonly intervalMs?: number;
  /** The first run waits for this (crash recovery, which re-runs unfinished images itself). */
  readonly after: Promise<unknown>;
}

/** The reconcile sweep of a running local runtime. */
export type ReconcileSweep = PeriodicJob<ReconcileStuckResult>;

/**
 * Runs metadata's reconciler the way the AWS schedule does (see {@link startPeriodicJob}): once
 * after crash recovery, then every `intervalMs`, never overlapping. A failing run is logged and
 * the next one tries again (a `.imgpipe/` made before the read model had its processing index
 * fails here: see tools/local/README.md).
 */
export function startReconcileSweep(options: ReconcileSweepOptions): ReconcileSweep {
  return startPeriodicJob({
    name: 'reconcile',
    run: () => options.reconcile({ now: options.clock.now() }),
    report: (result) => {
      for (const { imageId, attempt } of result.redriven) logger.warn('stuck image re-driven', { imageId, attempt });
      for (const imageId of result.timedOut) logger.warn('stuck image failed TIMED_OUT', { imageId });
      for (const { imageId, error } of result.failed) logger.error('could not reconcile a stuck image', { imageId, error });
    },
    intervalMs: options.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    after: options.after,
  });
}
