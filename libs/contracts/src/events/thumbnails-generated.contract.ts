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
const versionSegment = z.string().regex(DELIVERY_VERSION_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
/** Whether every rendition key carries the version segment (`.../{version}/{name}.{ext}`). */
export const keysCarryVersion = (data: { version: string; renditions: readonly { key: string }[] }): boolean =>
  data.renditions.every((r) => r.key.split('/').at(-2) === data.version);
const keysCarryVersionIssue = { path: ['renditions'], message: 'every key must carry the version segment' };

export const ThumbnailsGeneratedV2DataSchema = ThumbnailsGeneratedDataSchema.extend({
  version: versionSegment,
  placeholder: DeliveryPlaceholderSchema,
}).refine(keysCarryVersion, keysCarryVersionIssue);
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

/**
 * The files of one or more renditions, each name's primary format first (`ThumbnailsGenerated`
 * v3, and `ImageCompressed`'s `renditions`, issue 13): a name and format at most once, one pixel
 * size a name.
 */
export const RenditionFiles = z
  .array(RenditionObject)
  .min(1)
  .max(LIMITS.renditions)
  .refine((renditions) => new Set(renditions.map((r) => `${r.name}.${r.format}`)).size === renditions.length, {
    message: 'a rendition name and format must appear once',
  })
  .refine(
    (renditions) =>
      renditions.every((r) => {
        const first = renditions.find((other) => other.name === r.name);
        return first === undefined || (first.width === r.width && first.height === r.height);
      }),
    { message: 'the files of one rendition must have one pixel size' },
  );

/**
 * `detail.data` of `ThumbnailsGenerated` v3: v2's fields, a rendition written in several
 * formats (a JPEG and a WebP of `small` from one resize, since issue 11's WebP renditions).
 * So a name may repeat, once per format: a name and format appear at most once; every file
 * of one name has one pixel size (it is one rendition); and each name's FIRST file is its
 * primary format (the rendition set's `format`, the universal fallback; the others follow),
 * which is what the name -> key maps (`thumbnails` of the read model and `ImageProcessed`)
 * name: {@link primaryRenditionKeys}.
 */
export const ThumbnailsGeneratedV3DataSchema = ThumbnailsGeneratedDataSchema.extend({
  renditions: RenditionFiles,
  version: versionSegment,
  placeholder: DeliveryPlaceholderSchema,
}).refine(keysCarryVersion, keysCarryVersionIssue);
export type ThumbnailsGeneratedV3Data = z.infer<typeof ThumbnailsGeneratedV3DataSchema>;

/**
 * Rendition name -> key of its primary file (the first of its name; v1 and v2 have one file a
 * name): the `thumbnails` map of the read model and of `ImageProcessed`. The one place that
 * picks it, so the fold and `RecordMetadata` agree.
 */
export function primaryRenditionKeys(renditions: readonly Pick<RenditionObject, 'name' | 'key'>[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const r of renditions) if (!Object.prototype.hasOwnProperty.call(keys, r.name)) keys[r.name] = r.key;
  return keys;
}

const v3Key = (name: string, ext: string) =>
  `thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/5d41402abc4b/${name}.${ext}`;

/** What the published v3 examples of one run share: the image, the set, the output version, the placeholder. */
const V3_EXAMPLE_BUCKET = 'imgpipe-processed-123456789012';
const V3_EXAMPLE_RUN = {
  imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
  userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
  renditionsVersion: 'rs-9e107d9d372b',
  version: '5d41402abc4b',
  placeholder: { thumbHash: '1QcSHQRnh493V4dIh4eXh1h4kJUI', dominantColour: '#6b8fb3', aspectRatio: 1.3333 },
};
const V3_EXAMPLE_SMALL = [
  { name: 'small', bucket: V3_EXAMPLE_BUCKET, key: v3Key('small', 'jpg'), format: 'jpeg', contentType: 'image/jpeg', size: 6_842, width: 150, height: 113 },
  { name: 'small', bucket: V3_EXAMPLE_BUCKET, key: v3Key('small', 'webp'), format: 'webp', contentType: 'image/webp', size: 4_918, width: 150, height: 113 },
] as const;

/** The thumbnail task wrote every rendition of the set in each of its formats (JPEG and WebP by default). Since issue 11's WebP renditions; v1 and v2 are still read. */
export const ThumbnailsGeneratedV3 = defineContract({
  source: 'imgpipe.thumbnail',
  detailType: 'ThumbnailsGenerated',
  version: 3,
  description: 'Every rendition of the set was written in each of its formats under a versioned key, with the placeholder.',
  data: ThumbnailsGeneratedV3DataSchema,
  examples: {
    minimal: ThumbnailsGeneratedV2.examples.minimal,
    full: {
      ...V3_EXAMPLE_RUN,
      renditions: [
        ...V3_EXAMPLE_SMALL,
        { name: 'display', bucket: V3_EXAMPLE_BUCKET, key: v3Key('display', 'jpg'), format: 'jpeg', contentType: 'image/jpeg', size: 268_410, width: 1600, height: 1200 },
        { name: 'display', bucket: V3_EXAMPLE_BUCKET, key: v3Key('display', 'webp'), format: 'webp', contentType: 'image/webp', size: 171_226, width: 1600, height: 1200 },
      ],
      processingMs: 164,
    },
    /**
     * The thumbnail task's share of a split set (issue 13): its small renditions only; the large
     * ones (`display`) are compress's (`ImageCompressed` v2's `with-renditions`, of the same set).
     */
    'early-share': {
      ...V3_EXAMPLE_RUN,
      renditions: [
        ...V3_EXAMPLE_SMALL,
        { name: 'card', bucket: V3_EXAMPLE_BUCKET, key: v3Key('card', 'jpg'), format: 'jpeg', contentType: 'image/jpeg', size: 31_207, width: 400, height: 400 },
        { name: 'card', bucket: V3_EXAMPLE_BUCKET, key: v3Key('card', 'webp'), format: 'webp', contentType: 'image/webp', size: 22_519, width: 400, height: 400 },
      ],
      processingMs: 71,
    },
  },
});
