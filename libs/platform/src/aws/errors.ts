import { DependencyError } from '../errors';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TransactionInProgressException',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Whether retrying the failed SDK call can help: throttling, 5xx, timeouts and network errors. */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  return (typeof e.name === 'string' && (THROTTLING.has(e.name) || NETWORK.has(e.name))) ||
    (typeof e.code === 'string' && NETWORK.has(e.code));
}

/** Wraps an SDK error the adapter has no domain meaning for. */
export function dependencyError(dependency: string, operation: string, error: unknown): DependencyError {
  return new DependencyError(dependency, operation, isRetryableAwsError(error), { cause: error });
}
