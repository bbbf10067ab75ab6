import { logger } from '@imgpipe/platform';

/** A scheduled job of the local runtime (the purge, the reconciler): what AWS runs on a schedule. */
export interface PeriodicJob<R> {
  /** Runs the job now (or waits for the run in progress) and returns what it did. */
  runNow(): Promise<R>;
  /** No more runs; resolves when the run in progress (if any) has finished. */
  stop(): Promise<void>;
}

export interface PeriodicJobOptions<R> {
  /** Names the job in its errors, e.g. `purge` (`the purge sweep failed`). */
  readonly name: string;
  /** One run. */
  readonly run: () => Promise<R>;
  /** Logs what one run did. */
  readonly report: (result: R) => void;
  /** Between runs, in ms: a positive integer. */
  readonly intervalMs: number;
  /** The first run waits for this to settle (crash recovery), then one every `intervalMs`. */
  readonly after: Promise<unknown>;
}

/**
 * Runs a job the way an AWS schedule would, on a timer: once after `after` settles, then every
 * `intervalMs`. Runs never overlap (a run asked for while one runs shares its result), a failing
 * run is logged and the next one tries again, and the timer never keeps the process alive.
 */
export function startPeriodicJob<R>(options: PeriodicJobOptions<R>): PeriodicJob<R> {
  const { intervalMs, name } = options;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`the ${name} interval must be a positive number of ms, got ${intervalMs}`);
  let running: Promise<R> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const runNow = (): Promise<R> => {
    running ??= options
      .run()
      .then((result) => {
        options.report(result);
        return result;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const tick = () => void runNow().catch((error: unknown) => logger.error(`the ${name} sweep failed`, { error: error as Error }));

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
