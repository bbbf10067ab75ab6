import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import type { ApiRateClass } from '@imgpipe/platform';

/**
 * The errors of the ingest service: imgpipe's one error base ({@link ImgpipeError}: a stable
 * `code`, whether a retry can help, the cause) under ingest's name;
 * `src/http/http-response.ts` is the one place that turns them into HTTP answers.
 */
export class IngestError<Code extends string = string> extends ImgpipeError<Code> {}

/** One field of a request that is missing or wrong. */
export interface FieldProblem {
  /** The field, e.g. `filename` or `limit`; `body` for the request body as a whole. */
  readonly field: string;
  readonly problem: string;
}

/** The request is malformed: the message names every field at fault. */
export class RequestValidationError extends IngestError {
  constructor(readonly problems: readonly FieldProblem[]) {
    super({ code: 'INVALID_REQUEST', message: problems.map((p) => `${p.field}: ${p.problem}`).join('; '), retryable: false });
  }

  /** The fields at fault, in the order reported. */
  get fields(): string[] {
    return this.problems.map((p) => p.field);
  }
}

/** The declared upload is larger than the configured maximum. */
export class UploadTooLargeError extends IngestError {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super({ code: 'TOO_LARGE', message: `bytes: ${bytes} is over the upload limit of ${maxBytes} bytes`, retryable: false });
  }
}

/**
 * No such image for this caller. Also what another user's image looks like: the answer
 * never says whether an id exists, so ids cannot be probed.
 */
export class ImageNotFoundError extends IngestError {
  constructor(readonly imageId: string) {
    super({ code: 'NOT_FOUND', message: `image ${imageId} was not found`, retryable: false });
  }
}

/** Why an image cannot be restored now. */
export const RESTORE_CONFLICTS = {
  /** The image is not deleted (never was, or a restore already undid the delete). */
  NOT_DELETED: 'it is not deleted',
  /** The undo window ended (`undoUntil` has passed) or the original was already erased. */
  UNDO_WINDOW_PASSED: 'its undo window has passed',
  /** The original is no longer stored, so there is nothing to process again. */
  ORIGINAL_GONE: 'its original is no longer stored',
  /** The image never entered the pipeline (ingest refused it): there is nothing to process again. */
  NOT_RESTORABLE: 'it was never accepted into the pipeline',
} as const;
export type RestoreConflict = keyof typeof RESTORE_CONFLICTS;

/** The image is in a state that does not allow the request (HTTP 409); `code` says which. */
export class ImageStateConflictError extends IngestError {
  constructor(
    readonly imageId: string,
    code: RestoreConflict,
  ) {
    super({ code, message: `image ${imageId} cannot be restored: ${RESTORE_CONFLICTS[code]}`, retryable: false });
  }
}

/** The request carries no usable user identity (no JWT `sub`, or one unfit for object keys). */
export class UnauthenticatedError extends IngestError {
  constructor(message = 'the request carries no authenticated user') {
    super({ code: 'UNAUTHENTICATED', message, retryable: false });
  }
}

/**
 * The caller spent their budget of one class of requests in this window (HTTP 429 with
 * `Retry-After`). Retryable: the same request succeeds once the window has rolled over.
 */
export class RateLimitedError extends IngestError {
  readonly rateClass: ApiRateClass;
  readonly retryAfterSeconds: number;
  constructor(options: {
    readonly rateClass: ApiRateClass;
    /** The requests counted, in words: `upload requests`. */
    readonly what: string;
    readonly requests: number;
    readonly windowSeconds: number;
    readonly retryAfterSeconds: number;
  }) {
    super({
      code: 'RATE_LIMITED',
      message: `Too many ${options.what}: at most ${options.requests} every ${options.windowSeconds} s per user. Try again in ${options.retryAfterSeconds} s.`,
      retryable: true,
    });
    this.rateClass = options.rateClass;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** No route has this path. */
export class RouteNotFoundError extends IngestError {
  constructor(
    readonly method: string,
    readonly path: string,
  ) {
    super({ code: 'ROUTE_NOT_FOUND', message: `no route for ${method} ${path}`, retryable: false });
  }
}

/** The path exists, the method does not. */
export class MethodNotAllowedError extends IngestError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly allowed: readonly string[],
  ) {
    super({ code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, retryable: false });
  }
}

/**
 * Events could not be put on the bus. Retryable: the caller (EventBridge's retry of
 * onObjectCreated, or the client of DELETE) tries again, and event ids are deterministic,
 * so a retry never records an event twice.
 */
export class PublishFailedError extends IngestError {
  constructor(
    readonly detailType: string,
    readonly errorCode: string,
    errorMessage: string,
  ) {
    super({ code: 'PUBLISH_FAILED', message: `publishing ${detailType} failed: ${errorCode}: ${errorMessage}`, retryable: true });
  }
}

/** A notification is not the event a handler takes (a wiring mistake): never retried. */
export class InvalidEventError extends IngestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super({ code: 'INVALID_EVENT', message, retryable: false, cause: options?.cause });
  }
}
