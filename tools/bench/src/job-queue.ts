import { performance } from 'node:perf_hooks';
import type { Job, JobResult } from './scenario';

/** Anything that runs one job at a time: a worker thread, a peer process. */
export interface JobWorker {
  run(job: Job): Promise<JobResult>;
}

/** The timed part of a run: results in job order and the wall time they took. */
export interface QueueOutcome {
  readonly results: readonly JobResult[];
  readonly wallMs: number;
}

/**
 * Runs the jobs on the workers, each worker taking the next job as soon as it is free,
 * so a slow photo does not leave a core idle. Results come back in the jobs' order.
 * The first failure rejects the run after the jobs in flight settle.
 */
export async function runQueue(
  workers: readonly JobWorker[],
  jobs: readonly Job[],
  onProgress?: (done: number, total: number) => void,
): Promise<QueueOutcome> {
  if (workers.length === 0) throw new RangeError('no workers to run jobs on');
  const results: JobResult[] = new Array<JobResult>(jobs.length);
  let next = 0;
  let done = 0;
  const start = performance.now();
  const drain = async (worker: JobWorker): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await worker.run(jobs[index] as Job);
      done += 1;
      onProgress?.(done, jobs.length);
    }
  };
  const settled = await Promise.allSettled(workers.map(drain));
  const wallMs = performance.now() - start;
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return { results, wallMs };
}

/** Runs the warm-up job once on every worker at the same time, results discarded. */
export async function warmUp(workers: readonly JobWorker[], job: Job | undefined): Promise<void> {
  if (job === undefined) return;
  await Promise.all(workers.map((worker) => worker.run(job)));
}
