import type { ReconcileStuckResult } from '@imgpipe/metadata';
import { logger, type Clock } from '@imgpipe/platform';

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
export interface ReconcileSweep {
  /** Runs a reconcile now (or waits for the one running) and returns what it did. */
  runNow(): Promise<ReconcileStuckResult>;
  /** No more runs; resolves when the one running (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs metadata's reconciler the way the AWS schedule does, on a timer: once after crash
 * recovery, then every `intervalMs`. Runs never overlap (a run asked for while one runs
 * shares its result), a failing run is logged and the next one tries again (a `.imgpipe/`
 * made before the read model had its processing index fails here: see tools/local/README.md),
 * and the timer never keeps the process alive.
 */
export function startReconcileSweep(options: ReconcileSweepOptions): ReconcileSweep {
  const intervalMs = options.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`the reconcile interval must be a positive number of ms, got ${intervalMs}`);
  let running: Promise<ReconcileStuckResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const runNow = (): Promise<ReconcileStuckResult> => {
    running ??= options
      .reconcile({ now: options.clock.now() })
      .then((result) => {
        for (const { imageId, attempt } of result.redriven) logger.warn('stuck image re-driven', { imageId, attempt });
        for (const imageId of result.timedOut) logger.warn('stuck image failed TIMED_OUT', { imageId });
        for (const { imageId, error } of result.failed) logger.error('could not reconcile a stuck image', { imageId, error });
        return result;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const tick = () => void runNow().catch((error: unknown) => logger.error('the reconcile sweep failed', { error: error as Error }));

  void options.after
    .catch(() => undefined)
    .then(() => {
      if (stopped) return;
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    });

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
