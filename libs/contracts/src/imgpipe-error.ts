/**
 * `@imgpipe/contracts/imgpipe-error`: the one error base of imgpipe. Every package's errors
 * extend {@link ImgpipeError} (directly, or through their package's own base:
 * `PlatformError`, `IngestError`, `MetadataError`, `ImageOpsError`, `ContractError`,
 * `TaskError`...), so each carries the same three facts: a stable `code` to classify on
 * (never the message), whether a retry can help, and the `cause`. No imports: the browser
 * bundle takes it as it is.
 */

/** What every {@link ImgpipeError} is built from. */
export interface ImgpipeErrorOptions<Code extends string = string> {
  /** Stable, machine-readable: what callers and the error-to-outcome mappers classify on. */
  readonly code: Code;
  /** For a person to read; never parsed. */
  readonly message: string;
  /** Whether trying the same work again may succeed. Default `false`. */
  readonly retryable?: boolean;
  /** The underlying failure, kept for logs. */
  readonly cause?: unknown;
}

/**
 * The base error: sets `name` to the class's name, passes `cause` on, and carries `code` and
 * `retryable`. One place per runtime maps these to outcomes (HTTP status, Step Functions
 * error name, DLQ).
 *
 * @example
 * ```ts
 * class QuotaError extends ImgpipeError<'QUOTA_EXCEEDED'> {
 *   constructor(readonly limit: number) {
 *     super({ code: 'QUOTA_EXCEEDED', message: `at most ${limit} images`, retryable: false });
 *   }
 * }
 * ```
 */
export class ImgpipeError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retryable: boolean;

  constructor(options: ImgpipeErrorOptions<Code>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retryable = options.retryable ?? false;
  }
}

/** Whether `error` is an {@link ImgpipeError} (of any package). */
export function isImgpipeError(error: unknown): error is ImgpipeError {
  return error instanceof ImgpipeError;
}
