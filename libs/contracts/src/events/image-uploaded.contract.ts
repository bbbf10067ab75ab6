import { z } from 'zod';
import { defineContract } from '../contract';
import {
  BucketName,
  OriginalByteSize,
  ContentHash,
  Dimension,
  Filename,
  ImageId,
  InputFormat,
  IsoDateTime,
  MimeType,
  ObjectKey,
  RenditionsVersion,
  UserId,
} from '../fields';

/** The original as it landed in the originals bucket. */
export const UploadedOriginalSchema = z.object({
  bucket: BucketName,
  key: ObjectKey,
  /** Bytes; never 0 (an empty upload is an `ImageProcessingFailed` with code `EMPTY`). */
  size: OriginalByteSize,
  contentHash: ContentHash,
  /** What the client declared; `format` says what the bytes really are. */
  contentType: MimeType.describe('Content type the client declared.'),
  filename: Filename,
});
export type UploadedOriginal = z.infer<typeof UploadedOriginalSchema>;

/** `detail.data` of `ImageUploaded` v1. */
export const ImageUploadedDataSchema = z.object({
  imageId: ImageId,
  userId: UserId,
  original: UploadedOriginalSchema,
  format: InputFormat,
  /** Known when ingest's first bytes held the header; otherwise left to compress. */
  width: Dimension.optional(),
  height: Dimension.optional(),
  /** The rendition set this upload is to be processed under. */
  renditionsVersion: RenditionsVersion,
  uploadedAt: IsoDateTime,
});
export type ImageUploadedData = z.infer<typeof ImageUploadedDataSchema>;

/**
 * An original passed ingest's checks (real format, size) and is ready for the pipeline;
 * the input of the state machine.
 */
export const ImageUploadedV1 = defineContract({
  source: 'imgpipe.ingest',
  detailType: 'ImageUploaded',
  version: 1,
  description: 'An original passed ingest checks and enters the pipeline.',
  data: ImageUploadedDataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      original: {
        bucket: 'imgpipe-originals',
        key: 'uploads/user-1/img_min/a.png',
        size: 67,
        contentHash: 'etag:"5d41402abc4b2a76b9719d911017c592"',
        contentType: 'image/png',
        filename: 'a.png',
      },
      format: 'png',
      renditionsVersion: 'r1',
      uploadedAt: '2025-01-01T00:00:00Z',
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      original: {
        bucket: 'imgpipe-originals-123456789012',
        key: 'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/holiday-photo.jpg',
        size: 4_812_331,
        contentHash: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        contentType: 'image/jpeg',
        filename: 'holiday-photo.jpg',
      },
      format: 'jpeg',
      width: 4032,
      height: 3024,
      renditionsVersion: 'rs-7c4a8d09',
      uploadedAt: '2025-06-01T12:00:00.000Z',
    },
  },
});
