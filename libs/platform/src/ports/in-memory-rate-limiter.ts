import type { Clock } from './clock.port';
import { rateCounterKey, rateWindow, refusal, type RateDecision, type RateLimit, type RateLimiter } from './rate-limiter.port';

/**
 * A {@link RateLimiter} in a Map, for unit tests, with the DynamoDB adapter's rules (the same
 * spec runs against both): fixed windows from `clock`, nothing counted when refused.
 */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async consume(subject: string, bucket: string, limit: RateLimit): Promise<RateDecision> {
    const now = this.clock.now();
    const { start, end } = rateWindow(now, limit.windowSeconds);
    const key = rateCounterKey(bucket, subject, start);
    const count = this.counters.get(key) ?? 0;
    if (count >= limit.requests) return refusal(now, end);
    this.counters.set(key, count + 1);
    return { allowed: true, remaining: limit.requests - count - 1, resetAt: new Date(end * 1000) };
  }
}
