import { z } from 'zod';
import {
  originalKey,
  uploadGrantExpiresAt,
  type Clock,
  type IdGenerator,
  type UploadGrantStore,
  type UploadSigner,
} from '@imgpipe/platform';
import { UploadTooLargeError } from './errors';
import { sanitizeFilename } from './filename';
import { parseRequest, requiredOr } from './validation';

/** The longest file name a client may send; it is shortened by `sanitizeFilename` anyway. */
export const MAX_RAW_FILENAME_LENGTH = 4096;

export interface CreateUploadDeps {
  readonly signer: UploadSigner;
  readonly ids: IdGenerator;
  /** Where the grant is recorded, so ingest admits only the upload it names. */
  readonly grants: UploadGrantStore;
  readonly clock: Clock;
  readonly originalsBucket: string;
  /** The largest upload accepted, in bytes (the input policy's `maxBytes`). */
  readonly maxUploadBytes: number;
  /** How long the grant is valid (15 minutes by default). */
  readonly uploadTtlSeconds: number;
  /** Lower-case content types that may be declared (see `acceptedContentTypes`). */
  readonly acceptedContentTypes: readonly string[];
}

/** `POST /uploads`: what the client declares about the file it is going to upload. */
export interface CreateUploadRequest {
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: number;
}

/** A grant to upload one original: post `fields`, then the file as `file`, to `url`. */
export interface CreateUploadResult {
  readonly imageId: string;
  /** `uploads/{userId}/{imageId}/{sanitized filename}`. */
  readonly key: string;
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  /** ISO 8601; after this the storage service refuses the upload. */
  readonly expiresAt: string;
}

/** The request body's schema for the accepted content types. */
export function createUploadRequestSchema(acceptedContentTypes: readonly string[]) {
  const accepted = new Set(acceptedContentTypes);
  return z.object({
    filename: z
      .string({ error: requiredOr('must be a string') })
      .min(1, 'must not be empty')
      .max(MAX_RAW_FILENAME_LENGTH, `must be at most ${MAX_RAW_FILENAME_LENGTH} characters`),
    contentType: z
      .string({ error: requiredOr('must be a string') })
      .transform((value) => value.trim().toLowerCase())
      .refine((value) => accepted.has(value), {
        message: `must be one of ${[...accepted].join(', ')}`,
      }),
    bytes: z
      .number({ error: requiredOr('must be a number') })
      .int('must be a whole number of bytes')
      .min(1, 'must be at least 1'),
  });
}

/**
 * `POST /uploads`: validates what the client declares, then grants a presigned POST for
 * `uploads/{userId}/{imageId}/{sanitized filename}` that the storage service enforces:
 * exactly the declared content type, 1 to `maxUploadBytes` bytes, valid `uploadTtlSeconds`.
 * The declared size is checked before signing, so an oversized file is refused at once.
 * Signing is local (no network call). The grant is recorded (`UploadGrantStore`) before it is
 * returned: ingest's `checkUpload` admits an object only as the one upload of such a grant,
 * and takes its owner from the grant, never from the key.
 *
 * @throws RequestValidationError naming each missing or wrong field.
 * @throws UploadTooLargeError when `bytes` is over the limit.
 */
export function createCreateUpload(deps: CreateUploadDeps) {
  const schema = createUploadRequestSchema(deps.acceptedContentTypes);
  return async function createUpload(userId: string, body: unknown): Promise<CreateUploadResult> {
    const request = parseRequest(schema, body);
    if (request.bytes > deps.maxUploadBytes) throw new UploadTooLargeError(request.bytes, deps.maxUploadBytes);

    const imageId = deps.ids.next();
    const key = originalKey(userId, imageId, sanitizeFilename(request.filename));
    const signed = await deps.signer.sign({
      bucket: deps.originalsBucket,
      key,
      contentType: request.contentType,
      maxBytes: deps.maxUploadBytes,
      bytes: request.bytes,
      expiresInSeconds: deps.uploadTtlSeconds,
    });
    await deps.grants.put({
      imageId,
      userId,
      key,
      contentType: request.contentType,
      bytes: request.bytes,
      createdAt: deps.clock.now().toISOString(),
      validUntil: signed.expiresAt,
      expiresAt: uploadGrantExpiresAt(signed.expiresAt),
    });
    return { imageId, key, url: signed.url, fields: signed.fields, expiresAt: signed.expiresAt };
  };
}

export type CreateUpload = ReturnType<typeof createCreateUpload>;
