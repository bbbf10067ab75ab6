import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

/**
 * The base error of libs/platform (and of the services' errors that build on its ports):
 * imgpipe's one error base, {@link ImgpipeError}, under the name the platform's mappers
 * match with `instanceof`. One place per runtime maps these to outcomes (HTTP status, Step
 * Functions error, DLQ).
 *
 * @example new PlatformError({ code: 'ObjectNotFound', message: 'no such object', retryable: false });
 */
export class PlatformError<Code extends string = string> extends ImgpipeError<Code> {}

export class ObjectNotFoundError extends PlatformError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super({ code: 'ObjectNotFound', message: `object s3://${bucket}/${key} does not exist`, retryable: false, cause: options?.cause });
  }
}

/**
 * An optimistic-concurrency check failed: someone else wrote first (an event at the same
 * sequence, a read-model record at another revision). Reload and retry.
 */
export class ConcurrencyConflictError extends PlatformError {
  constructor(
    message: string,
    readonly resource: string,
    options?: { cause?: unknown },
  ) {
    super({ code: 'ConcurrencyConflict', message, retryable: true, cause: options?.cause });
  }
}

/** A pagination cursor that this service did not issue for this query (tampered or stale). */
export class InvalidCursorError extends PlatformError {
  constructor(message = 'the pagination cursor is not valid for this query', options?: { cause?: unknown }) {
    super({ code: 'InvalidCursor', message, retryable: false, cause: options?.cause });
  }
}

/** One problem with one environment variable. */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** The environment does not describe a runnable service; the message names every variable. */
export class ConfigError extends PlatformError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super({
      code: 'InvalidConfig',
      message: `invalid configuration: ${problems.map((p) => `${p.variable} ${p.problem}`).join('; ')}`,
      retryable: false,
    });
  }

  /** The variables at fault, in the order reported. */
  get variables(): string[] {
    return this.problems.map((p) => p.variable);
  }
}

/**
 * A call to a cloud dependency failed for a reason the adapter does not translate into a
 * domain error. `retryable` follows the SDK: throttling, 5xx and network errors are.
 */
export class DependencyError extends PlatformError {
  constructor(
    readonly dependency: string,
    readonly operation: string,
    retryable: boolean,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super({ code: 'DependencyFailure', message: `${dependency} ${operation} failed: ${detail}`, retryable, cause });
  }
}
