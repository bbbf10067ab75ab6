/**
 * A per-caller request budget: at most `requests` in each fixed window of `windowSeconds`
 * (windows start at multiples of `windowSeconds` since the epoch, the same for every caller).
 */
export interface RateLimit {
  readonly requests: number;
  readonly windowSeconds: number;
}

/**
 * The upload API's classes of requests, each with its own per-user budget (ingest's
 * `OPERATION_RATE_CLASS` says which operation spends which): `uploads` (`POST /uploads`),
 * `changes` (delete, restore), `reads`.
 */
export const API_RATE_CLASSES = ['uploads', 'changes', 'reads'] as const;
export type ApiRateClass = (typeof API_RATE_CLASSES)[number];

/**
 * The API's per-user limits by default (`RATE_LIMIT_*` of ingest override them). Here, in a
 * lib, so infra's capacity checks hold them against the stage throttle
 * (infra/src/stacks/rate-limits.spec.ts); docs/deploy.md, "Per-user limits", says why.
 */
export const DEFAULT_API_RATE_LIMITS: Readonly<Record<ApiRateClass, RateLimit>> = {
  uploads: { requests: 120, windowSeconds: 60 },
  changes: { requests: 30, windowSeconds: 60 },
  reads: { requests: 200, windowSeconds: 10 },
};

/** What {@link RateLimiter.consume} decided. */
export type RateDecision =
  /** Counted: `remaining` more requests fit in this window. */
  | { readonly allowed: true; readonly remaining: number; readonly resetAt: Date }
  /** Over the limit: nothing was counted; the budget is whole again at `resetAt`, `retryAfterSeconds` from now (at least 1). */
  | { readonly allowed: false; readonly retryAfterSeconds: number; readonly resetAt: Date };

/**
 * Per-caller counters, one per `(bucket, subject, window)`. `consume` is one atomic step: of
 * any number of concurrent calls in one window, at most `limit.requests` are allowed (the
 * DynamoDB adapter is one conditional `UpdateItem`; {@link InMemoryRateLimiter} follows the
 * same rules and the same spec runs against both).
 */
export interface RateLimiter {
  /**
   * Counts one request of `subject` (a user id) against `bucket` (a class of requests) if it
   * fits `limit` in the current window; counts nothing when it does not.
   */
  consume(subject: string, bucket: string, limit: RateLimit): Promise<RateDecision>;
}

/** How long a counter outlives its window before the table's TTL may remove it. */
export const RATE_COUNTER_RETENTION_SECONDS = 3600;

/** The fixed window `at` falls in, in epoch seconds: `[start, end)`. */
export function rateWindow(at: Date, windowSeconds: number): { readonly start: number; readonly end: number } {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError(`windowSeconds must be a positive integer, got ${windowSeconds}`);
  const start = Math.floor(at.getTime() / 1000 / windowSeconds) * windowSeconds;
  return { start, end: start + windowSeconds };
}

/** The counter's key: one item per bucket, subject and window, so a new window starts at 0 with no reset write. */
export function rateCounterKey(bucket: string, subject: string, windowStart: number): string {
  return `${bucket}#${windowStart}#${subject}`;
}

/** The refusal for a window ending at `end` (epoch seconds), seen at `now`: a whole number of seconds, at least 1. */
export function refusal(now: Date, end: number): Extract<RateDecision, { allowed: false }> {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(end - now.getTime() / 1000)), resetAt: new Date(end * 1000) };
}
