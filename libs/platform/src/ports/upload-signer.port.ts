/** What a browser needs to upload one object straight to storage with a form POST. */
export interface SignUploadInput {
  readonly bucket: string;
  /** The exact key the object must be stored under. */
  readonly key: string;
  /** The exact `Content-Type` the form must send. */
  readonly contentType: string;
  /** Largest accepted body in bytes (the smallest is 1). */
  readonly maxBytes: number;
  /**
   * The exact size the client declared: the grant then accepts exactly this many bytes
   * (`content-length-range` [bytes, bytes]). Must be from 1 to `maxBytes`. Without it, any
   * size from 1 to `maxBytes`.
   */
  readonly bytes?: number;
  readonly expiresInSeconds: number;
  /** Stored as `x-amz-meta-<name>`; each value is bound exactly by the policy. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A presigned POST: post `fields` (in order) then the file as `file` to `url`. */
export interface SignedUpload {
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  /** When the policy stops being accepted (ISO 8601, UTC, whole seconds). */
  readonly expiresAt: string;
}

/**
 * Issues upload grants that the storage service itself enforces: exact key, exact content
 * type, byte range, expiry. The AWS adapter signs an S3 POST policy.
 */
export interface UploadSigner {
  sign(input: SignUploadInput): Promise<SignedUpload>;
}
