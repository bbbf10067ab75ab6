import { runQueue, warmUp, type JobWorker } from './job-queue';
import type { Job, JobResult } from './scenario';

const job = (image: string): Job => ({ image, op: 'webp' });
const resultFor = (j: Job): JobResult => ({ ms: 1, cpuMs: 1, outBytes: j.image.length, outputs: 1 });

/** A worker whose jobs finish when the test says so, recording what it was given. */
class ManualWorker implements JobWorker {
  readonly taken: string[] = [];
  private readonly pending: (() => void)[] = [];

  run(j: Job): Promise<JobResult> {
    this.taken.push(j.image);
    return new Promise((resolve) => this.pending.push(() => resolve(resultFor(j))));
  }

  finishOne(): void {
    this.pending.shift()?.();
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('runQueue', () => {
  it('hands the next job to whichever worker is free and returns results in job order', async () => {
    const a = new ManualWorker();
    const b = new ManualWorker();
    const run = runQueue([a, b], ['1', '22', '333', '4444'].map(job));
    await flush();
    expect(a.taken).toEqual(['1']);
    expect(b.taken).toEqual(['22']);

    b.finishOne();
    await flush();
    expect(b.taken).toEqual(['22', '333']);
    b.finishOne();
    await flush();
    expect(b.taken).toEqual(['22', '333', '4444']);
    b.finishOne();
    a.finishOne();

    const outcome = await run;
    expect(outcome.results.map((r) => r.outBytes)).toEqual([1, 2, 3, 4]);
    expect(outcome.wallMs).toBeGreaterThanOrEqual(0);
  });

  it('reports progress once per finished job', async () => {
    const seen: string[] = [];
    const worker: JobWorker = { run: async (j) => resultFor(j) };

    await runQueue([worker], ['a', 'b'].map(job), (done, total) => seen.push(`${done}/${total}`));

    expect(seen).toEqual(['1/2', '2/2']);
  });

  it('rejects with the first failure', async () => {
    const worker: JobWorker = {
      run: async (j) => {
        if (j.image === 'bad') throw new Error('decode failed');
        return resultFor(j);
      },
    };

    await expect(runQueue([worker], ['ok', 'bad', 'ok'].map(job))).rejects.toThrow('decode failed');
  });

  it('refuses to run without workers', async () => {
    await expect(runQueue([], [job('a')])).rejects.toThrow(RangeError);
  });
});

describe('warmUp', () => {
  it('runs the warm-up job once on every worker', async () => {
    const images: string[] = [];
    const worker = (): JobWorker => ({
      run: async (j) => {
        images.push(j.image);
        return resultFor(j);
      },
    });

    await warmUp([worker(), worker()], job('small'));

    expect(images).toEqual(['small', 'small']);
  });

  it('does nothing without a warm-up job', async () => {
    const worker: JobWorker = { run: jest.fn() };

    await warmUp([worker], undefined);

    expect(worker.run).not.toHaveBeenCalled();
  });
});
