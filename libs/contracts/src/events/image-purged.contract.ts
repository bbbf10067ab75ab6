import { z } from 'zod';
import { defineContract } from '../contract';
import { ImageId, IsoDateTime, UserId } from '../fields';

/** `detail.data` of `ImagePurged` v1. */
export const ImagePurgedDataSchema = z.object({
  imageId: ImageId,
  userId: UserId,
  purgedAt: IsoDateTime,
  /** How many objects (original versions and leftover derivatives) the purge erased; may be 0. */
  purgedKeys: z.int().nonnegative().describe('Number of objects erased.'),
});
export type ImagePurgedData = z.infer<typeof ImagePurgedDataSchema>;

/**
 * After a delete's undo window the original was erased and the image's history redacted
 * (`redactEvent`): what is left is a tombstone without personal data. Final in every fold.
 */
export const ImagePurgedV1 = defineContract({
  source: 'imgpipe.metadata',
  detailType: 'ImagePurged',
  version: 1,
  description: 'After the undo window the original was erased; the history keeps a tombstone.',
  data: ImagePurgedDataSchema,
  examples: {
    minimal: { imageId: 'img_min', userId: 'user-1', purgedAt: '2025-01-09T00:00:01Z', purgedKeys: 0 },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      purgedAt: '2025-06-09T09:00:00.000Z',
      purgedKeys: 2,
    },
  },
});
