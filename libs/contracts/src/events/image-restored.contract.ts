import { z } from 'zod';
import { defineContract } from '../contract';
import { ImageId, IsoDateTime, UserId } from '../fields';

/** `detail.data` of `ImageRestored` v1. */
export const ImageRestoredDataSchema = z.object({
  imageId: ImageId,
  userId: UserId,
  restoredAt: IsoDateTime,
});
export type ImageRestoredData = z.infer<typeof ImageRestoredDataSchema>;

/**
 * The owner undid a delete within its undo window: the image is `processing` again and goes
 * back through the pipeline. A restore after `undoUntil`, or after `ImagePurged`, changes
 * nothing in any fold.
 */
export const ImageRestoredV1 = defineContract({
  source: 'imgpipe.ingest',
  detailType: 'ImageRestored',
  version: 1,
  description: 'The owner undid a delete within the undo window; the image goes back through the pipeline.',
  data: ImageRestoredDataSchema,
  examples: {
    minimal: { imageId: 'img_min', userId: 'user-1', restoredAt: '2025-01-03T00:00:00Z' },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      restoredAt: '2025-06-03T09:15:00.000Z',
    },
  },
});
