/** A short-lived, signed GET of one stored object. */
export interface SignDownloadInput {
  readonly bucket: string;
  readonly key: string;
  /** How long the URL works, in seconds. */
  readonly expiresInSeconds: number;
  /**
   * The `Content-Disposition` the storage service answers with (S3's signed
   * `response-content-disposition`), e.g. `attachment; filename="a.jpg"; filename*=UTF-8''a.jpg`:
   * a browser that opens the URL saves the file under that name.
   */
  readonly contentDisposition?: string;
}

export interface SignedDownload {
  readonly url: string;
  /** When the storage service stops accepting the URL (ISO 8601, UTC). */
  readonly expiresAt: string;
}

/**
 * Signs GET URLs that the storage service itself checks (S3's query-string SigV4: the key,
 * the expiry and the host are signed; anything else is refused). Locally the same
 * adapter signs for the local S3, whose gate verifies the query signature and the expiry.
 */
export interface DownloadSigner {
  signDownload(input: SignDownloadInput): Promise<SignedDownload>;
}
