// The streams a command writes to: the shared front end's (`npm start` uses them too).
export { processIo, type CliIo, type OutputStream } from '@imgpipe/local/process-cli';

/** Pauses for `ms` (0: the next turn), or until `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
