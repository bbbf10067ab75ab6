import { z } from 'zod';
import { defineContract } from '../contract';
import { DeliveryPlaceholderSchema, DELIVERY_VERSION_PATTERN } from '../delivery-record';
import { DurationMs, ImageId, LIMITS, RenditionObject, RenditionsVersion, UserId } from '../fields';

/** `detail.data` of `ThumbnailsGenerated` v1. Rendition names are unique. */
export const ThumbnailsGeneratedDataSchema = z.object({
  imageId: ImageId,
  userId: UserId,
  /** The version (hash) of the rendition set these were made under. */
  renditionsVersion: RenditionsVersion,
  renditions: z
    .array(RenditionObject)
    .min(1)
    .max(LIMITS.renditions)
    .refine((renditions) => new Set(renditions.map((r) => r.name)).size === renditions.length, {
      message: 'rendition names must be unique',
    }),
  processingMs: DurationMs,
});
export type ThumbnailsGeneratedData = z.infer<typeof ThumbnailsGeneratedDataSchema>;

/** The thumbnail task wrote every rendition of the set. */
export const ThumbnailsGeneratedV1 = defineContract({
  source: 'imgpipe.thumbnail',
  detailType: 'ThumbnailsGenerated',
  version: 1,
  description: 'Every rendition of the rendition set was written.',
  data: ThumbnailsGeneratedDataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      renditionsVersion: 'r1',
      renditions: [
        {
          name: 'small',
          bucket: 'imgpipe-processed',
          key: 'thumbnails/user-1/img_min/small.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 160,
          width: 1,
          height: 1,
        },
      ],
      processingMs: 0,
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      renditionsVersion: 'rs-7c4a8d09',
      renditions: [
        {
          name: 'small',
          bucket: 'imgpipe-processed-123456789012',
          key: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/small.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 6_842,
          width: 150,
          height: 113,
        },
        {
          name: 'medium',
          bucket: 'imgpipe-processed-123456789012',
          key: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/medium.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 21_390,
          width: 300,
          height: 225,
        },
        {
          name: 'large',
          bucket: 'imgpipe-processed-123456789012',
          key: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/large.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 71_006,
          width: 600,
          height: 450,
        },
      ],
      processingMs: 118,
    },
  },
});

/**
 * `detail.data` of `ThumbnailsGenerated` v2: v1's fields, the renditions' keys sharing the
 * run's version segment `version` (`thumbnails/{user}/{image}/{version}/{name}.{ext}`), and
 * the placeholder made from the same decode (ThumbHash, dominant colour, aspect ratio).
 */
export const ThumbnailsGeneratedV2DataSchema = ThumbnailsGeneratedDataSchema.extend({
  version: z.string().regex(DELIVERY_VERSION_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -'),
  placeholder: DeliveryPlaceholderSchema,
}).refine((data) => data.renditions.every((r) => r.key.split('/').at(-2) === data.version), {
  path: ['renditions'],
  message: 'every key must carry the version segment',
});
export type ThumbnailsGeneratedV2Data = z.infer<typeof ThumbnailsGeneratedV2DataSchema>;

/** The thumbnail task wrote every rendition under its run's version, and the placeholder. Since issue 11; v1 is still read. */
export const ThumbnailsGeneratedV2 = defineContract({
  source: 'imgpipe.thumbnail',
  detailType: 'ThumbnailsGenerated',
  version: 2,
  description: 'Every rendition of the set was written under a versioned key, with the placeholder.',
  data: ThumbnailsGeneratedV2DataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      renditionsVersion: 'r1',
      renditions: [
        {
          name: 'small',
          bucket: 'imgpipe-processed',
          key: 'thumbnails/user-1/img_min/beef01/small.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 160,
          width: 1,
          height: 1,
        },
      ],
      processingMs: 0,
      version: 'beef01',
      placeholder: { thumbHash: 'AAgCBwAAAAAAAAAAAAAAAAAAAAA=', dominantColour: '#ffffff', aspectRatio: 1 },
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      renditionsVersion: 'rs-7c4a8d09',
      renditions: [
        {
          name: 'small',
          bucket: 'imgpipe-processed-123456789012',
          key: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/2c26b46b68ff/small.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 6_842,
          width: 150,
          height: 113,
        },
        {
          name: 'large',
          bucket: 'imgpipe-processed-123456789012',
          key: 'thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/2c26b46b68ff/large.jpg',
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 71_006,
          width: 600,
          height: 450,
        },
      ],
      processingMs: 118,
      version: '2c26b46b68ff',
      placeholder: { thumbHash: '1QcSHQRnh493V4dIh4eXh1h4kJUI', dominantColour: '#6b8fb3', aspectRatio: 1.3333 },
    },
  },
});
