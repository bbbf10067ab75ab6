import { z } from 'zod';
import { defineContract } from '../contract';
import { DELIVERY_KINDS, DELIVERY_VERSION_PATTERN } from '../delivery-record';
import {
  ByteSize,
  Dimension,
  DurationMs,
  ImageId,
  LIMITS,
  ObjectKey,
  OriginalByteSize,
  OutputObject,
  Reason,
  RenditionsVersion,
  SavingsPercent,
  UserId,
} from '../fields';
import { WEBP_PRESETS } from '../vocabulary';
import { keysCarryVersion, RenditionFiles } from './thumbnails-generated.contract';

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

/** A full-size file compress wrote, with the encoder quality (fixed or chosen by `auto`) where it is a lossy encode. */
export const CompressedFileSchema = OutputObject.safeExtend({
  /** Encoder quality; absent for the original or a lossless re-encode. */
  quality: z.int().min(1).max(100).optional(),
  /** SSIMULACRA2 (100 = identical) of the quality `auto` chose; absent for a fixed quality. */
  ssimulacra2: z.number().min(-1000).max(100).optional(),
  /** The WebP encoder preset (libwebp's tuning) when one was set or `auto` chose it; absent: libwebp's default. */
  preset: z.enum(WEBP_PRESETS).optional(),
  /**
   * Whether the file plays an animation (every frame of an animated original: its WebP, or the
   * GIF itself); false for a still. Absent in events written before it was recorded: a GIF
   * variant may then be animated (the delivery record keeps first-frame renditions out of it).
   */
  animated: z.boolean().optional(),
});
export type CompressedFile = z.infer<typeof CompressedFileSchema>;

/**
 * `detail.data` of `ImageCompressed` v2: v1's fields, where `variants` are the full-size files
 * worth serving (image-ops' honest output: never one larger than a servable original), the
 * first the one handed back by default (`compressedKey`); their keys share the run's version
 * segment `version` (`compressed/{user}/{image}/{version}/full.{ext}`); and `output` says
 * which file that is: a lossy encode, the original unchanged, or a lossless re-encode.
 */
