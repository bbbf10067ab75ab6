import { logger } from '@imgpipe/platform';

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
export interface PurgeSweep {
  /** Runs a sweep now (or waits for the one running) and returns what it did. */
  runNow(): Promise<PurgeSweepResult>;
  /** No more sweeps; resolves when the one running (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs metadata's purge the way the AWS schedule does, on a timer: once after crash
 * recovery, then every `intervalMs`. Sweeps never overlap (a sweep asked for while one runs
 * shares its result), a failing sweep is logged and the next one tries again, and the timer
 * never keeps the process alive.
 */
export function startPurgeSweep(options: PurgeSweepOptions): PurgeSweep {
  const intervalMs = options.intervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`the purge interval must be a positive number of ms, got ${intervalMs}`);
  let running: Promise<PurgeSweepResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const runNow = (): Promise<PurgeSweepResult> => {
    running ??= options
      .purge()
      .then((result) => {
        for (const { imageId, purgedKeys } of result.purged) logger.info('deleted image purged', { imageId, purgedKeys });
        for (const { imageId, error } of result.failed) logger.error('could not purge a deleted image', { imageId, error });
        return result;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const sweep = () =>
    void runNow().catch((error: unknown) => logger.error('the purge sweep failed', { error: error as Error }));

  void options.after
    .catch(() => undefined)
    .then(() => {
      if (stopped) return;
      sweep();
      timer = setInterval(sweep, intervalMs);
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
