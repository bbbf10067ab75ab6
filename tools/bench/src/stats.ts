/** Summary of a list of samples (milliseconds, bytes, anything numeric). */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The median of the samples: the middle value, or the mean of the two middle values for
 * an even count. The input is not mutated.
 *
 * @throws RangeError when there are no samples: a median of nothing is a bug upstream.
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** The arithmetic mean; throws on an empty list like {@link median}. */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('mean of no samples');
  return samples.reduce((sum, x) => sum + x, 0) / samples.length;
}

/** n, median, mean, min and max of the samples. */
export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    median: median(samples),
    mean: mean(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/**
 * Throughput in items per second from a count and a wall time in milliseconds.
 * Zero items give zero; a zero or negative duration with items is a measuring error.
 */
export function perSecond(items: number, wallMs: number): number {
  if (items === 0) return 0;
  if (!(wallMs > 0)) throw new RangeError(`non-positive wall time ${wallMs} ms for ${items} items`);
  return (items * 1000) / wallMs;
}

/**
 * `a / b`, or `undefined` when either side is missing or `b` is zero, so a skipped peer
 * prints as a dash instead of `Infinity`.
 */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}
