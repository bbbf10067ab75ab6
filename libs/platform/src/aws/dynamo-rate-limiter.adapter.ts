import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../ports/clock.port';
import {
  RATE_COUNTER_RETENTION_SECONDS,
  rateCounterKey,
  rateWindow,
  refusal,
  type RateDecision,
  type RateLimit,
  type RateLimiter,
} from '../ports/rate-limiter.port';
import { rateLimitsTable } from '../tables';
import { dependencyError } from './errors';

const PK = rateLimitsTable.partitionKey.name;
const TTL = rateLimitsTable.timeToLiveAttribute;

const isConditionFailure = (error: unknown) =>
  typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConditionalCheckFailedException';

/**
 * {@link RateLimiter} on the `rate-limits` table: a fixed-window counter, one item per bucket,
 * user and window, taken by ONE conditional `UpdateItem` per request (`ADD count 1` only where
 * `count < limit`). DynamoDB applies conditional writes to one item one at a time, so
 * concurrent requests can never count past the limit; a refused request writes nothing. Items
 * carry a TTL (`expiresAt`) an hour after their window; the key names the window, so an old
 * item the TTL has not removed yet is never read again.
 *
 * Hand-written on purpose: neither the SDK nor Powertools has a rate limiter, and a fixed
 * window is the one algorithm DynamoDB can decide in a single conditional write (a token
 * bucket's refill needs a read first).
 */
export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async consume(subject: string, bucket: string, limit: RateLimit): Promise<RateDecision> {
    const now = this.clock.now();
    const { start, end } = rateWindow(now, limit.windowSeconds);
    try {
      const out = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: rateCounterKey(bucket, subject, start) },
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit.requests, ':ttl': end + RATE_COUNTER_RETENTION_SECONDS },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const count = Number((out.Attributes as { count?: number } | undefined)?.count ?? limit.requests);
      return { allowed: true, remaining: Math.max(0, limit.requests - count), resetAt: new Date(end * 1000) };
    } catch (error) {
      if (isConditionFailure(error)) return refusal(now, end);
      throw dependencyError('DynamoDB', 'UpdateItem', error);
    }
  }
}
