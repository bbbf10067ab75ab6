/**
 * The scoring thread behind `createWorkerScorer` (`worker-scorer.ts`): it holds the prepared
 * originals ({@link Ssimulacra2Reference}, the one implementation of the metric) by the ids
 * the calling thread gives them, scores candidates against them, and answers each request
 * with a score or the error's facts (`scoring-protocol.ts`). Loaded through
 * `ssimulacra2.worker-entry.cjs`, which registers tsx in this thread first.
 */
import { parentPort } from 'node:worker_threads';
import { Ssimulacra2Reference } from './ssimulacra2';
import { toWire, type ScoringReply, type ScoringRequest } from './scoring-protocol';

const port = parentPort;
if (!port) throw new Error('ssimulacra2.worker.ts runs only as a worker thread (createWorkerScorer starts it)');

const references = new Map<number, Ssimulacra2Reference>();

function answer(request: Exclude<ScoringRequest, { type: 'release' }>): ScoringReply {
  try {
    if (request.type === 'prepare') {
      references.set(request.ref, new Ssimulacra2Reference(request.pixels));
      return { type: 'done', id: request.id };
    }
    const reference = references.get(request.ref);
    if (!reference) throw new RangeError('ssimulacra2: this original was released');
    return { type: 'done', id: request.id, score: reference.score(request.pixels) };
  } catch (error) {
    return { type: 'failed', id: request.id, error: toWire(error) };
  }
}

port.on('message', (request: ScoringRequest) => {
  if (request.type === 'release') {
    references.delete(request.ref);
    // The released planes and the scored candidates are typed arrays whose memory this thread's
    // V8 frees only when it collects, late (their size barely counts toward its heap): collect now,
    // when nothing is held, so they do not sit beside the full-size encode that follows a search
    // (a 12 MP AVIF step alone: the thread added ~34 MiB at the encode's peak, ~21-28 with this).
    // `gc` exists with `--expose-gc` (npm start); otherwise a no-op.
    if (references.size === 0) (globalThis as { gc?: () => void }).gc?.();
  } else port.postMessage(answer(request));
});
