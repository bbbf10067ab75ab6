/**
 * The one place where image failures are classified.
 *
 * Bad input (empty, unknown type, damaged, too big) is an {@link InvalidImageError}: it
 * will fail the same way every time, so callers must not retry it. Anything else is an
 * {@link ImageOpsError} that callers treat as transient and retry. sharp's failures are
 * classified here by the stage they happen in (decoding the input or encoding an output),
 * never by matching their message text.
 */

import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { INVALID_IMAGE_CODES, type InvalidImageCode } from '@imgpipe/contracts/vocabulary';

/**
 * Codes of input that can never be processed, whatever the retries: the contracts' list
 * (the codes an `ImageProcessingFailed` may carry), so the two can never drift apart.
 */
export { INVALID_IMAGE_CODES, type InvalidImageCode };

/** Codes of failures that are not the input's fault; callers retry these. */
export const TRANSIENT_IMAGE_CODES = ['ENCODE_FAILED', 'PROCESSING_FAILED'] as const;

/** One of {@link TRANSIENT_IMAGE_CODES}. */
export type TransientImageCode = (typeof TRANSIENT_IMAGE_CODES)[number];

/** Options of the {@link ImageOpsError} constructor. */
export interface ImageOpsErrorOptions {
  /** Stable, machine-readable code; never parse {@link Error.message}. */
  readonly code: string;
  /** For a person to read. */
  readonly message: string;
  /** Whether trying the same work again may succeed. Default `true` (only invalid input is not). */
  readonly retryable?: boolean;
  /** The underlying failure (a sharp or decoder error), kept for logs. */
  readonly cause?: unknown;
}

/**
 * Base error of `@imgpipe/image-ops` (imgpipe's one error base, {@link ImgpipeError}): a
 * stable `code`, whether a retry may help, and the original failure as `cause`.
 */
export class ImageOpsError extends ImgpipeError {
  override readonly name: string = 'ImageOpsError';

  constructor(options: ImageOpsErrorOptions) {
    super({ ...options, retryable: options.retryable ?? true });
  }
}

/**
 * The input can never be processed. `message` is a reason a person can read, e.g.
 * "The image is 100000 x 100000 = 10000.0 MP; the limit is 100.0 MP."
 *
 * @example
 * ```ts
 * try { await compress(bytes); }
 * catch (e) { if (isInvalidImageError(e)) return fail(e.code, e.message); throw e; }
 * ```
 */
export class InvalidImageError extends ImageOpsError {
  override readonly name: string = 'InvalidImageError';
  declare readonly code: InvalidImageCode;
  declare readonly retryable: false;

  constructor(code: InvalidImageCode, reason: string, options: { cause?: unknown } = {}) {
    super({ code, message: reason, retryable: false, cause: options.cause });
  }
}

/** Whether `e` is an {@link ImageOpsError} (or its subclass). */
export function isImageOpsError(e: unknown): e is ImageOpsError {
  return e instanceof ImageOpsError;
}

/**
 * Whether `e` is an {@link InvalidImageError}. Also recognises one that crossed a module
 * or serialisation boundary (same `name`, a known `code`), since callers decide retries on it.
 */
export function isInvalidImageError(e: unknown): e is InvalidImageError {
  if (e instanceof InvalidImageError) return true;
  if (typeof e !== 'object' || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === 'InvalidImageError' && (INVALID_IMAGE_CODES as readonly unknown[]).includes(code);
}

/**
 * Classifies a failure thrown while decoding an input that already passed the magic-byte
 * and header checks: the bytes are damaged or truncated, so it is `CORRUPT`.
 * @internal
 */
export function decodeFailure(error: unknown, what: string): ImageOpsError {
  if (error instanceof ImageOpsError) return error;
  return new InvalidImageError(
    'CORRUPT',
    `The ${what} image could not be decoded: the file is damaged or truncated.`,
    { cause: error },
  );
}

/**
 * Classifies a failure thrown while encoding an output from pixels that decoded fine:
 * not the input's fault, so transient and retryable.
 * @internal
 */
export function encodeFailure(error: unknown, what: string): ImageOpsError {
  if (error instanceof ImageOpsError) return error;
  return new ImageOpsError({ code: 'ENCODE_FAILED', message: `Encoding the ${what} output failed.`, retryable: true, cause: error });
}
