import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import type { SignedUpload, SignUploadInput, UploadSigner } from '../ports/upload-signer.port';
import { dependencyError } from './errors';

/** S3's ceiling for a presigned request. */
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;
/** S3's ceiling for a single POST upload (5 GiB). */
const MAX_POST_BYTES = 5 * 1024 ** 3;
const META_NAME = /^[a-z0-9-]{1,128}$/;

/**
 * {@link UploadSigner} as an S3 POST policy. The policy binds, and S3 enforces:
 * - `["eq", "$Content-Type", contentType]` (also `{"Content-Type": ...}`, which the SDK adds
 *   for every field), so the form cannot declare another type;
 * - `["content-length-range", bytes, bytes]` when the exact size is given, else
 *   `["content-length-range", 1, maxBytes]`: any other size is refused;
 * - `{"key": key}`: the exact key (the SDK's condition for a key without `${filename}`);
 * - `{"bucket": bucket}`, the credential, the date and each `x-amz-meta-*` field exactly;
 * - `expiration`: `expiresInSeconds` from now.
 */
export class S3PresignedPostSigner implements UploadSigner {
  constructor(private readonly s3: S3Client) {}

  async sign(input: SignUploadInput): Promise<SignedUpload> {
    if (!Number.isInteger(input.maxBytes) || input.maxBytes < 1 || input.maxBytes > MAX_POST_BYTES) {
      throw new RangeError(`maxBytes must be an integer from 1 to ${MAX_POST_BYTES}, got ${input.maxBytes}`);
    }
    if (!Number.isInteger(input.expiresInSeconds) || input.expiresInSeconds < 1 || input.expiresInSeconds > MAX_EXPIRY_SECONDS) {
      throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}, got ${input.expiresInSeconds}`);
    }
    if (input.bytes !== undefined && (!Number.isInteger(input.bytes) || input.bytes < 1 || input.bytes > input.maxBytes)) {
      throw new RangeError(`bytes must be an integer from 1 to maxBytes (${input.maxBytes}), got ${input.bytes}`);
    }
    if (input.key.includes('${filename}')) throw new RangeError('the key must be exact; ${filename} is not allowed');

    const metaFields: Record<string, string> = {};
    for (const [name, value] of Object.entries(input.metadata ?? {})) {
      if (!META_NAME.test(name)) throw new RangeError(`metadata name ${JSON.stringify(name)} must match ${META_NAME}`);
      metaFields[`x-amz-meta-${name}`] = value;
    }

    const options: PresignedPostOptions = {
      Bucket: input.bucket,
      Key: input.key,
      Expires: input.expiresInSeconds,
      Fields: { 'Content-Type': input.contentType, ...metaFields },
      Conditions: [
        ['eq', '$Content-Type', input.contentType],
        ['content-length-range', input.bytes ?? 1, input.bytes ?? input.maxBytes],
      ],
    };
    let post;
    try {
      post = await createPresignedPost(this.s3, options);
    } catch (error) {
      throw dependencyError('S3', 'createPresignedPost', error);
    }
    return { url: post.url, fields: post.fields, expiresAt: policyExpiration(post.fields) };
  }
}

/** The `expiration` the signed policy carries (so `expiresAt` is what S3 will enforce). */
function policyExpiration(fields: Readonly<Record<string, string>>): string {
  const policy = fields['Policy'] ?? fields['policy'];
  if (!policy) throw new Error('the presigned POST has no Policy field');
  const parsed = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as { expiration?: unknown };
  if (typeof parsed.expiration !== 'string') throw new Error('the POST policy has no expiration');
  return parsed.expiration;
}
