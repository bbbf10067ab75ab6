import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

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
 * The one error of the metadata service (imgpipe's one error base, {@link ImgpipeError}): a
 * stable `code`, whether a retry can help, and the cause. Concurrency conflicts and SDK failures arrive as the platform's own errors.
 */
export class MetadataError extends ImgpipeError<MetadataErrorCode> {
  override readonly name = 'MetadataError';

  /** Whether a retry can help follows from the code, so it is not an option here. */
  constructor(options: { readonly code: MetadataErrorCode; readonly message: string; readonly cause?: unknown }) {
    super({ ...options, retryable: RETRYABLE[options.code] });
  }
}
