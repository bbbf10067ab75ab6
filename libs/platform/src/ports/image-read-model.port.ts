/** The key attributes every read-model record has. */
export interface ImageRecordKey {
  readonly imageId: string;
  /** The owner (JWT `sub`); the `user-id-index` partition. */
  readonly userId: string;
  /** ISO 8601 upload time; the table's range key and the index's sort key. */
  readonly uploadedAt: string;
}

/**
 * A read-model record: the key, a `revision` for optimistic concurrency, and whatever the
 * projection stores (`T`). The projection chooses the revision (e.g. the number of events
 * applied), so a rebuild from the history reproduces it exactly.
 */
export type ImageRecord<T extends object = Record<string, unknown>> = ImageRecordKey &
  T & { readonly revision: number };

export interface ListByUserOptions {
  /**
   * Page size, 1-100 (default 20): how many of the user's records one read EVALUATES (as
   * DynamoDB's `Limit` does); with a `filter`, the page holds those that match, so it may be
   * short, even empty, and still have a cursor.
   */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
  /** Which records to return; evaluated by the store (a `FilterExpression` on DynamoDB). */
  readonly filter?: ReadModelFilter;
}

/**
 * Conditions on a user's records, all of which must hold; an absent field does not filter.
 * The store evaluates them (on DynamoDB a `FilterExpression` of the `user-id-index` Query:
 * billed for every record read, not only those that match).
 */
export interface ReadModelFilter {
  /** `status` is one of these. */
  readonly statuses?: readonly string[];
  /** `status` is none of these (`['deleted']`: every image not deleted). */
  readonly notStatuses?: readonly string[];
  /** `format` (the original's) is this. */
  readonly format?: string;
  /**
   * The file name (the last segment of `originalKey`) contains this, compared by the
   * contracts' `nameSearchKey` (any case, `_` as a space). Non-empty.
   */
  readonly nameContains?: string;
  /**
   * A deleted record still restorable at `now`: not purged, and `undoUntil` after `now`, or,
   * for one without `undoUntil` (an `ImageDeleted` v1), `deletedAt` after `deletedAfter`
   * (`now` less the undo window). ISO 8601 UTC, compared as strings.
   */
  readonly restorable?: { readonly now: string; readonly deletedAfter: string };
}

/** The attributes a {@link ReadModelFilter} reads: the projection's names for them. */
export const FILTER_ATTRIBUTES = {
  status: 'status',
  format: 'format',
  originalKey: 'originalKey',
  deletedAt: 'deletedAt',
  undoUntil: 'undoUntil',
  purgedAt: 'purgedAt',
} as const;

export interface ImagePage<R> {
  /** Newest upload first. */
  readonly items: R[];
  /** Pass back for the next page; absent on the last page. */
  readonly cursor?: string;
}

/**
 * The queryable projection of the event history (the `image-metadata` table).
 *
 * Writes are conditional on the revision the writer read: `expectedRevision` 0 means "the
 * record must not exist yet". A mismatch throws `ConcurrencyConflictError` and writes
 * nothing.
 */
export interface ImageReadModel<T extends object = Record<string, unknown>> {
  get(imageId: string): Promise<ImageRecord<T> | undefined>;
  put(record: ImageRecord<T>, options: { readonly expectedRevision: number }): Promise<void>;
  remove(key: Pick<ImageRecordKey, 'imageId' | 'uploadedAt'>, options: { readonly expectedRevision: number }): Promise<void>;
  /** One user's images, newest upload first, a page at a time. Throws `InvalidCursorError` for a foreign cursor. */
  listByUser(userId: string, options?: ListByUserOptions): Promise<ImagePage<ImageRecord<T>>>;
  /**
   * How many of one user's records match `filter` (all of them without one). On DynamoDB a
   * `Select: COUNT` Query of the user's `user-id-index` partition: it reads (and is billed
   * for) every record of the user, 1 MB a round trip, whatever the filter.
   */
  countByUser(userId: string, filter?: ReadModelFilter): Promise<number>;
  /**
   * Every record whose undo window is over and that is not purged yet: `status` `deleted`,
   * an `undoUntil` before `instant` (ISO 8601 UTC, compared as strings), no `purgedAt`. In
   * no particular order; the purge's work list.
   */
  listDeletedBefore(instant: string): AsyncIterable<ImageRecord<T>>;
  /**
   * Every record still `processing` whose last event (`updatedAt`) is before `instant` (ISO
   * 8601 UTC, compared as strings): the reconciler's work list, keys only, in no particular
   * order. On DynamoDB a Query of the sparse `processing-since-index` per shard, never a Scan;
   * an index is eventually consistent, so the caller re-reads the history before acting.
   */
  listProcessingBefore(instant: string): AsyncIterable<ProcessingRecordKey>;
}

/** What {@link ImageReadModel.listProcessingBefore} returns of a record. */
export interface ProcessingRecordKey extends Pick<ImageRecordKey, 'imageId' | 'uploadedAt'> {
  /** `occurredAt` of the last event the record applied. */
  readonly updatedAt: string;
}

/** The attributes {@link ImageReadModel.listDeletedBefore} reads: the projection's names for them. */
export const DELETION_ATTRIBUTES = { status: 'status', deleted: 'deleted', undoUntil: 'undoUntil', purgedAt: 'purgedAt' } as const;

/** The attributes {@link ImageReadModel.listProcessingBefore} reads: the projection's names for them. */
export const PROCESSING_ATTRIBUTES = { status: 'status', processing: 'processing', updatedAt: 'updatedAt' } as const;
