import { DeleteCommand, PutCommand, QueryCommand, paginateQuery, paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, resolvePageLimit } from '../cursor';
import { ConcurrencyConflictError, InvalidCursorError } from '../errors';
import {
  DELETION_ATTRIBUTES,
  PROCESSING_ATTRIBUTES,
  type ImagePage,
  type ImageReadModel,
  type ImageRecord,
  type ImageRecordKey,
  type ListByUserOptions,
  type ProcessingRecordKey,
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

/** The item as stored: the record, plus the sparse index's key while it is `processing` (a put replaces the whole item, so leaving it drops it). */
function toItem(record: object): Record<string, unknown> {
  const fields = record as Record<string, unknown>;
  const { status, processing, updatedAt } = PROCESSING_ATTRIBUTES;
  const indexed = fields[status] === processing && typeof fields[updatedAt] === 'string';
  const { [SHARD]: _stale, ...rest } = fields;
  return indexed ? { ...rest, [SHARD]: processingShardOf(String(fields[PK])) } : rest;
}

/** The record as the port returns it: without the index's bookkeeping. */
function fromItem<R>(item: Record<string, unknown>): R {
  const { [SHARD]: _shard, ...record } = item;
  return record as R;
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
    try {
      const out = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: USER_ID_INDEX,
          KeyConditionExpression: '#user = :user',
          ExpressionAttributeNames: { '#user': USER },
          ExpressionAttributeValues: { ':user': userId },
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
