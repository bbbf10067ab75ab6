/**
 * The errors of the ingest service. Each carries a stable `code` and whether a retry can
 * help; `src/http/http-response.ts` is the one place that turns them into HTTP answers.
 */
export class IngestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One field of a request that is missing or wrong. */
export interface FieldProblem {
  /** The field, e.g. `filename` or `limit`; `body` for the request body as a whole. */
  readonly field: string;
  readonly problem: string;
}

/** The request is malformed: the message names every field at fault. */
export class RequestValidationError extends IngestError {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.problem}`).join('; '), 'INVALID_REQUEST', false);
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
    super(`bytes: ${bytes} is over the upload limit of ${maxBytes} bytes`, 'TOO_LARGE', false);
  }
}

/**
 * No such image for this caller. Also what another user's image looks like: the answer
 * never says whether an id exists, so ids cannot be probed.
 */
export class ImageNotFoundError extends IngestError {
  constructor(readonly imageId: string) {
    super(`image ${imageId} was not found`, 'NOT_FOUND', false);
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
    super(`image ${imageId} cannot be restored: ${RESTORE_CONFLICTS[code]}`, code, false);
  }
}

/** The request carries no usable user identity (no JWT `sub`, or one unfit for object keys). */
export class UnauthenticatedError extends IngestError {
  constructor(message = 'the request carries no authenticated user') {
    super(message, 'UNAUTHENTICATED', false);
  }
}

/** No route has this path. */
export class RouteNotFoundError extends IngestError {
  constructor(
    readonly method: string,
    readonly path: string,
  ) {
    super(`no route for ${method} ${path}`, 'ROUTE_NOT_FOUND', false);
  }
}

/** The path exists, the method does not. */
export class MethodNotAllowedError extends IngestError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly allowed: readonly string[],
  ) {
    super(`${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, 'METHOD_NOT_ALLOWED', false);
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
    super(`publishing ${detailType} failed: ${errorCode}: ${errorMessage}`, 'PUBLISH_FAILED', true);
  }
}

/** A notification is not the event a handler takes (a wiring mistake): never retried. */
export class InvalidEventError extends IngestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INVALID_EVENT', false, options);
  }
}
