/**
 * A first-in first-out work queue that runs at most `concurrency` tasks at a time, so
 * dropping 200 photos starts 3 uploads, not 200 (the browser, the storage service and
 * the person's uplink all do better with a few streams at full speed).
 */

export interface TaskQueueOptions {
  /** How many tasks run at once; at least 1. */
  readonly concurrency: number;
  /**
   * Called when a task rejects. The queue carries on with the next task either way;
   * tasks are expected to handle their own errors, so this is for the unexpected.
   */
  readonly onError?: (error: unknown, item: unknown) => void;
}

export interface TaskQueue<T> {
  /** Queues items behind those already waiting; starts as many as the bound allows. */
  push(...items: T[]): void;
  /** Tasks running now. */
  readonly running: number;
  /** Items waiting for a free slot. */
  readonly waiting: number;
  /** Resolves when nothing runs and nothing waits (at once if the queue is idle). */
  idle(): Promise<void>;
}

/**
 * @example
 * const queue = createTaskQueue((file: File) => upload(file), { concurrency: 3 });
 * queue.push(...files);
 * await queue.idle();
 */
export function createTaskQueue<T>(run: (item: T) => Promise<void>, options: TaskQueueOptions): TaskQueue<T> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, not ${options.concurrency}`);
  }
  const waiting: T[] = [];
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  function settleIdle(): void {
    if (running > 0 || waiting.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function pump(): void {
    while (running < options.concurrency && waiting.length > 0) {
      const item = waiting.shift() as T;
      running += 1;
      // A task that throws synchronously is caught like one that rejects.
      Promise.resolve()
        .then(() => run(item))
        .catch((error: unknown) => options.onError?.(error, item))
        .finally(() => {
          running -= 1;
          pump();
          settleIdle();
        });
    }
  }

  return {
    push(...items) {
      waiting.push(...items);
      pump();
    },
    get running() {
      return running;
    },
    get waiting() {
      return waiting.length;
    },
    idle() {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
