import { ImgpipeError } from '@imgpipe/contracts';

/** The codes of compress's own errors (image errors are image-ops' `InvalidImageError` / `ImageOpsError`). */
export type CompressErrorCode = 'PUBLISH_FAILED';

/** The base of compress's errors: a `code`, `retryable` and a `cause`, never matched by message. */
export class CompressError extends ImgpipeError<CompressErrorCode> {
  override readonly name: string = 'CompressError';
}

/** The bus did not take the AVIF step's `ImageVariantAdded`: retryable (the rule's retries, then its DLQ). */
export class AvifPublishFailedError extends CompressError {
  override readonly name = 'AvifPublishFailedError';

  constructor(
    readonly errorCode: string,
    errorMessage: string,
  ) {
    super({ code: 'PUBLISH_FAILED', message: `publishing ImageVariantAdded failed: ${errorCode}: ${errorMessage}`, retryable: true });
  }
}
