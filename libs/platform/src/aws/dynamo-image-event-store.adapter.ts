import {
  GetCommand,
  PutCommand,
  QueryCommand,
  paginateScan,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrencyConflictError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  ImageEventStore,
  NewImageEvent,
  StoredImageEvent,
} from '../ports/image-event-store.port';
import { imageEventsTable } from '../tables';
import { dependencyError } from './errors';
import { planAppend } from '../ports/append-plan';

const PK = imageEventsTable.partitionKey.name;
const SK = imageEventsTable.sortKey.name;

const isConditionFailure = (error: unknown) =>
  typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConditionalCheckFailedException';

/**
 * {@link ImageEventStore} on the event store table (`imageId` + `sequence`). Each event is one
 * item written with `attribute_not_exists`, so an existing sequence is never overwritten;
 * the history is read with strongly consistent queries. No transactions are used (the local
 * DynamoDB server has none): a batch is written event by event, and a retry after a partial
 * write completes it (the written prefix counts as duplicates).
 */
export class DynamoImageEventStore implements ImageEventStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(imageId: string, expectedSequence: number, events: readonly NewImageEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const history = options.history ?? (await this.index(imageId));
    const plan = planAppend(imageId, expectedSequence, events, history);
    const appended: StoredImageEvent[] = [];
    const duplicates = [...plan.duplicates];
    let sequence = plan.lastSequence;

    for (const event of plan.fresh) {
      const stored: StoredImageEvent = { ...event, imageId, sequence: sequence + 1 };
      try {
        await this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(stored),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        );
        appended.push(stored);
        sequence += 1;
      } catch (error) {
        if (!isConditionFailure(error)) throw dependencyError('DynamoDB', 'PutItem', error);
        const winner = await this.eventIdAt(imageId, sequence + 1);
        if (winner !== event.eventId) {
          throw new ConcurrencyConflictError(
            `image ${imageId}: sequence ${sequence + 1} was written by another writer`,
            `image-events/${imageId}`,
            { cause: error },
          );
        }
        // The same event, written concurrently by a redelivery: it is stored once.
        duplicates.push(event.eventId);
        sequence += 1;
      }
    }
    return { appended, duplicates, lastSequence: sequence };
  }

  async load(imageId: string): Promise<StoredImageEvent[]> {
    const items = await this.query(imageId);
    return items.map(fromItem);
  }

  /**
   * One conditional UpdateItem per event whose detail changes (`SET detail`, on the condition
   * that the item at that sequence is still that event), so a concurrent redaction or append
   * can never make it overwrite another event.
   */
  async redact(imageId: string, redact: (event: StoredImageEvent) => Readonly<Record<string, unknown>>): Promise<number> {
    let rewritten = 0;
    for (const event of await this.load(imageId)) {
      const detail = redact(structuredClone(event));
      if (JSON.stringify(detail) === JSON.stringify(event.detail)) continue;
      try {
        await this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [PK]: imageId, [SK]: event.sequence },
            UpdateExpression: 'SET #detail = :detail',
            ConditionExpression: '#eventId = :eventId',
            ExpressionAttributeNames: { '#detail': 'detail', '#eventId': 'eventId' },
            ExpressionAttributeValues: { ':detail': detail, ':eventId': event.eventId },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) {
          throw new ConcurrencyConflictError(
            `image ${imageId}: sequence ${event.sequence} no longer holds event ${event.eventId}`,
            `image-events/${imageId}`,
            { cause: error },
          );
        }
        throw dependencyError('DynamoDB', 'UpdateItem', error);
      }
      rewritten += 1;
    }
    return rewritten;
  }

  async *scanImageIds(): AsyncIterable<string> {
    // The SDK's own paginator follows LastEvaluatedKey.
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.tableName,
        // Every history starts at sequence 1: one item per image.
        FilterExpression: '#sk = :first',
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':first': 1 },
      },
    );
    try {
      for await (const page of pages) for (const item of page.Items ?? []) yield String(item[PK]);
    } catch (error) {
      throw dependencyError('DynamoDB', 'Scan', error);
    }
  }

  private async index(imageId: string): Promise<Array<{ sequence: number; eventId: string }>> {
    const items = await this.query(imageId, '#sk, eventId');
    return items.map((item) => ({ sequence: Number(item[SK]), eventId: String(item['eventId']) }));
  }

  private async eventIdAt(imageId: string, sequence: number): Promise<string | undefined> {
    try {
      const out = await this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { [PK]: imageId, [SK]: sequence }, ConsistentRead: true }),
      );
      return out.Item ? String(out.Item['eventId']) : undefined;
    } catch (error) {
      throw dependencyError('DynamoDB', 'GetItem', error);
    }
  }

  private async query(imageId: string, projection?: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      let out;
      try {
        out = await this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :id',
            ExpressionAttributeNames: { '#pk': PK, ...(projection ? { '#sk': SK } : {}) },
            ExpressionAttributeValues: { ':id': imageId },
            ConsistentRead: true,
            ScanIndexForward: true,
            ...(projection ? { ProjectionExpression: projection } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
      } catch (error) {
        throw dependencyError('DynamoDB', 'Query', error);
      }
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function toItem(event: StoredImageEvent): Record<string, unknown> {
  return {
    [PK]: event.imageId,
    [SK]: event.sequence,
    eventId: event.eventId,
    source: event.source,
    detailType: event.detailType,
    occurredAt: event.occurredAt,
    detail: event.detail,
  };
}

function fromItem(item: Record<string, unknown>): StoredImageEvent {
  return {
    imageId: String(item[PK]),
    sequence: Number(item[SK]),
    eventId: String(item['eventId']),
    source: String(item['source']),
    detailType: String(item['detailType']),
    occurredAt: String(item['occurredAt']),
    detail: (item['detail'] ?? {}) as Record<string, unknown>,
  };
}
