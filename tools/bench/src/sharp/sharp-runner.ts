/**
 * The sharp side of a scenario, in its own process so that its peak RSS is its own: the
 * bench forks this file, sends one {@link SharpRunRequest} and reads one result back.
 * Concurrency N is N worker threads, each running one image-ops job at a time, so two
 * jobs really run on two cores (and libvips adds its own threads inside each job).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runQueue, warmUp, type JobWorker } from '../job-queue';
import type { Job, JobResult, SharpRunnerMessage, SharpRunRequest, ThreadReply } from '../scenario';
import type { ThreadData } from './sharp-thread';

const send = (message: SharpRunnerMessage): Promise<void> =>
  new Promise((resolve, reject) => process.send?.(message, (error: Error | null) => (error ? reject(error) : resolve())));

/** One worker thread as a {@link JobWorker}. */
class ThreadWorker implements JobWorker {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: JobResult) => void; reject: (e: Error) => void }>();
  notes: readonly string[] = [];

  private constructor(readonly thread: Worker) {
    thread.on('message', (message: ThreadReply) => {
      if (message.type === 'ready') return;
      const pending = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.type === 'done') pending?.resolve(message.result);
      else pending?.reject(new Error(message.message));
    });
    thread.on('error', (error) => this.waiting.forEach((pending) => pending.reject(error)));
  }

  static start(data: ThreadData): Promise<ThreadWorker> {
    const worker = new ThreadWorker(new Worker(join(__dirname, 'thread-entry.cjs'), { workerData: data }));
    return new Promise((resolve, reject) => {
      worker.thread.once('error', reject);
      worker.thread.once('message', (message: ThreadReply) => {
        if (message.type === 'ready') worker.notes = message.notes;
        resolve(worker);
      });
    });
  }

  run(job: Job): Promise<JobResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.thread.postMessage({ type: 'job', id, job });
    });
  }
}

async function execute(request: SharpRunRequest): Promise<void> {
  const data: ThreadData = {
    entry: join(__dirname, 'sharp-thread.ts'),
    profile: request.profile,
    ...(request.sharpThreads === undefined ? {} : { sharpThreads: request.sharpThreads }),
  };
  const workers = await Promise.all(Array.from({ length: request.run.concurrency }, () => ThreadWorker.start(data)));
  try {
    await warmUp(workers, request.run.warmup);
    const cpu = process.cpuUsage();
    const outcome = await runQueue(workers, request.run.jobs, (done, total) => {
      void send({ type: 'progress', done, total });
    });
    const used = process.cpuUsage(cpu);
    await send({
      type: 'result',
      result: {
        ...outcome,
        cpuMs: (used.user + used.system) / 1000,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        rssMethod: `process peak (${workers.length} worker thread(s))`,
        notes: [...(workers[0]?.notes ?? []), `MALLOC_ARENA_MAX=${process.env['MALLOC_ARENA_MAX'] ?? 'unset'}`],
      },
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.thread.terminate()));
  }
}

process.once('message', (request: SharpRunRequest) => {
  execute(request).then(
    () => process.exit(0),
    async (error: unknown) => {
      await send({ type: 'error', message: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
      process.exit(1);
    },
  );
});
