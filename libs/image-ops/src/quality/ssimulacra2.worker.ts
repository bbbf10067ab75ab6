/**
 * The scoring thread behind `createWorkerScorer` (`worker-scorer.ts`): {@link serveScoring} on
 * the thread's port to its parent. Loaded through `ssimulacra2.worker-entry.cjs`, which registers
 * tsx in this thread first.
 */
import { parentPort } from 'node:worker_threads';
import { serveScoring } from './scoring-service';

if (!parentPort) throw new Error('ssimulacra2.worker.ts runs only as a worker thread (createWorkerScorer starts it)');
serveScoring(parentPort);
