/**
 * The scoring thread's work, behind `createWorkerScorer` (`worker-scorer.ts`): it holds the
 * prepared originals ({@link Ssimulacra2Reference}, the one implementation of the metric) by
 * the ids the calling thread gives them, scores candidates against them, and answers each
 * request with a score or the error's facts, in the order of `scoring-protocol.ts`. Its own
 * module, apart from the thread's entry (`ssimulacra2.worker.ts`), so a spec can serve one end
 * of a `MessageChannel` with it.
 */
import type { MessagePort } from 'node:worker_threads';
import { Ssimulacra2Reference } from './ssimulacra2';
import { toWire, type ScoringReply, type ScoringRequest } from './scoring-protocol';

/**
 * Serves scoring requests arriving on `port` until it closes, after telling the other end it is
 * `ready`. A message that cannot be read is answered `unreadable` with its place, and serving goes on.
 */
export function serveScoring(port: MessagePort): void {
  const references = new Map<number, Ssimulacra2Reference>();
  /** Messages received, readable or not: the next one's `seq`. */
  let received = 0;

  const answer = (request: Exclude<ScoringRequest, { type: 'release' }>): ScoringReply => {
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
  };

  port.on('message', (request: ScoringRequest) => {
    received++;
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
  port.on('messageerror', (error: Error) => {
    port.postMessage({ type: 'unreadable', seq: received++, error: toWire(error) } satisfies ScoringReply);
  });
  port.postMessage({ type: 'ready' } satisfies ScoringReply);
}
