/**
 * Where SSIMULACRA2 runs: the port the quality search (`auto-quality.ts`) and
 * `measureSsimulacra2` score through, so that the composition root chooses the thread and
 * the metric stays one function ({@link Ssimulacra2Reference}).
 *
 * - {@link inThreadScorer} (the default): on the calling thread. Right for Lambda (one
 *   invocation per container: nothing else waits on its event loop), the batch mode and the bench.
 * - `createWorkerScorer` (`@imgpipe/image-ops/scoring-worker`): on a worker thread, for the
 *   local runtime, whose one event loop also serves the UI/API and the in-process S3 and
 *   DynamoDB peers (tools/local README, "Early thumbnails").
 */
import { Ssimulacra2Reference, type RgbPixels } from './ssimulacra2';

/** An original prepared once for scoring several candidates against it. */
export interface PreparedOriginal {
  /**
   * SSIMULACRA2 of `distorted` (the original's size) against the original: 100 = identical.
   * `distorted.data` is handed over (see {@link Ssimulacra2Scorer}).
   *
   * @throws ImageOpsError (`PROCESSING_FAILED`, not retryable) for a size that differs or is under 8x8.
   */
  score(distorted: RgbPixels): Promise<number>;
  /** Frees the original's side (its planes); later scores are refused. Safe to call twice. */
  release(): void;
}

/**
 * Scores SSIMULACRA2 somewhere. The pixel arrays given to {@link prepare} and
 * {@link PreparedOriginal.score} are HANDED OVER: a scorer may transfer them to another
 * thread, after which they read as empty here; pass a copy of anything still needed.
 */
export interface Ssimulacra2Scorer {
  /**
   * Prepares `original` (its pyramid, XYB planes, means and variances) for scoring.
   *
   * @throws ImageOpsError (`PROCESSING_FAILED`, not retryable) for an original under 8x8 or
   *   not packed RGB; (retryable) when the scorer itself failed (a worker that died).
   */
  prepare(original: RgbPixels): Promise<PreparedOriginal>;
  /**
   * Optional: no scoring follows for a while (the caller turns to memory-heavy work, such as
   * the AVIF step's full-size encode after its search), so the scorer may give back what it
   * keeps while idle (the worker scorer ends its idle threads). Resolves once it has.
   */
  rest?(): Promise<void>;
}

/** A scorer whose originals are freed on release: a released one refuses to score (a caller's bug). */
function releasedError(): Error {
  return new RangeError('ssimulacra2: this original was released');
}

/**
 * SSIMULACRA2 on the calling thread: {@link Ssimulacra2Reference} as it is, behind the port.
 *
 * @example
 * ```ts
 * const original = await inThreadScorer.prepare(rgb);
 * try { await original.score(candidate); } finally { original.release(); }
 * ```
 */
export const inThreadScorer: Ssimulacra2Scorer = {
  async prepare(original) {
    let reference: Ssimulacra2Reference | undefined = new Ssimulacra2Reference(original);
    return {
      async score(distorted) {
        if (!reference) throw releasedError();
        return reference.score(distorted);
      },
      release() {
        reference = undefined;
      },
    };
  },
};
