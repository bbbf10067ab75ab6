import { ConcurrencyConflictError } from '../errors';
import type { NewImageEvent } from './image-event-store.port';

/** What an append must write, decided from the history's `(sequence, eventId)` index. */
export interface AppendPlan {
  /** Events not yet in the history, in the order given. */
  readonly fresh: readonly NewImageEvent[];
  /** Ids of given events already in the history. */
  readonly duplicates: readonly string[];
  /** The history's last sequence: `fresh` goes after it. */
  readonly lastSequence: number;
}

/**
 * The append rules every {@link ImageEventStore} shares. The history may only have moved past
 * `expectedSequence` by events of this very batch (a retry after a partial write); anything
 * else is a concurrent writer.
 */
export function planAppend(
  imageId: string,
  expectedSequence: number,
  events: readonly NewImageEvent[],
  history: ReadonlyArray<{ readonly sequence: number; readonly eventId: string }>,
): AppendPlan {
  if (!Number.isInteger(expectedSequence) || expectedSequence < 0) {
    throw new RangeError(`expectedSequence must be a non-negative integer, got ${expectedSequence}`);
  }
  const batchIds = new Set(events.map((e) => e.eventId));
  if (batchIds.size !== events.length) throw new RangeError('an append batch must not repeat an eventId');

  const lastSequence = history.reduce((max, h) => Math.max(max, h.sequence), 0);
  const known = new Set(history.map((h) => h.eventId));
  const fresh = events.filter((e) => !known.has(e.eventId));
  const duplicates = events.filter((e) => known.has(e.eventId)).map((e) => e.eventId);
  // Nothing to write (a redelivery): whatever happened since is no conflict.
  if (fresh.length === 0) return { fresh, duplicates, lastSequence };

  const resource = `image-events/${imageId}`;
  if (lastSequence < expectedSequence) {
    throw new ConcurrencyConflictError(
      `image ${imageId}: expected sequence ${expectedSequence} but the history ends at ${lastSequence}`,
      resource,
    );
  }
  const foreign = history.find((h) => h.sequence > expectedSequence && !batchIds.has(h.eventId));
  if (foreign) {
    throw new ConcurrencyConflictError(
      `image ${imageId}: expected sequence ${expectedSequence} but ${foreign.sequence} was appended by another writer`,
      resource,
    );
  }
  return { fresh, duplicates, lastSequence };
}
