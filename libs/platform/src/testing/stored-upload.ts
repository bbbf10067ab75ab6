import type { ImageUploadedData } from '@imgpipe/contracts';
import type { ObjectStore } from '../ports/object-store.port';

/** An original to store, and what its `ImageUploaded` says about it. */
export interface StoredUploadInput {
  readonly bytes: Buffer;
  readonly bucket: string;
  /** The upload's file name; the key is `uploads/user-1/img-1/<filename>`. */
  readonly filename: string;
  /** The `Content-Type` it is stored with (and, unless `declaredType` says otherwise, declared with). */
  readonly contentType: string;
  /** The type `ImageUploaded` declares, when the stored object's differs. */
  readonly declaredType?: string;
  readonly format: ImageUploadedData['format'];
  readonly contentHash?: string;
  readonly renditionsVersion?: string;
}

/**
 * Stores an original for user-1's img-1 and returns the `ImageUploaded` data a use case's
 * test runs on: the one arrangement the compress and thumbnail use-case specs share.
 */
export async function storeUploadedOriginal(store: ObjectStore, input: StoredUploadInput): Promise<ImageUploadedData> {
  const key = `uploads/user-1/img-1/${input.filename}`;
  await store.put({ bucket: input.bucket, key, body: input.bytes, contentType: input.contentType });
  return {
    imageId: 'img-1',
    userId: 'user-1',
    original: {
      bucket: input.bucket,
      key,
      size: input.bytes.length,
      contentHash: input.contentHash ?? 'etag:abc',
      contentType: input.declaredType ?? input.contentType,
      filename: input.filename,
    },
    format: input.format,
    renditionsVersion: input.renditionsVersion ?? 'rs-000000000000',
    uploadedAt: '2026-11-23T10:00:00.000Z',
  };
}
