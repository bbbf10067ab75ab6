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

/** The owner deleted an image: its objects are gone, its history stays. */
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
