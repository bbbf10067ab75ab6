/**
 * The base error of libs/platform: a stable `code`, whether a retry can help, and the cause.
 * One place per runtime maps these to outcomes (HTTP status, Step Functions error, DLQ).
 */
export class PlatformError extends Error {
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

export class ObjectNotFoundError extends PlatformError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`object s3://${bucket}/${key} does not exist`, 'ObjectNotFound', false, options);
  }
}
