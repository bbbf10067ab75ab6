/**
 * The one place where image failures are classified.
 *
 * Bad input (empty, unknown type, damaged, too big) is an {@link InvalidImageError}: it
 * will fail the same way every time, so callers must not retry it. Anything else is an
 * {@link ImageOpsError} that callers treat as transient and retry. sharp's failures are
 * classified here by the stage they happen in (decoding the input or encoding an output),
 * never by matching their message text.
 */

/** Codes of input that can never be processed, whatever the retries. */
export const INVALID_IMAGE_CODES = [
  'EMPTY',
  'UNSUPPORTED_FORMAT',
  'CORRUPT',
  'TOO_MANY_PIXELS',
  'TOO_LARGE',
  'TOO_MANY_FRAMES',
] as const;

/** One of {@link INVALID_IMAGE_CODES}. */
export type InvalidImageCode = (typeof INVALID_IMAGE_CODES)[number];

/** Codes of failures that are not the input's fault; callers retry these. */
export const TRANSIENT_IMAGE_CODES = ['ENCODE_FAILED', 'PROCESSING_FAILED'] as const;

/** One of {@link TRANSIENT_IMAGE_CODES}. */
export type TransientImageCode = (typeof TRANSIENT_IMAGE_CODES)[number];

/** Options of the {@link ImageOpsError} constructor. */
export interface ImageOpsErrorOptions {
  /** Whether trying the same work again may succeed. Default `true`. */
  retryable?: boolean;
  /** The underlying failure (a sharp or decoder error), kept for logs. */
  cause?: unknown;
}

/**
 * Base error of `@imgpipe/image-ops`: a stable `code`, whether a retry may help, and the
 * original failure as `cause`.
 */
export class ImageOpsError extends Error {
  /** Stable, machine-readable code; never parse {@link Error.message}. */
  readonly code: string;
  /** Whether trying the same work again may succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: ImageOpsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImageOpsError';
    this.code = code;
    this.retryable = options.retryable ?? true;
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
  declare readonly code: InvalidImageCode;
  declare readonly retryable: false;

  constructor(code: InvalidImageCode, reason: string, options: { cause?: unknown } = {}) {
    super(code, reason, { retryable: false, cause: options.cause });
    this.name = 'InvalidImageError';
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
  return new ImageOpsError('ENCODE_FAILED', `Encoding the ${what} output failed.`, {
    retryable: true,
    cause: error,
  });
}
