/**
 * What a record task returns instead of recording when the image was deleted (and not
 * restored) while its run was in flight: no `ImageProcessed`/`ImageProcessingFailed` is
 * recorded or published, and the state machine ends the run as a success (its `Discarded`
 * Choice in `pipeline.asl.json`, which matches on `discarded`).
 */
export interface DiscardedRun {
  readonly discarded: true;
  readonly reason: 'ImageDeleted';
}

export const DISCARDED_BY_DELETE: DiscardedRun = Object.freeze({ discarded: true, reason: 'ImageDeleted' });

/** Whether a record task's output is a {@link DiscardedRun}. */
export function isDiscardedRun(output: object): output is DiscardedRun {
  return 'discarded' in output && output.discarded === true;
}
