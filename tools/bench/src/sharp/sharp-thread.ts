import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { configureImageRuntime } from '@imgpipe/image-ops';
import type { Profile, ThreadReply, ThreadRequest } from '../scenario';
import { runSharpJob } from './sharp-job';

/** What the runner hands each worker thread. */
export interface ThreadData {
  readonly entry: string;
  readonly profile: Profile;
  readonly sharpThreads?: number;
}

const port = parentPort;
if (!port) throw new Error('sharp-thread runs as a worker thread of sharp-runner');
const data = workerData as ThreadData;
const reply = (message: ThreadReply): void => port.postMessage(message);

const settings = configureImageRuntime(data.sharpThreads === undefined ? {} : { concurrency: data.sharpThreads });
reply({ type: 'ready', notes: [`libvips threads per image ${settings.concurrency}`] });

port.on('message', (request: ThreadRequest) => {
  void (async () => {
    try {
      const bytes = readFileSync(request.job.image);
      const cpu = process.cpuUsage();
      const start = performance.now();
      const output = await runSharpJob(bytes, request.job, data.profile);
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpu);
      reply({ type: 'done', id: request.id, result: { ms, cpuMs: (used.user + used.system) / 1000, ...output } });
    } catch (error) {
      reply({ type: 'failed', id: request.id, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  })();
});
