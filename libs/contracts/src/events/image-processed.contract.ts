import { z } from 'zod';
import { defineContract } from '../contract';
import { DeliveryRecordSchema } from '../delivery-record';
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

/**
 * `detail.data` of `ImageProcessed` v2: v1's fields (keys now versioned:
 * `compressed/{user}/{image}/{version}/full.webp`) and THE delivery record, whose URLs and
 * keys must be the ones above.
 */
export const ImageProcessedV2DataSchema = ImageProcessedDataSchema.extend({
  delivery: DeliveryRecordSchema,
}).superRefine((data, ctx) => {
  const keys = new Set([...data.delivery.variants, ...data.delivery.renditions].map((file) => file.key));
  if (!keys.has(data.compressedKey)) {
    ctx.addIssue({ code: 'custom', path: ['delivery', 'variants'], message: 'must hold the compressedKey' });
  }
  for (const [name, key] of Object.entries(data.thumbnails)) {
    if (!keys.has(key)) ctx.addIssue({ code: 'custom', path: ['delivery', 'renditions'], message: `must hold the ${name} rendition` });
  }
});
export type ImageProcessedV2Data = z.infer<typeof ImageProcessedV2DataSchema>;

const V2_USER = '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b';
const V2_IMAGE = '01J9ZQ4V7W3M8K2N6P5R1T0XYZ';
const V2_CDN = 'https://d111111abcdef8.cloudfront.net';
const v2Key = (prefix: 'compressed' | 'thumbnails', version: string, file: string) => `${prefix}/${V2_USER}/${V2_IMAGE}/${version}/${file}`;

/**
 * The pipeline finished an image, and here is what a page needs to show it: v1's facts plus
 * the delivery record (absolute, immutable URLs per variant and rendition with format,
 * width, height and bytes; `srcset` per format; a `<picture>` snippet; the placeholder; which
 * file is served and which formats exist). Published by metadata since issue 11; v1 is still
 * read (stored histories, archived events).
 */
