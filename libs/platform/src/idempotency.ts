import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';

export {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';

/** How long a completed result is replayed to duplicates (and an image's key is held). */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** What makes two deliveries "the same work" for an image task. */
export interface ImageIdempotencyKeyParts {
  readonly imageId: string;
  /** A hash of the original's bytes (e.g. its ETag or SHA-256). */
  readonly contentHash: string;
  /** The rendition set version: reprocessing under a new set is new work. */
  readonly renditionsVersion: string | number;
}

/** `imageId#contentHash#renditionsVersion`; every part must be non-empty. */
export function imageIdempotencyKey({ imageId, contentHash, renditionsVersion }: ImageIdempotencyKeyParts): string {
  const parts = [imageId, contentHash, String(renditionsVersion)];
  if (parts.some((p) => p.length === 0)) throw new RangeError('imageId, contentHash and renditionsVersion must be non-empty');
  return parts.join('#');
}

/**
 * A Lambda context for running idempotent work outside Lambda (local runtime, CLI, tests).
 * Powertools uses `getRemainingTimeInMillis` to let an interrupted in-progress record expire
 * (and warns "Could not determine remaining time left" without it).
 */
export function localLambdaContext(
  options: { functionName?: string; timeoutMs?: number; now?: () => number } = {},
): Context {
  const now = options.now ?? Date.now;
  const functionName = options.functionName ?? 'imgpipe-local';
  const deadline = now() + (options.timeoutMs ?? 60_000);
  const noop = () => undefined;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

export interface IdempotentOperationOptions<I> {
  /**
   * The operation's name, the key prefix (`compress`, `metadata.record`, ...). Keys of
   * different operations never collide, on AWS or in the one-process local runtime.
   */
  readonly name: string;
  /** The idempotency key of an input, e.g. `(i) => imageIdempotencyKey(i)` or `(i) => i.eventId`. */
  readonly key: (input: I) => string;
  /**
   * The part of the input a duplicate must repeat exactly (JSON); default: the whole input.
   * A different value under a stored key throws `IdempotencyValidationError`.
   */
  readonly validate?: (input: I) => unknown;
  /** The idempotency table and a DynamoDB client, or a ready persistence layer (not shared with another operation). */
  readonly persistence: { readonly tableName: string; readonly client: DynamoDBClient } | BasePersistenceLayer;
  readonly expiresAfterSeconds?: number;
}

interface Envelope<I> {
  readonly key: string;
  readonly check: unknown;
  readonly input: I;
}

/**
 * Wraps `fn` with Powertools idempotency (`makeIdempotent`, `DynamoDBPersistenceLayer`):
 * - the first call with a key runs `fn` and stores its (JSON) result;
 * - a duplicate (same key, same validated payload) returns the stored result without
 *   running `fn`;
 * - the same key with a different payload throws `IdempotencyValidationError` instead of
 *   silently returning or overwriting;
 * - a call while the first is still running throws `IdempotencyAlreadyInProgressError`
 *   (retry later); if `fn` throws, the record is removed so a retry runs it again.
 *
 * Pass the Lambda context on AWS; without one a {@link localLambdaContext} is used.
 *
 * @example
 * const record = makeIdempotentOperation(recordUseCase, {
 *   name: 'metadata.record',
 *   key: (i) => imageIdempotencyKey({ imageId: i.imageId, contentHash: i.etag, renditionsVersion: i.renditionsVersion }),
 *   persistence: { tableName: config.IDEMPOTENCY_TABLE, client: clients.dynamodb },
 * });
 * await record(input, context);
 */
export function makeIdempotentOperation<I, R>(
  fn: (input: I) => Promise<R>,
  options: IdempotentOperationOptions<I>,
): (input: I, context?: Context) => Promise<R> {
  if (options.name.trim() === '') throw new RangeError('an idempotent operation needs a name');
  const persistenceStore =
    'tableName' in options.persistence && 'client' in options.persistence
      ? new DynamoDBPersistenceLayer({ tableName: options.persistence.tableName, awsSdkV3Client: options.persistence.client })
      : (options.persistence as BasePersistenceLayer);
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'check',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  });
  const idempotent = makeIdempotent(
    async (envelope: Envelope<I>, _context: Context): Promise<R> => fn(envelope.input),
    { persistenceStore, config, keyPrefix: options.name },
  );
  const validate = options.validate ?? ((input: I) => input);

  return async (input: I, context?: Context): Promise<R> => {
    const key = options.key(input);
    if (typeof key !== 'string' || key.length === 0) {
      throw new RangeError(`idempotent operation ${options.name}: the key function returned no key`);
    }
    return idempotent(
      { key, check: validate(input) ?? null, input },
      context ?? localLambdaContext({ functionName: options.name }),
    );
  };
}
