import { z } from 'zod';
import { API_RATE_CLASSES, DEFAULT_API_RATE_LIMITS, type ApiRateClass, type RateLimit, type RateLimiter } from '@imgpipe/platform';
import { RateLimitedError } from './errors';
import type { HttpApiServices } from './handlers/http-api.adapter';

/**
 * The per-user limits of the upload API (issue 12: "one caller cannot take the stage"). HTTP
 * APIs have no usage plans and take no WAF, so the API function counts each user's requests
 * itself, in the `rate-limits` table (`RateLimiter`), before it calls a use case. The numbers
 * and why are in docs/deploy.md ("Per-user limits").
 */

/** The classes of requests, each with its own budget (declared once, in `@imgpipe/platform`). */
export const RATE_CLASSES = API_RATE_CLASSES;
export type RateClass = ApiRateClass;

/**
 * Which budget each operation of the API spends. A `Record` over every operation the HTTP
 * handler calls: a new route does not compile until it is given a class here.
 * - `uploads`: a grant and a presigned POST, then a pipeline run (the costly one);
 * - `changes`: a delete (CDN invalidation, derivative deletes) or a restore (a pipeline run again);
 * - `reads`: a DynamoDB query or get (and `getOriginal`'s signed URL: no AWS call, the download bypasses the API).
 */
export const OPERATION_RATE_CLASS = {
  createUpload: 'uploads',
  deleteImage: 'changes',
  restoreImage: 'changes',
  listImages: 'reads',
  getImage: 'reads',
  getOriginal: 'reads',
} as const satisfies Record<keyof HttpApiServices, RateClass>;

/**
 * The defaults, per user (`DEFAULT_API_RATE_LIMITS`). Against the stage's 500 rps / burst 1,000
 * (docs/deploy.md, capacity): a user's sustained share is 2 rps of uploads, 0.5 rps of changes
 * and 20 rps of reads (4% of the stage); a fixed window lets a user spend two windows' budget
 * back to back at a window's edge, at most 240 + 60 + 400, still under the stage's burst
 * (infra/src/stacks/rate-limits.spec.ts holds them to the configured stage). A folder of 120
 * photos uploads in one go; the UI's 4 s re-read of the images it waits for (without a push
 * service) fits 80 of them.
 */
export const DEFAULT_RATE_LIMITS = DEFAULT_API_RATE_LIMITS;

/** What a person is told they did too often. */
const CLASS_WORDS: Readonly<Record<RateClass, string>> = {
  uploads: 'upload requests',
  changes: 'deletes and restores',
  reads: 'requests for images',
};

/** A limit as people write it: `<requests>/<seconds>s` (`120/60s`), or `off` (that class is not limited). */
export const rateLimitEnv = (fallback: RateLimit) =>
  z
    .string()
    .regex(/^(off|[1-9]\d{0,5}\/[1-9]\d{0,4}s)$/, 'must be <requests>/<seconds>s (e.g. 120/60s) or off')
    .optional()
    .transform((value): RateLimit | undefined => {
      if (value === undefined) return fallback;
      if (value === 'off') return undefined;
      const [requests, seconds] = value.slice(0, -1).split('/').map(Number) as [number, number];
      return { requests, windowSeconds: seconds };
    });

/** The limits in force: a class with none is not limited. */
export type RateLimits = Readonly<Record<RateClass, RateLimit | undefined>>;

export interface RateLimitGuardDeps {
  readonly limiter: RateLimiter;
  readonly limits: RateLimits;
}

/** Spends one request of `userId` from `rateClass`'s budget, or refuses it. */
export type RateLimitGuard = (userId: string, rateClass: RateClass) => Promise<void>;

/**
 * @throws RateLimitedError when the user's budget of the class is spent in this window.
 * @throws DependencyError when the counters cannot be reached (an answer of 503: the API
 *   does not go unlimited when its counters are down).
 */
export function createRateLimitGuard(deps: RateLimitGuardDeps): RateLimitGuard {
  return async (userId, rateClass) => {
    const limit = deps.limits[rateClass];
    if (!limit) return;
    const decision = await deps.limiter.consume(userId, rateClass, limit);
    if (decision.allowed) return;
    throw new RateLimitedError({
      rateClass,
      what: CLASS_WORDS[rateClass],
      requests: limit.requests,
      windowSeconds: limit.windowSeconds,
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  };
}

type UserOperation = (userId: string, ...rest: never[]) => Promise<unknown>;

/** `operation`, which first spends one request of its caller's (its first argument's) budget. */
function guarded<F extends UserOperation>(operation: F, rateClass: RateClass, guard: RateLimitGuard): F {
  const limited = async (userId: string, ...rest: never[]) => {
    await guard(userId, rateClass);
    return operation(userId, ...rest);
  };
  // Same parameters and result as `operation`: only a check runs first.
  return limited as F;
}

/**
 * The HTTP API's use cases, each spending its class's budget (`OPERATION_RATE_CLASS`) before
 * it runs. Only the HTTP handler gets these: the upload check and the local runtime's own
 * calls are not requests of a user.
 */
export function rateLimitedServices(services: HttpApiServices, guard: RateLimitGuard): HttpApiServices {
  const names = Object.keys(OPERATION_RATE_CLASS) as (keyof HttpApiServices)[];
  // Every operation of HttpApiServices is a key of OPERATION_RATE_CLASS (its `satisfies`), so the entries are all of them.
  return Object.fromEntries(names.map((name) => [name, guarded(services[name], OPERATION_RATE_CLASS[name], guard)])) as unknown as HttpApiServices;
}
