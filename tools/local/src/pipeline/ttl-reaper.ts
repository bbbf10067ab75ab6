import { DeleteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableDefinition } from '@imgpipe/platform';

/** A table the reaper sweeps: its definition (keys, TTL attribute) and its name here. */
export interface ReapedTable {
  readonly definition: TableDefinition;
  readonly name: string;
}

/**
 * DynamoDB's Time to Live, which the local DynamoDB server (dynalite) does not implement:
 * every item whose TTL attribute (epoch seconds) is before `now` is deleted, conditionally on
 * it still being expired. Hand-written because no library emulates TTL for dynalite.
 *
 * Without it the local tables kept for ever what AWS lets expire: upload grants (a grant's key
 * names the file), Powertools idempotency records (task results hold the original's key, file
 * name included) and read-model records past their retention; so a purged image's file name
 * outlived its purge in the data directory.
 *
 * @returns how many items were deleted.
 */
export async function reapExpiredItems(
  documents: DynamoDBDocumentClient,
  tables: readonly ReapedTable[],
  now: Date,
): Promise<number> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let reaped = 0;
  for (const { definition, name } of tables) {
    const ttl = definition.timeToLiveAttribute;
    if (ttl === undefined) continue;
    const keyNames = [definition.partitionKey.name, ...(definition.sortKey ? [definition.sortKey.name] : [])];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName: name,
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': ttl },
          ExpressionAttributeValues: { ':now': nowSeconds },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const key = Object.fromEntries(keyNames.map((k) => [k, item[k]]));
        try {
          await documents.send(
            new DeleteCommand({
              TableName: name,
              Key: key,
              ConditionExpression: '#ttl < :now',
              ExpressionAttributeNames: { '#ttl': ttl },
              ExpressionAttributeValues: { ':now': nowSeconds },
            }),
          );
          reaped += 1;
        } catch (error) {
          // Renewed meanwhile (a new TTL): not expired any more, kept.
          if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return reaped;
}
