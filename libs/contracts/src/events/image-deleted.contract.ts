import { z } from 'zod';
import { defineContract } from '../contract';
import { ImageId, IsoDateTime, LIMITS, ObjectKey, UserId } from '../fields';

/** `detail.data` of `ImageDeleted` v1. */
export const ImageDeletedDataSchema = z.object({
  imageId: ImageId,
  userId: UserId,
  /** Every object key removed (original and derivatives); may be empty. */
  deletedKeys: z.array(ObjectKey).max(LIMITS.deletedKeys),
  deletedAt: IsoDateTime,
});
export type ImageDeletedData = z.infer<typeof ImageDeletedDataSchema>;

/**
 * The owner deleted an image: its objects are gone, its history stays. Superseded by
 * {@link ImageDeletedV2} (an undo window, then erasure); still parsed, because stored
 * histories hold it. The fold reads a v1 delete as undoable until `deletedAt` + the
 * configured default window.
 */
export const ImageDeletedV1 = defineContract({
  source: 'imgpipe.ingest',
  detailType: 'ImageDeleted',
  version: 1,
  description: 'The owner deleted an image; its objects are gone, its history stays.',
  data: ImageDeletedDataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      deletedKeys: [],
      deletedAt: '2025-01-02T00:00:00Z',
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      deletedKeys: [
        'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/holiday-photo.jpg',
        'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.webp',
        'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.avif',
        'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.jpg',
        'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/small.jpg',
        'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/medium.jpg',
        'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/large.jpg',
      ],
      deletedAt: '2025-06-02T08:30:00.000Z',
    },
  },
});

/**
 * `detail.data` of `ImageDeleted` v2: v1's fields and the end of the undo window. In v2
 * `deletedKeys` lists the derivatives removed at once; the original stays until the purge.
 */
export const ImageDeletedV2DataSchema = ImageDeletedDataSchema.extend({
  /** `deletedAt` + the undo window: `ImageRestored` is accepted before this instant, the purge runs after it. */
  undoUntil: IsoDateTime,
}).refine((data) => Date.parse(data.undoUntil) >= Date.parse(data.deletedAt), {
  path: ['undoUntil'],
  message: 'must not be before deletedAt',
});
export type ImageDeletedV2Data = z.infer<typeof ImageDeletedV2DataSchema>;

/**
 * The owner deleted an image. Terminal in every fold except for `ImageRestored` (before
 * `undoUntil`) and `ImagePurged`: its renditions are gone at once, work finishing after it
 * is discarded, the original is kept until `undoUntil` and then erased.
 */
export const ImageDeletedV2 = defineContract({
  source: 'imgpipe.ingest',
  detailType: 'ImageDeleted',
  version: 2,
  description: 'The owner deleted an image; renditions are gone, the original is erased after undoUntil.',
  data: ImageDeletedV2DataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      deletedKeys: [],
      deletedAt: '2025-01-02T00:00:00Z',
      undoUntil: '2025-01-09T00:00:00Z',
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      deletedKeys: [
        'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.webp',
        'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/full.avif',
        'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/small.jpg',
      ],
      deletedAt: '2025-06-02T08:30:00.000Z',
      undoUntil: '2025-06-09T08:30:00.000Z',
    },
  },
});
