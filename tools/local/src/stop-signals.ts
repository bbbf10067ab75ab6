/**
 * A second SIGINT or SIGTERM this soon after the first is the same request to stop: one
 * Ctrl-C under `npm start` arrives twice within milliseconds, once from the terminal (to
 * its whole foreground process group, the runtime included) and once forwarded by npm.
 */
export const SAME_SIGNAL_WINDOW_MS = 1000;

export interface StopSignalHandlers {
  /** The first signal: stop gracefully. */
  readonly stop: (signal: NodeJS.Signals) => void;
  /** A signal later than the window while stopping (a person pressing Ctrl-C again): exit now. */
  readonly force: (signal: NodeJS.Signals) => void;
  /** Default {@link SAME_SIGNAL_WINDOW_MS}. */
  readonly windowMs?: number;
  /** A monotonic clock in ms (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * The listener for SIGINT and SIGTERM of a process that stops gracefully: the first signal
 * calls `stop`; a signal within `windowMs` of the first is the same one delivered twice and is
 * ignored; any later signal calls `force`.
 *
 * @example
 * const listener = stopSignalListener({ stop: () => void runtime.stop(), force: () => process.exit(130) });
 * process.on('SIGINT', listener);
 * process.on('SIGTERM', listener);
 */
export function stopSignalListener(handlers: StopSignalHandlers): (signal: NodeJS.Signals) => void {
  const windowMs = handlers.windowMs ?? SAME_SIGNAL_WINDOW_MS;
  const now = handlers.now ?? (() => performance.now());
  let firstAt: number | undefined;
  return (signal) => {
    const at = now();
    if (firstAt === undefined) {
      firstAt = at;
      handlers.stop(signal);
    } else if (at - firstAt >= windowMs) {
      handlers.force(signal);
    }
  };
}
