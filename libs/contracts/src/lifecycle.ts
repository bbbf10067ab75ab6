/**
 * The lifecycle of a deleted image, defined once: how long the owner may undo a delete
 * before the original is erased. Read by ingest (the `undoUntil` it writes into
 * `ImageDeleted` v2) and metadata (the fold, for v1 deletes that carry no `undoUntil`, and
 * the purge), each from its own `UNDO_WINDOW_SECONDS`, defaulting to this.
 */

/** 7 days: the default of `UNDO_WINDOW_SECONDS`. */
export const DEFAULT_UNDO_WINDOW_SECONDS = 604_800;

/** Largest window a deployment may configure (a year): a delete must end in erasure. */
export const MAX_UNDO_WINDOW_SECONDS = 31_536_000;

/**
 * The instant a delete can no longer be undone: `deletedAt` + the window, as the UTC ISO
 * string the contracts use.
 *
 * @example
 * undoDeadline('2025-06-02T08:30:00.000Z', DEFAULT_UNDO_WINDOW_SECONDS) // '2025-06-09T08:30:00.000Z'
 */
export function undoDeadline(deletedAt: string, windowSeconds: number = DEFAULT_UNDO_WINDOW_SECONDS): string {
  const at = Date.parse(deletedAt);
  if (Number.isNaN(at)) throw new RangeError(`deletedAt is not an instant: ${deletedAt}`);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 0) {
    throw new RangeError(`the undo window must be a non-negative number of seconds, got ${windowSeconds}`);
  }
  return new Date(at + windowSeconds * 1000).toISOString();
}
