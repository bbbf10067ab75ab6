import { z } from 'zod';
import { defineContract } from '../contract';
import { BucketName, ImageId, IsoDateTime, ObjectKey, Reason, UserId } from '../fields';

/**
 * Why ingest refused an object under `uploads/`:
 * - `NO_GRANT`: no upload grant names the image id in the key (never issued, or expired and gone);
 * - `KEY_MISMATCH`: a grant exists for that image id, but for another key;
 * - `SIZE_MISMATCH`: the object's size is not the size declared in the grant;
 * - `GRANT_ALREADY_USED`: another object already used the grant (one grant, one upload);
 * - `GRANT_EXPIRED`: the object was created after the grant stopped being valid.
 */
export const UPLOAD_REFUSAL_CODES = [
  'NO_GRANT',
  'KEY_MISMATCH',
  'SIZE_MISMATCH',
  'GRANT_ALREADY_USED',
  'GRANT_EXPIRED',
] as const;
export const UploadRefusalCodeSchema = z.enum(UPLOAD_REFUSAL_CODES);
export type UploadRefusalCode = z.infer<typeof UploadRefusalCodeSchema>;

/**
 * `detail.data` of `UploadRefused` v1. `imageId` and `userId` come only from a grant that
 * proves them (never from the key), so they are both present or both absent.
 */
export const UploadRefusedDataSchema = z
  .object({
    /** The refused object's key, as stored (the key of a hostile upload: an audit record, not a path to follow). */
    key: ObjectKey,
    bucket: BucketName,
    code: UploadRefusalCodeSchema,
    reason: Reason,
    /** The image of the grant the object claimed to use; absent for `NO_GRANT`. */
    imageId: ImageId.optional(),
    /** The owner of that grant; absent for `NO_GRANT`. */
    userId: UserId.optional(),
    /** The refused version (removed by version id on a versioned bucket). */
    versionId: z.string().regex(/^[!-~]{1,1024}$/, 'must be printable ASCII without spaces').optional(),
    refusedAt: IsoDateTime,
  })
  .refine((data) => (data.imageId === undefined) === (data.userId === undefined), {
    path: ['userId'],
    message: 'imageId and userId come together, from a grant, or not at all',
  });
export type UploadRefusedData = z.infer<typeof UploadRefusedDataSchema>;

/**
 * Ingest refused an object under `uploads/` that no upload grant admits, and removed it.
 * An audit record: it starts nothing, and it is not part of an image's history (its image
 * and owner are known only when a grant proves them).
 */
export const UploadRefusedV1 = defineContract({
  source: 'imgpipe.ingest',
  detailType: 'UploadRefused',
  version: 1,
  description: 'Ingest refused and removed an uploaded object that no upload grant admits.',
  data: UploadRefusedDataSchema,
  examples: {
    minimal: {
      key: 'uploads/user-1/img_min/a.png',
      bucket: 'imgpipe-originals',
      code: 'NO_GRANT',
      reason: 'No upload grant was issued for this image id.',
      refusedAt: '2025-01-02T00:00:00Z',
    },
    full: {
      key: 'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/holiday-photo.jpg',
      bucket: 'imgpipe-originals',
      code: 'GRANT_ALREADY_USED',
      reason: 'Another object already used the upload grant for this image: one grant, one upload.',
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo',
      refusedAt: '2025-06-02T08:30:00.000Z',
    },
    'key-mismatch': {
      key: 'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/planted.jpg',
      bucket: 'imgpipe-originals',
      code: 'KEY_MISMATCH',
      reason: 'The upload grant for this image is for another key.',
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      refusedAt: '2025-06-02T08:31:00.000Z',
    },
  },
});
