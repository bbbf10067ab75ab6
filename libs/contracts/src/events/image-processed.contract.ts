import { z } from 'zod';
import { defineContract } from '../contract';
import {
  ByteSize,
  OriginalByteSize,
  Dimension,
  DurationMs,
  ImageId,
  InputFormat,
  LIMITS,
  ObjectKey,
  RenditionName,
  RenditionsVersion,
  SavingsPercent,
  UserId,
} from '../fields';

/** `detail.data` of `ImageProcessed` v1: what the read model record and notify need. */
export const ImageProcessedDataSchema = z.object({
  imageId: ImageId,
  userId: UserId,
  originalKey: ObjectKey,
  /** Key of the primary full-size variant. */
  compressedKey: ObjectKey,
  /** Rendition name -> object key, e.g. `{ small: 'thumbnails/u/i/small.jpg' }`. */
  thumbnails: z
    .record(RenditionName, ObjectKey)
    .refine((thumbnails) => {
      const count = Object.keys(thumbnails).length;
      return count >= 1 && count <= LIMITS.renditions;
    }, `must name 1-${LIMITS.renditions} renditions`)
    .meta({ minProperties: 1, maxProperties: LIMITS.renditions }),
  originalSize: OriginalByteSize,
  compressedSize: ByteSize,
  savingsPercent: SavingsPercent,
  /** Wall time of the whole pipeline run, upload to record. */
  processingTimeMs: DurationMs,
  /** Of the primary full-size variant (orientation applied). */
  width: Dimension,
  height: Dimension,
  /** The original's real format. */
  format: InputFormat,
  renditionsVersion: RenditionsVersion,
});
export type ImageProcessedData = z.infer<typeof ImageProcessedDataSchema>;

/** The pipeline finished an image: variants and renditions written and recorded. */
export const ImageProcessedV1 = defineContract({
  source: 'imgpipe.metadata',
  detailType: 'ImageProcessed',
  version: 1,
  description: 'The pipeline finished an image: outputs written and recorded.',
  data: ImageProcessedDataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      originalKey: 'uploads/user-1/img_min/a.png',
      compressedKey: 'compressed/user-1/img_min/full.webp',
      thumbnails: { small: 'thumbnails/user-1/img_min/small.jpg' },
      originalSize: 67,
      compressedSize: 90,
      savingsPercent: -34.33,
      processingTimeMs: 0,
      width: 1,
      height: 1,
      format: 'png',
      renditionsVersion: 'r1',
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      originalKey: 'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/holiday-photo.jpg',
      compressedKey: 'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.webp',
      thumbnails: {
        small: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/small.jpg',
        medium: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/medium.jpg',
        large: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/large.jpg',
      },
      originalSize: 4_812_331,
      compressedSize: 1_204_117,
      savingsPercent: 74.98,
      processingTimeMs: 1710,
      width: 4032,
      height: 3024,
      format: 'jpeg',
      renditionsVersion: 'rs-7c4a8d09',
    },
  },
});
