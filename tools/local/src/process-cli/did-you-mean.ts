// `leven` (sindresorhus, the Levenshtein distance jest and eslint already install): a tiny,
// well-kept package rather than a hand-written distance.
import leven from 'leven';

/**
 * The candidate closest to `input` by edit distance, when it is close enough to be a typo
 * (at most a third of the longer word's letters, and at least 1 edit allowed), else
 * `undefined`.
 *
 * @example didYouMean('proces', ['process', 'events']); // 'process'
 * @example didYouMean('xyz', ['process', 'events']);    // undefined
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: { readonly candidate: string; readonly distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = leven(input.toLowerCase(), candidate.toLowerCase());
    if (distance < (best?.distance ?? Number.POSITIVE_INFINITY)) best = { candidate, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.candidate.length) / 3));
  return best.distance <= allowed ? best.candidate : undefined;
}

/** ` (did you mean "x"?)` for a close candidate, else `''`. */
export function suggestion(input: string, candidates: readonly string[], quote: (s: string) => string = (s) => `"${s}"`): string {
  const close = didYouMean(input, candidates);
  return close === undefined ? '' : ` (did you mean ${quote(close)}?)`;
}
