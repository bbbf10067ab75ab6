import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DownloadSigner, SignDownloadInput, SignedDownload } from '../ports/download-signer.port';
import { dependencyError } from './errors';

/** S3's ceiling for a presigned request. */
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * {@link DownloadSigner} with the SDK's own presigner (`@aws-sdk/s3-request-presigner`): a
 * SigV4 query-string GET of one key, valid `expiresInSeconds`, so the URL cannot be bent to
 * another key and stops working at `expiresAt`. A `contentDisposition` becomes the signed
 * `response-content-disposition` (S3 answers with it; locally the platform's S3 gate does,
 * as s3rver refuses overrides on the anonymous requests the gate hands it).
 */
export class S3DownloadSigner implements DownloadSigner {
  constructor(
    private readonly s3: S3Client,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async signDownload(input: SignDownloadInput): Promise<SignedDownload> {
    if (!Number.isInteger(input.expiresInSeconds) || input.expiresInSeconds < 1 || input.expiresInSeconds > MAX_EXPIRY_SECONDS) {
      throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}, got ${input.expiresInSeconds}`);
    }
    const signingDate = this.now();
    const command = new GetObjectCommand({
      Bucket: input.bucket,
      Key: input.key,
      ...(input.contentDisposition !== undefined ? { ResponseContentDisposition: input.contentDisposition } : {}),
    });
    try {
      const url = await getSignedUrl(this.s3, command, { expiresIn: input.expiresInSeconds, signingDate });
      return { url, expiresAt: new Date(signingDate.getTime() + input.expiresInSeconds * 1000).toISOString() };
    } catch (error) {
      throw dependencyError('s3', 'presign GET', error);
    }
  }
}