export const ImageCompressedV2DataSchema = z
  .object({
    ...ImageCompressedDataSchema.shape,
    variants: z.array(CompressedFileSchema).min(1).max(LIMITS.variants),
    version: z.string().regex(DELIVERY_VERSION_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -'),
    output: z.object({
      kind: z.enum(DELIVERY_KINDS),
      /** Why that file, for a person (image-ops' decision). */
      reason: Reason,
    }),
    /**
     * The renditions of the set compress made from its full-size decode (issue 13: those too
     * large for the thumbnail task's early, shrink-on-load decode, such as the gallery set's
     * 1600 px `display`), each name's primary format first, under the same `version` segment
     * (`thumbnails/{user}/{image}/{version}/{name}.{ext}`). Absent when it made none (older
     * events, and sets whose renditions are all the thumbnail task's). An optional field gained
     * inside v2: a reader on an older build drops it.
     */
    renditions: RenditionFiles.optional(),
    /**
     * The version of the rendition set compress read (the whole set's, as `ThumbnailsGenerated`
     * carries it), whether or not it made any of it: `RecordMetadata` joins the two tasks' shares
     * only when both read the same set. Always with `renditions`; absent in older events.
     */
    renditionsVersion: RenditionsVersion.optional(),
  })
  .refine((data) => data.renditions === undefined || data.renditionsVersion !== undefined, {
    path: ['renditionsVersion'],
    message: 'must be given with renditions',
  })
  .refine((data) => keysCarryVersion({ version: data.version, renditions: data.renditions ?? [] }), {
    path: ['renditions'],
    message: 'every key must carry the version segment',
  })
  .refine((data) => data.variants.length === 0 || data.variants[0]?.key === data.compressedKey, {
    path: ['compressedKey'],
    message: 'must be the key of the first (primary) variant',
  })
  .refine((data) => data.variants.length === 0 || data.variants[0]?.size === data.compressedSize, {
    path: ['compressedSize'],
    message: 'must be the size of the first (primary) variant',
  })
  .refine((data) => new Set(data.variants.map((v) => v.format)).size === data.variants.length, {
    path: ['variants'],
    message: 'one file per format',
  })
  .refine((data) => data.variants.every((v) => v.key.split('/').at(-2) === data.version), {
    path: ['variants'],
    message: 'every key must carry the version segment',
  });
export type ImageCompressedV2Data = z.infer<typeof ImageCompressedV2DataSchema>;

const C2_USER = '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b';
const C2_IMAGE = '01J9ZQ4V7W3M8K2N6P5R1T0XYZ';
const c2Key = (file: string) => `compressed/${C2_USER}/${C2_IMAGE}/9f86d081884c/${file}`;

/**
 * The compress task wrote the full-size files worth serving, under its run's version, and
 * says which one is handed back (honest output). Since issue 11; v1 is still read.
 */
export const ImageCompressedV2 = defineContract({
  source: 'imgpipe.compress',
  detailType: 'ImageCompressed',
  version: 2,
  description: 'The full-size files worth serving were written under a versioned key; the first is handed back.',
  data: ImageCompressedV2DataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      originalKey: 'uploads/user-1/img_min/a.png',
      originalSize: 67,
      variants: [
        {
          bucket: 'imgpipe-processed',
          key: 'compressed/user-1/img_min/c0ffee/full.png',
          format: 'png',
          contentType: 'image/png',
          size: 67,
          width: 1,
          height: 1,
        },
      ],
      compressedKey: 'compressed/user-1/img_min/c0ffee/full.png',
      compressedSize: 67,
      savingsPercent: 0,
      width: 1,
      height: 1,
      processingMs: 0,
      version: 'c0ffee',
      output: { kind: 'original', reason: 'no output beats the original, which browsers display as it is' },
    },
    full: {
      imageId: C2_IMAGE,
      userId: C2_USER,
      originalKey: `uploads/${C2_USER}/${C2_IMAGE}/holiday-photo.jpg`,
      originalSize: 4_812_331,
      variants: [
        {
          bucket: 'imgpipe-processed-123456789012',
          key: c2Key('full.webp'),
          format: 'webp',
          contentType: 'image/webp',
          size: 1_204_117,
          width: 4032,
          height: 3024,
          quality: 74,
          ssimulacra2: 80.4,
        },
        {
          bucket: 'imgpipe-processed-123456789012',
          key: c2Key('full.jpg'),
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 2_015_884,
          width: 4032,
          height: 3024,
          quality: 80,
        },
      ],
      compressedKey: c2Key('full.webp'),
      compressedSize: 1_204_117,
      savingsPercent: 75,
      width: 4032,
      height: 3024,
      processingMs: 1432,
      version: '9f86d081884c',
      output: {
        kind: 'encoded',
        reason: 'the original carries EXIF/XMP/IPTC metadata (camera, time, maybe a GPS position) that must not be served: the smallest encoded output (webp) is handed back',
      },
    },
    /** With the rendition compress made beside the full-size files (issue 13: the gallery set's `display`). */
    'with-renditions': {
      imageId: C2_IMAGE,
      userId: C2_USER,
      originalKey: `uploads/${C2_USER}/${C2_IMAGE}/holiday-photo.jpg`,
      originalSize: 4_812_331,
      variants: [
        {
          bucket: 'imgpipe-processed-123456789012',
          key: c2Key('full.webp'),
          format: 'webp',
          contentType: 'image/webp',
          size: 1_204_117,
          width: 4032,
          height: 3024,
          quality: 80,
          animated: false,
        },
      ],
      compressedKey: c2Key('full.webp'),
      compressedSize: 1_204_117,
      savingsPercent: 75,
      width: 4032,
      height: 3024,
      processingMs: 1581,
      version: '9f86d081884c',
      output: { kind: 'encoded', reason: 'the smallest encoded output (webp) is handed back' },
      renditions: [
        {
          name: 'display',
          bucket: 'imgpipe-processed-123456789012',
          key: `thumbnails/${C2_USER}/${C2_IMAGE}/9f86d081884c/display.jpg`,
          format: 'jpeg',
          contentType: 'image/jpeg',
          size: 241_377,
          width: 1600,
          height: 1200,
        },
        {
          name: 'display',
          bucket: 'imgpipe-processed-123456789012',
          key: `thumbnails/${C2_USER}/${C2_IMAGE}/9f86d081884c/display.webp`,
          format: 'webp',
          contentType: 'image/webp',
          size: 170_204,
          width: 1600,
          height: 1200,
        },
      ],
      renditionsVersion: 'rs-9e107d9d372b',
    },
  },
});
