import { createTaskQueue } from './upload-queue';

/** A task whose completion the test controls. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued microtasks (the queue's bookkeeping) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createTaskQueue', () => {
  it('never runs more than `concurrency` tasks, and starts them first in, first out', async () => {
    const tasks = new Map<number, ReturnType<typeof deferred>>();
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const queue = createTaskQueue(
      async (n: number) => {
        started.push(n);
        running += 1;
        peak = Math.max(peak, running);
        const task = deferred();
        tasks.set(n, task);
        await task.promise;
        running -= 1;
      },
      { concurrency: 3 },
    );

    queue.push(1, 2, 3, 4, 5, 6, 7);
    await settle();
    expect(started).toEqual([1, 2, 3]);
    expect(queue.running).toBe(3);
    expect(queue.waiting).toBe(4);

    tasks.get(2)?.resolve();
    await settle();
    expect(started).toEqual([1, 2, 3, 4]);

    for (let n = 1; n <= 7; n += 1) {
      tasks.get(n)?.resolve();
      await settle();
    }
    for (const task of tasks.values()) task.resolve();
    await queue.idle();

    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
    expect(queue.running).toBe(0);
  });

  it('carries on after a task fails, reporting the failure', async () => {
    const done: string[] = [];
    const onError = jest.fn();
    const queue = createTaskQueue(
      async (name: string) => {
        if (name === 'bad') throw new Error('broken file');
        done.push(name);
      },
      { concurrency: 1, onError },
    );

    queue.push('a', 'bad', 'b');
    await queue.idle();

    expect(done).toEqual(['a', 'b']);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'broken file' }), 'bad');
  });

  it('catches a task that throws synchronously', async () => {
    const onError = jest.fn();
    const queue = createTaskQueue(
      (_item: number): Promise<void> => {
        throw new Error('sync');
      },
      { concurrency: 2, onError },
    );

    queue.push(1, 2, 3);
    await queue.idle();

    expect(onError).toHaveBeenCalledTimes(3);
  });

  it('takes items pushed while others run', async () => {
    const first = deferred();
    const seen: number[] = [];
    const queue = createTaskQueue(
      async (n: number) => {
        seen.push(n);
        if (n === 1) await first.promise;
      },
      { concurrency: 1 },
    );

    queue.push(1);
    queue.push(2);
    await settle();
    expect(seen).toEqual([1]);
    first.resolve();
    await queue.idle();

    expect(seen).toEqual([1, 2]);
  });

  it('is idle at once when empty', async () => {
    const queue = createTaskQueue(async () => undefined, { concurrency: 2 });
    await expect(queue.idle()).resolves.toBeUndefined();
  });

  it('refuses a concurrency below 1 or not whole', () => {
    expect(() => createTaskQueue(async () => undefined, { concurrency: 0 })).toThrow(RangeError);
    expect(() => createTaskQueue(async () => undefined, { concurrency: 1.5 })).toThrow(RangeError);
  });
});
