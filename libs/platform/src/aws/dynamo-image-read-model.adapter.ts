import { DeleteCommand, PutCommand, QueryCommand, paginateQuery, paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { nameSearchKey } from '@imgpipe/contracts/views';
import { decodeCursor, encodeCursor, resolvePageLimit } from '../cursor';
import { ConcurrencyConflictError, DependencyError, InvalidCursorError } from '../errors';
import {
  DELETION_ATTRIBUTES,
  FILTER_ATTRIBUTES,
  PROCESSING_ATTRIBUTES,
  type ImagePage,
  type ImageReadModel,
  type ImageRecord,
  type ImageRecordKey,
  type ListByUserOptions,
  type ProcessingRecordKey,
  type ReadModelFilter,
} from '../ports/image-read-model.port';
import { imageMetadataTable, PROCESSING_INDEX, PROCESSING_INDEX_SHARDS, PROCESSING_SHARD_ATTRIBUTE, USER_ID_INDEX } from '../tables';
import { dependencyError } from './errors';

const PK = imageMetadataTable.partitionKey.name;
const SK = imageMetadataTable.sortKey.name;
const USER = 'userId';
const REVISION = 'revision';
const CURSOR_FIELDS = [PK, SK, USER] as const;
/** The sparse index's partition key: written only on a `processing` record, never read back. */
const SHARD = PROCESSING_SHARD_ATTRIBUTE;

/** The index shard of an image: a stable hash (FNV-1a) of its id, so its writes always go to one shard. */
export function processingShardOf(imageId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < imageId.length; i++) hash = Math.imul(hash ^ imageId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % PROCESSING_INDEX_SHARDS;
}

/**
 * The name search's key of the file name (`nameSearchKey` of the last segment of
 * `originalKey`), written on every put and never read back: DynamoDB compares strings only
 * as they are (no lower-case function), so a case-insensitive `contains` needs the key
 * stored. A record written before this attribute existed is matched case-sensitively on its
 * key until it is written again: its next event, or {@link DynamoImageReadModel.backfillNameSearch}
 * (the local runtime runs it at start until it has once finished, its data directory's marker
 * then says so; on AWS, `imgpipe backfill-name-search`, once after the deploy that adds the search).
 */
const NAME_SEARCH = 'nameSearch';

/** How far {@link DynamoImageReadModel.backfillNameSearch} has got: counts since it started. */
export interface BackfillNameSearchProgress {
  /** Items the Scan read (the whole table, once, by the end). */
  readonly scanned: number;
  /** Records among them with a file name and no search key. */
  readonly matched: number;
  /** Records put back with the key. */
  readonly written: number;
  /** Records a writer changed between the Scan and the put (that write gave them the key). */
  readonly changedMeanwhile: number;
}

/** What {@link DynamoImageReadModel.backfillNameSearch} did: its final counts, and whether it got through the table. */
export interface BackfillNameSearchResult extends BackfillNameSearchProgress {
  /**
   * `true` when it went through the whole Scan and tried every record it matched; `false` when
   * `signal` stopped it with a record or a page still to go (a later run takes up the rest). An
   * abort that comes after the last record of the last page leaves it `true`: nothing was left.
   */
  readonly complete: boolean;
}

/** Options of {@link DynamoImageReadModel.backfillNameSearch}. */
export interface BackfillNameSearchOptions {
  /** Called after every Scan page with the counts so far. */
  readonly onProgress?: (progress: BackfillNameSearchProgress) => void;
  /** Stops the backfill before its next put (an interrupt); what is written stays written. */
  readonly signal?: AbortSignal;
}

/** The item as stored: the record, plus the sparse index's key while it is `processing` (a put replaces the whole item, so leaving it drops it) and the name search's key. */
function toItem(record: object): Record<string, unknown> {
  const fields = record as Record<string, unknown>;
  const { status, processing, updatedAt } = PROCESSING_ATTRIBUTES;
  const indexed = fields[status] === processing && typeof fields[updatedAt] === 'string';
  const { [SHARD]: _stale, [NAME_SEARCH]: _staleName, ...rest } = fields;
  const key = fields[FILTER_ATTRIBUTES.originalKey];
  return {
    ...rest,
    ...(indexed ? { [SHARD]: processingShardOf(String(fields[PK])) } : {}),
    ...(typeof key === 'string' ? { [NAME_SEARCH]: nameSearchKey(key.slice(key.lastIndexOf('/') + 1)) } : {}),
  };
}

/** The record as the port returns it: without the index's and the search's bookkeeping. */
function fromItem<R>(item: Record<string, unknown>): R {
  const { [SHARD]: _shard, [NAME_SEARCH]: _name, ...record } = item;
  return record as R;
}

/** A {@link ReadModelFilter} as a `FilterExpression` with its names and values; `undefined` when it filters nothing. */
function filterExpression(filter: ReadModelFilter | undefined):
  | { FilterExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> }
  | undefined {
  if (!filter) return undefined;
  const { status, format, deletedAt, undoUntil, purgedAt } = FILTER_ATTRIBUTES;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const terms: string[] = [];
  const list = (prefix: string, items: readonly string[]) =>
    items.map((item, i) => {
      values[`:${prefix}${i}`] = item;
      return `:${prefix}${i}`;
    });
  if (filter.statuses) {
    names['#fstatus'] = status;
    // An empty list matches nothing (DynamoDB refuses `IN ()`).
    terms.push(filter.statuses.length === 0 ? 'attribute_not_exists(#fstatus) AND attribute_exists(#fstatus)' : `#fstatus IN (${list('s', filter.statuses).join(', ')})`);
  }
  if (filter.notStatuses && filter.notStatuses.length > 0) {
    names['#fstatus'] = status;
    terms.push(`NOT (#fstatus IN (${list('n', filter.notStatuses).join(', ')}))`);
  }
  if (filter.format !== undefined) {
    names['#fformat'] = format;
    values[':format'] = filter.format;
    terms.push('#fformat = :format');
  }
  if (filter.nameContains !== undefined) {
    names['#fname'] = NAME_SEARCH;
    values[':name'] = nameSearchKey(filter.nameContains);
    // A record written before the search key existed (on AWS until the backfill has run) is
    // matched on its key's file name as typed (spaces are `_` in upload keys): case-sensitive,
    // but found rather than missing.
    names['#fkey'] = FILTER_ATTRIBUTES.originalKey;
    values[':rawName'] = filter.nameContains.replace(/ /g, '_');
    terms.push('contains(#fname, :name) OR (attribute_not_exists(#fname) AND contains(#fkey, :rawName))');
  }
  if (filter.restorable) {
    Object.assign(names, { '#fpurged': purgedAt, '#funtil': undoUntil, '#fdeleted': deletedAt });
    Object.assign(values, { ':now': filter.restorable.now, ':deletedAfter': filter.restorable.deletedAfter });
    terms.push('attribute_not_exists(#fpurged) AND (#funtil > :now OR (attribute_not_exists(#funtil) AND #fdeleted > :deletedAfter))');
  }
  if (terms.length === 0) return undefined;
  return { FilterExpression: terms.map((t) => `(${t})`).join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

const isConditionFailure = (error: unknown) =>
  typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConditionalCheckFailedException';

function assertRevision(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
}

/**
 * {@link ImageReadModel} on the `image-metadata` table (document client). Writes carry a
 * condition on `revision`; listing goes through the `user-id-index`, newest upload first.
 */
export class DynamoImageReadModel<T extends object = Record<string, unknown>> implements ImageReadModel<T> {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(imageId: string): Promise<ImageRecord<T> | undefined> {
    try {
      const out = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :id',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':id': imageId },
          ConsistentRead: true,
          Limit: 1,
        }),
      );
      const item = out.Items?.[0];
      return item ? fromItem<ImageRecord<T>>(item) : undefined;
    } catch (error) {
      throw dependencyError('DynamoDB', 'Query', error);
    }
  }

  async put(record: ImageRecord<T>, { expectedRevision }: { readonly expectedRevision: number }): Promise<void> {
    assertRevision(expectedRevision, 'expectedRevision');
    assertRevision(record.revision, 'revision');
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ...this.condition(expectedRevision),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw this.conflict(record.imageId, expectedRevision, error);
      throw dependencyError('DynamoDB', 'PutItem', error);
    }
  }

  async remove(
    key: Pick<ImageRecordKey, 'imageId' | 'uploadedAt'>,
    { expectedRevision }: { readonly expectedRevision: number },
  ): Promise<void> {
    assertRevision(expectedRevision, 'expectedRevision');
    if (expectedRevision === 0) throw new RangeError('remove needs the revision of an existing record');
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [PK]: key.imageId, [SK]: key.uploadedAt },
          ...this.condition(expectedRevision),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw this.conflict(key.imageId, expectedRevision, error);
      throw dependencyError('DynamoDB', 'DeleteItem', error);
    }
  }

  async listByUser(userId: string, options: ListByUserOptions = {}): Promise<ImagePage<ImageRecord<T>>> {
    const limit = resolvePageLimit(options.limit);
    let start: Record<string, string> | undefined;
    if (options.cursor !== undefined) {
      start = decodeCursor(options.cursor, CURSOR_FIELDS);
      if (start[USER] !== userId) throw new InvalidCursorError();
    }
    const filter = filterExpression(options.filter);
    try {
      const out = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: USER_ID_INDEX,
          KeyConditionExpression: '#user = :user',
          ExpressionAttributeNames: { '#user': USER, ...filter?.ExpressionAttributeNames },
          ExpressionAttributeValues: { ':user': userId, ...filter?.ExpressionAttributeValues },
          ...(filter ? { FilterExpression: filter.FilterExpression } : {}),
          ScanIndexForward: false,
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const last = out.LastEvaluatedKey;
      return {
        items: (out.Items ?? []).map((item) => fromItem<ImageRecord<T>>(item)),
        ...(last
          ? { cursor: encodeCursor({ [PK]: String(last[PK]), [SK]: String(last[SK]), [USER]: String(last[USER]) }) }
          : {}),
      };
    } catch (error) {
      throw dependencyError('DynamoDB', 'Query', error);
    }
  }

  /**
   * A `Select: COUNT` Query of the user's `user-id-index` partition with the filter, every
   * page (the SDK's paginator): DynamoDB reads every record of the user to count them, 1 MB
   * a round trip, and bills what it reads, not what matches. A record with its delivery
   * record is ~2-4 kB, so 1,000 images are ~3 MB: ~3 round trips and ~375 read request units
   * (eventually consistent: half a unit per 4 kB), about $0.05 per thousand counts on demand
   * ($0.125 per million units). Fine at the design's scale (a person's library of thousands); a
   * library of millions would keep counters in the projection instead.
   */
  async countByUser(userId: string, filter?: ReadModelFilter): Promise<number> {
    const expression = filterExpression(filter);
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        IndexName: USER_ID_INDEX,
        KeyConditionExpression: '#user = :user',
        ExpressionAttributeNames: { '#user': USER, ...expression?.ExpressionAttributeNames },
        ExpressionAttributeValues: { ':user': userId, ...expression?.ExpressionAttributeValues },
        ...(expression ? { FilterExpression: expression.FilterExpression } : {}),
        Select: 'COUNT',
      },
    );
    let count = 0;
    try {
      for await (const page of pages) count += page.Count ?? 0;
    } catch (error) {
      throw dependencyError('DynamoDB', 'Query', error);
    }
    return count;
  }

  /**
   * A migration for records written before the name search's key existed (they are not found
   * by name until written again, and a read-model rebuild skips a record whose data did not
   * change): a Scan for records with an `originalKey` and no key, each put back unchanged at
   * its own revision, which writes the key. A record a writer changed meanwhile is skipped (the
   * writer wrote its key). Reads the whole table once; idempotent. Returns its counts and
   * whether it finished (`complete`).
   *
   * `onProgress` hears the counts after every Scan page. Once `signal` is aborted it stops
   * before the next put and returns what it wrote, `complete: false` if anything was left:
   * every record is written whole or not at all, and a later run takes up the rest (it looks
   * for records without the key).
   */
  async backfillNameSearch(options: BackfillNameSearchOptions = {}): Promise<BackfillNameSearchResult> {
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.tableName,
        FilterExpression: 'attribute_exists(#key) AND attribute_not_exists(#name)',
        ExpressionAttributeNames: { '#key': FILTER_ATTRIBUTES.originalKey, '#name': NAME_SEARCH },
      },
    );
    const progress = { scanned: 0, matched: 0, written: 0, changedMeanwhile: 0 };
    // Whether the abort left something undone (a record of this page, or a page after it): an
    // abort heard only after the last record of the last page stopped nothing.
    let stoppedEarly = false;
    try {
      for await (const page of pages) {
        progress.scanned += page.ScannedCount ?? 0;
        progress.matched += page.Count ?? 0;
        for (const item of page.Items ?? []) {
          if (options.signal?.aborted) {
            stoppedEarly = true;
            break;
          }
          const record = fromItem<ImageRecord<T>>(item);
          try {
            await this.put(record, { expectedRevision: record.revision });
            progress.written += 1;
          } catch (error) {
            if (!(error instanceof ConcurrencyConflictError)) throw error;
            progress.changedMeanwhile += 1;
          }
        }
        options.onProgress?.({ ...progress });
        if (options.signal?.aborted && (stoppedEarly || page.LastEvaluatedKey !== undefined)) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (error) {
      // A put's failure is classified already; the Scan's is not.
      if (error instanceof DependencyError) throw error;
      throw dependencyError('DynamoDB', 'Scan', error);
    }
    return { ...progress, complete: !stoppedEarly };
  }

  /**
   * A Scan with a filter: it reads (and is billed for) the whole table on every call, one
   * 1 MB page at a time, and returns only the matching records. Fine for an hourly purge of a
   * table of this size (a million records is about 1 GB read, roughly 125 000 RCUs on
   * demand, per run); past that, a sparse GSI on `undoUntil` (written only while `deleted`
   * and unpurged) would make it a Query. Strongly consistent, so a purge never skips a
   * record just written.
   */
  async *listDeletedBefore(instant: string): AsyncIterable<ImageRecord<T>> {
    const { status, deleted, undoUntil, purgedAt } = DELETION_ATTRIBUTES;
    // The SDK's own paginator follows LastEvaluatedKey.
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.tableName,
        FilterExpression: '#status = :deleted AND #until < :instant AND attribute_not_exists(#purged)',
        ExpressionAttributeNames: { '#status': status, '#until': undoUntil, '#purged': purgedAt },
        ExpressionAttributeValues: { ':deleted': deleted, ':instant': instant },
        ConsistentRead: true,
      },
    );
    try {
      for await (const page of pages) for (const item of page.Items ?? []) yield fromItem<ImageRecord<T>>(item);
    } catch (error) {
      throw dependencyError('DynamoDB', 'Scan', error);
    }
  }

  /**
   * One Query per shard of the sparse `processing-since-index` (`updatedAt < instant`): it
   * reads only the images in flight, however large the table. Eventually consistent (an
   * index always is): the reconciler re-reads each candidate's history before it acts.
   */
  async *listProcessingBefore(instant: string): AsyncIterable<ProcessingRecordKey> {
    const { updatedAt } = PROCESSING_ATTRIBUTES;
    for (let shard = 0; shard < PROCESSING_INDEX_SHARDS; shard++) {
      const pages = paginateQuery(
        { client: this.documents },
        {
          TableName: this.tableName,
          IndexName: PROCESSING_INDEX,
          KeyConditionExpression: '#shard = :shard AND #updated < :instant',
          ExpressionAttributeNames: { '#shard': SHARD, '#updated': updatedAt },
          ExpressionAttributeValues: { ':shard': shard, ':instant': instant },
        },
      );
      try {
        for await (const page of pages) {
          for (const item of page.Items ?? []) {
            yield { imageId: String(item[PK]), uploadedAt: String(item[SK]), updatedAt: String(item[updatedAt]) };
          }
        }
      } catch (error) {
        throw dependencyError('DynamoDB', 'Query', error);
      }
    }
  }

  private condition(expectedRevision: number): {
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return expectedRevision === 0
      ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
      : {
          ConditionExpression: '#rev = :expected',
          ExpressionAttributeNames: { '#rev': REVISION },
          ExpressionAttributeValues: { ':expected': expectedRevision },
        };
  }

  private conflict(imageId: string, expectedRevision: number, cause: unknown): ConcurrencyConflictError {
    return new ConcurrencyConflictError(
      expectedRevision === 0
        ? `image ${imageId}: the read-model record already exists`
        : `image ${imageId}: the read-model record is no longer at revision ${expectedRevision}`,
      `image-metadata/${imageId}`,
      { cause },
    );
  }
}
