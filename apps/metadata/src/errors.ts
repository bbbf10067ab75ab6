/** What went wrong in the metadata service, as a stable code. */
export const METADATA_ERROR_CODES = ['UnknownEvent', 'ImageMismatch', 'PublishFailed'] as const;
export type MetadataErrorCode = (typeof METADATA_ERROR_CODES)[number];

const RETRYABLE: Readonly<Record<MetadataErrorCode, boolean>> = {
  // A history holding an event this code has no contract for stays unreadable until a deploy.
  UnknownEvent: false,
  // An event of another image handed to one image's append, or an event whose id is not its
  // envelope's: a programming error.
  ImageMismatch: false,
  // The bus refused some entries (throttling, an outage): the task is retried.
  PublishFailed: true,
};

/**
 * The one error of the metadata service: a stable `code`, whether a retry can help, and the
 * cause. Concurrency conflicts and SDK failures arrive as the platform's own errors.
 */
export class MetadataError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: MetadataErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MetadataError';
    this.retryable = RETRYABLE[code];
  }
}
