import { z } from 'zod';
import { defineContract } from '../contract';
import {
  ByteSize,
  Dimension,
  DurationMs,
  ImageId,
  LIMITS,
  ObjectKey,
  OriginalByteSize,
  OutputObject,
  SavingsPercent,
  UserId,
} from '../fields';

/**
 * `detail.data` of `ImageCompressed` v1. `compressedKey`, `compressedSize` and
 * `savingsPercent` describe the primary variant (the first, WebP by default) and must
 * agree with it; the read model stores them as they are.
 */
export const ImageCompressedDataSchema = z
  .object({
    imageId: ImageId,
    userId: UserId,
    originalKey: ObjectKey,
    originalSize: OriginalByteSize,
    /** Full-size web variants; the first is the primary (WebP by default). */
    variants: z.array(OutputObject).min(1).max(LIMITS.variants),
    compressedKey: ObjectKey,
    compressedSize: ByteSize,
    savingsPercent: SavingsPercent,
    /** Of the full-size image (orientation applied, never upscaled). */
    width: Dimension,
    height: Dimension,
    processingMs: DurationMs,
  })
  // An empty variants list is reported by its own bound, not again here.
  .refine((data) => data.variants.length === 0 || data.variants[0]?.key === data.compressedKey, {
    path: ['compressedKey'],
    message: 'must be the key of the first (primary) variant',
  })
  .refine((data) => data.variants.length === 0 || data.variants[0]?.size === data.compressedSize, {
    path: ['compressedSize'],
    message: 'must be the size of the first (primary) variant',
  });
export type ImageCompressedData = z.infer<typeof ImageCompressedDataSchema>;

/** The compress task wrote the full-size web variants of an original. */
export const ImageCompressedV1 = defineContract({
  source: 'imgpipe.compress',
  detailType: 'ImageCompressed',
  version: 1,
  description: 'The full-size web variants of an original were written.',
  data: ImageCompressedDataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      originalKey: 'uploads/user-1/img_min/a.png',
      originalSize: 67,
      variants: [
        {
          bucket: 'imgpipe-processed',
          key: 'compressed/user-1/img_min/full.webp',
          format: 'webp',
          contentType: 'image/webp',
          size: 90,
          width: 1,
          height: 1,
        },
      ],
      compressedKey: 'compressed/user-1/img_min/full.webp',
      compressedSize: 90,
      savingsPercent: -34.33,
      width: 1,
      height: 1,
      processingMs: 0,
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      originalKey: 'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/holiday-photo.jpg',
      originalSize: 4_812_331,
      variants: [
        {
          bucket: 'imgpipe-processed-123456789012',
          key: 'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.webp',
          format: 'webp',
          contentType: 'image/webp',
          size: 1_204_117,
          width: 4032,
          height: 3024,
        },
        {
          bucket: 'imgpipe-processed-123456789012',
          key: 'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.avif',
          format: 'avif',
          contentType: 'image/avif',
          size: 861_530,
          width: 4032,
          height: 3024,
        },
        {
          bucket: 'imgpipe-processed-123456789012',
          key: 'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 2_015_884,
          width: 4032,
          height: 3024,
        },
      ],
      compressedKey: 'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.webp',
      compressedSize: 1_204_117,
      savingsPercent: 74.98,
      width: 4032,
      height: 3024,
      processingMs: 1432,
    },
  },
});
