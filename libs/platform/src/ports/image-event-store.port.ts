/** An event as it is appended to an image's history. */
export interface NewImageEvent {
  /** Unique per event; appending an event whose id is already in the history is a no-op. */
  readonly eventId: string;
  /** The EventBridge `source`, e.g. `imgpipe.metadata`. */
  readonly source: string;
  /** The event name (EventBridge `detail-type`), e.g. `ImageProcessed`. */
  readonly detailType: string;
  /** ISO 8601 time the event happened. */
  readonly occurredAt: string;
  /** The event's `detail` (envelope and data) exactly as published. */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** An event in an image's history. */
export interface StoredImageEvent extends NewImageEvent {
  readonly imageId: string;
  /** 1 for the first event of an image, then 2, 3, ... with no gaps. */
  readonly sequence: number;
}

export interface AppendResult {
  /** The events this call stored, with their sequences. */
  readonly appended: readonly StoredImageEvent[];
  /** Ids of the given events that were already in the history (stored once, not again). */
  readonly duplicates: readonly string[];
  /** The sequence of the history's last event after the call. */
  readonly lastSequence: number;
}

/** What a caller may tell {@link ImageEventStore.append}. */
export interface AppendOptions {
  /**
   * The history as the caller has just read it with {@link ImageEventStore.load} (a strongly
   * consistent read): the store plans the append from it instead of reading the history
   * again. One round trip less per append; safe when it is stale, because every write is
   * still conditional on its sequence (a sequence taken meanwhile is a duplicate of the same
   * event or a `ConcurrencyConflictError`, never an overwrite).
   */
  readonly history?: ReadonlyArray<{ readonly sequence: number; readonly eventId: string }>;
}

/**
 * The append-only history of every image: the source of truth the read model is projected
 * from.
 *
 * `append(imageId, expectedSequence, events)` writes the events after `expectedSequence`
 * (0 for a new image) with a conditional put, so:
 * - an event whose `eventId` is already in the history is stored once and reported in
 *   `duplicates` (a redelivery or a retry after a partial write is harmless);
 * - a sequence that already holds a different event is never overwritten: the call throws
 *   `ConcurrencyConflictError` (someone else appended first; reload and retry).
 */
export interface ImageEventStore {
  append(imageId: string, expectedSequence: number, events: readonly NewImageEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** The whole history in sequence order; empty for an unknown image. */
  load(imageId: string): Promise<StoredImageEvent[]>;
  /** Every image id with a history, once each, in no particular order (whole-table rebuilds). */
  scanImageIds(): AsyncIterable<string>;
  /**
   * Rewrites the `detail` of every stored event of the image through `redact` (erasure of
   * personal data after a purge; e.g. `redactEvent` of `@imgpipe/contracts`). The one
   * exception to "append-only": sequences, ids, types and times stay; only details change,
   * and only where `redact` returns something different. `redact` must be idempotent, so a
   * second or concurrent run rewrites nothing new.
   *
   * @returns how many events were rewritten.
   */
  redact(imageId: string, redact: (event: StoredImageEvent) => Readonly<Record<string, unknown>>): Promise<number>;
}
