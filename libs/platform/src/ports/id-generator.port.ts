/**
 * Makes unique, time-ordered ids (image ids, event ids). Ids from one generator sort, as
 * plain strings, in the order they were made.
 */
export interface IdGenerator {
  next(): string;
}