export const ImageProcessedV2 = defineContract({
  source: 'imgpipe.metadata',
  detailType: 'ImageProcessed',
  version: 2,
  description: 'The pipeline finished an image: outputs written and recorded, with the delivery record.',
  data: ImageProcessedV2DataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      originalKey: 'uploads/user-1/img_min/a.png',
      compressedKey: 'compressed/user-1/img_min/c0ffee/full.png',
      thumbnails: { small: 'thumbnails/user-1/img_min/beef01/small.jpg' },
      originalSize: 67,
      compressedSize: 67,
      savingsPercent: 0,
      processingTimeMs: 0,
      width: 1,
      height: 1,
      format: 'png',
      renditionsVersion: 'r1',
      delivery: {
        version: 'c0ffee',
        served: { kind: 'original', format: 'png', url: '/cdn/compressed/user-1/img_min/c0ffee/full.png', bytes: 67, savingsPercent: 0 },
        formats: ['png'],
        negotiatedUrl: '/cdn/compressed/user-1/img_min/c0ffee/full.png',
        variants: [
          { url: '/cdn/compressed/user-1/img_min/c0ffee/full.png', key: 'compressed/user-1/img_min/c0ffee/full.png', format: 'png', width: 1, height: 1, bytes: 67 },
        ],
        renditions: [
          { name: 'small', url: '/cdn/thumbnails/user-1/img_min/beef01/small.jpg', key: 'thumbnails/user-1/img_min/beef01/small.jpg', format: 'jpeg', width: 1, height: 1, bytes: 160 },
        ],
        srcset: { jpeg: '/cdn/thumbnails/user-1/img_min/beef01/small.jpg 1w', png: '/cdn/compressed/user-1/img_min/c0ffee/full.png 1w' },
        picture:
          '<picture>\n  <img src="/cdn/compressed/user-1/img_min/c0ffee/full.png" srcset="/cdn/compressed/user-1/img_min/c0ffee/full.png 1w" sizes="100vw" width="1" height="1" alt="" loading="lazy" decoding="async">\n</picture>',
      },
    },
    full: {
      imageId: V2_IMAGE,
      userId: V2_USER,
      originalKey: `uploads/${V2_USER}/${V2_IMAGE}/holiday-photo.jpg`,
      compressedKey: v2Key('compressed', '9f86d081884c', 'full.webp'),
      thumbnails: {
        small: v2Key('thumbnails', '2c26b46b68ff', 'small.jpg'),
        large: v2Key('thumbnails', '2c26b46b68ff', 'large.jpg'),
      },
      originalSize: 4_812_331,
      compressedSize: 1_204_117,
      savingsPercent: 74.98,
      processingTimeMs: 1710,
      width: 4032,
      height: 3024,
      format: 'jpeg',
      renditionsVersion: 'rs-7c4a8d09',
      delivery: {
        version: '9f86d081884c',
        served: {
          kind: 'encoded',
          format: 'webp',
          url: `${V2_CDN}/${v2Key('compressed', '9f86d081884c', 'full.webp')}`,
          bytes: 1_204_117,
          savingsPercent: 75,
          quality: 74,
          ssimulacra2: 80.4,
        },
        formats: ['webp', 'jpeg'],
        negotiatedUrl: `${V2_CDN}/${v2Key('compressed', '9f86d081884c', 'full~webp~jpeg')}`,
        variants: [
          { url: `${V2_CDN}/${v2Key('compressed', '9f86d081884c', 'full.webp')}`, key: v2Key('compressed', '9f86d081884c', 'full.webp'), format: 'webp', width: 4032, height: 3024, bytes: 1_204_117 },
          { url: `${V2_CDN}/${v2Key('compressed', '9f86d081884c', 'full.jpg')}`, key: v2Key('compressed', '9f86d081884c', 'full.jpg'), format: 'jpeg', width: 4032, height: 3024, bytes: 2_015_884 },
        ],
        renditions: [
          { name: 'small', url: `${V2_CDN}/${v2Key('thumbnails', '2c26b46b68ff', 'small.jpg')}`, key: v2Key('thumbnails', '2c26b46b68ff', 'small.jpg'), format: 'jpeg', width: 150, height: 113, bytes: 6_842 },
          { name: 'large', url: `${V2_CDN}/${v2Key('thumbnails', '2c26b46b68ff', 'large.jpg')}`, key: v2Key('thumbnails', '2c26b46b68ff', 'large.jpg'), format: 'jpeg', width: 600, height: 450, bytes: 71_006 },
        ],
        srcset: {
          webp: `${V2_CDN}/${v2Key('compressed', '9f86d081884c', 'full.webp')} 4032w`,
          jpeg: `${V2_CDN}/${v2Key('thumbnails', '2c26b46b68ff', 'small.jpg')} 150w, ${V2_CDN}/${v2Key('thumbnails', '2c26b46b68ff', 'large.jpg')} 600w, ${V2_CDN}/${v2Key('compressed', '9f86d081884c', 'full.jpg')} 4032w`,
        },
        picture:
          "<picture>\n  <source type=\"image/webp\" srcset=\"https://d111111abcdef8.cloudfront.net/compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/9f86d081884c/full.webp 4032w\" sizes=\"100vw\">\n  <img src=\"https://d111111abcdef8.cloudfront.net/compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/9f86d081884c/full.jpg\" srcset=\"https://d111111abcdef8.cloudfront.net/thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/2c26b46b68ff/small.jpg 150w, https://d111111abcdef8.cloudfront.net/thumbnails/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/2c26b46b68ff/large.jpg 600w, https://d111111abcdef8.cloudfront.net/compressed/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/9f86d081884c/full.jpg 4032w\" sizes=\"100vw\" width=\"4032\" height=\"3024\" alt=\"\" loading=\"lazy\" decoding=\"async\">\n</picture>",
        placeholder: { thumbHash: '1QcSHQRnh493V4dIh4eXh1h4kJUI', dominantColour: '#6b8fb3', aspectRatio: 1.3333 },
      },
    },
  },
});
