import { z } from 'zod';
import { defineContract } from '../contract';
import { DELIVERY_VERSION_PATTERN } from '../delivery-record';
import { ByteSize, Dimension, DurationMs, ImageId, ObjectKey, UserId } from '../fields';
import { COMPRESSED_PREFIX, OUTPUT_EXTENSIONS, type OutputFormatName } from '../vocabulary';

/**
 * The one layout of a full-size variant's key, `compressed/{user}/{image}/{version}/full.{ext}`
 * (platform's `compressedKey` writes the same; the contract checks a variant's key against it).
 */
export function fullSizeVariantKey(userId: string, imageId: string, version: string, format: OutputFormatName): string {
  return `${COMPRESSED_PREFIX}${userId}/${imageId}/${version}/full.${OUTPUT_EXTENSIONS[format]}`;
}

/**
 * The formats a follow-up step may add to a run: the ones a negotiated URL can name (the
 * delivery lib's `NEGOTIABLE_FORMATS`); AVIF is the one added today.
 */
export const ADDED_VARIANT_FORMATS = ['avif', 'webp', 'jpeg'] as const;
export type AddedVariantFormat = (typeof ADDED_VARIANT_FORMATS)[number];

/** The full-size file a follow-up step added to a run: what the delivery record gains. */
export const AddedVariantSchema = z.object({
  /** The processed bucket's key, under the run's version: `compressed/{user}/{image}/{version}/full.avif`. */
  key: ObjectKey,
  format: z.enum(ADDED_VARIANT_FORMATS).describe('Format of the added variant.'),
  width: Dimension,
  height: Dimension,
  bytes: ByteSize,
  /** The encoder quality (chosen by the perceptual search when it ran). */
  quality: z.int().min(1).max(100).optional(),
  /** SSIMULACRA2 (100 = identical) of the chosen quality on the search's proxy, when the search ran. */
  ssimulacra2: z.number().min(-1000).max(100).optional(),
});
export type AddedVariant = z.infer<typeof AddedVariantSchema>;

/** `detail.data` of `ImageVariantAdded` v1. */
export const ImageVariantAddedDataSchema = z
  .object({
    imageId: ImageId,
    userId: UserId,
    /** The run's version segment (the delivery record's `version`) the variant belongs to. */
    version: z.string().regex(DELIVERY_VERSION_PATTERN),
    /** The `ImageProcessed` this variant follows (its `eventId`). */
    processedEventId: z.uuid(),
    variant: AddedVariantSchema,
    /** Wall time of the step (read, encode, write). */
    processingMs: DurationMs,
  })
  .refine((data) => data.variant.key === fullSizeVariantKey(data.userId, data.imageId, data.version, data.variant.format), {
    path: ['variant', 'key'],
    message: 'must be compressed/{userId}/{imageId}/{version}/full.{ext} of this image, run and format',
  });
export type ImageVariantAddedData = z.infer<typeof ImageVariantAddedDataSchema>;

/**
 * A follow-up step after `ImageProcessed` wrote one more full-size variant of the run the
 * record points at (AVIF, issue 13: too slow to sit in the pipeline before `ImageProcessed`).
 * The read model adds it to the delivery record (`formats`, `negotiatedUrl`, `srcset`,
 * `<picture>`) while that record is still on the same `version`; otherwise (reprocessed or
 * deleted since) the event stays in the history and changes nothing.
 */
export const ImageVariantAddedV1 = defineContract({
  source: 'imgpipe.compress',
  detailType: 'ImageVariantAdded',
  version: 1,
  description: 'A follow-up step added a full-size variant (AVIF) to the run the record points at.',
  data: ImageVariantAddedDataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      version: 'c0ffee',
      processedEventId: '6f1c2b9e-8d7a-4c3b-9a1f-0e2d3c4b5a69',
      variant: { key: 'compressed/user-1/img_min/c0ffee/full.avif', format: 'avif', width: 1, height: 1, bytes: 60 },
      processingMs: 0,
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      version: '9f86d081884c',
      processedEventId: '0b5a3f2e-1c4d-4e6f-8a9b-7c6d5e4f3a2b',
      variant: {
        key: 'compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/9f86d081884c/full.avif',
        format: 'avif',
        width: 4032,
        height: 3024,
        bytes: 771_219,
        quality: 52,
        ssimulacra2: 70.6,
      },
      processingMs: 2140,
    },
  },
});
