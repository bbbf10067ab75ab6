import { z } from 'zod';
import { defineContract } from '../contract';
import { ErrorName, ImageId, ObjectKey, Reason, UserId } from '../fields';
import { INVALID_IMAGE_CODES } from '../vocabulary';

/** Where in the flow the failure happened. */
export const FAILURE_STAGES = ['ingest', 'compress', 'thumbnail', 'record', 'notify'] as const;
export const FailureStageSchema = z.enum(FAILURE_STAGES);
export type FailureStage = z.infer<typeof FailureStageSchema>;

/**
 * Every failure code: an `InvalidImage` code, `INVALID_EVENT` (a task's input did not match
 * its contract), `TRANSIENT_EXHAUSTED` (retries ran out on a transient error), `TIMED_OUT` (a
 * step outlived its `TimeoutSeconds`; timeouts are never retried) or `INTERNAL`
 * (anything unclassified).
 */
export const FAILURE_CODES = [...INVALID_IMAGE_CODES, 'INVALID_EVENT', 'TRANSIENT_EXHAUSTED', 'TIMED_OUT', 'INTERNAL'] as const;
export const FailureCodeSchema = z.enum(FAILURE_CODES);
export type FailureCode = z.infer<typeof FailureCodeSchema>;

const invalidImageCodes: ReadonlySet<string> = new Set(INVALID_IMAGE_CODES);

/** `detail.data` of `ImageProcessingFailed` v1. An `InvalidImage` code is never retryable. */
export const ImageProcessingFailedDataSchema = z
  .object({
    imageId: ImageId,
    userId: UserId,
    originalKey: ObjectKey,
    stage: FailureStageSchema,
    code: FailureCodeSchema,
    /** The error's name, e.g. `InvalidImage` or `States.Timeout`. */
    errorName: ErrorName,
    reason: Reason,
    /** Whether a redrive could succeed (bad input stays bad). */
    retryable: z.boolean(),
  })
  .refine((data) => !(invalidImageCodes.has(data.code) && data.retryable), {
    path: ['retryable'],
    message: 'must be false for an InvalidImage code',
  });
export type ImageProcessingFailedData = z.infer<typeof ImageProcessingFailedDataSchema>;

/**
 * An image failed: ingest rejected the upload (source `imgpipe.ingest`, stage `ingest`)
 * or the pipeline gave up (source `imgpipe.metadata`, which records the failure).
 */
export const ImageProcessingFailedV1 = defineContract({
  sources: ['imgpipe.metadata', 'imgpipe.ingest'],
  detailType: 'ImageProcessingFailed',
  version: 1,
  description: 'Ingest rejected an upload, or the pipeline gave up on an image.',
  data: ImageProcessingFailedDataSchema,
  examples: {
    minimal: {
      imageId: 'img_min',
      userId: 'user-1',
      originalKey: 'uploads/user-1/img_min/a.png',
      stage: 'ingest',
      code: 'EMPTY',
      errorName: 'InvalidImage',
      reason: 'The file is empty.',
      retryable: false,
    },
    full: {
      imageId: '01J9ZQ4V7W3M8K2N6P5R1T0XYZ',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      originalKey: 'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ4V7W3M8K2N6P5R1T0XYZ/holiday-photo.jpg',
      stage: 'compress',
      code: 'TRANSIENT_EXHAUSTED',
      errorName: 'States.Timeout',
      reason: 'Compression did not finish within 60 seconds after 3 attempts.',
      retryable: true,
    },
    'too-many-pixels': {
      imageId: '01J9ZQ5A1B2C3D4E5F6G7H8J9K',
      userId: '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b',
      originalKey: 'uploads/3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b/01J9ZQ5A1B2C3D4E5F6G7H8J9K/huge.png',
      stage: 'ingest',
      code: 'TOO_MANY_PIXELS',
      errorName: 'InvalidImage',
      reason: 'The image is 100000 x 100000 pixels; at most 100000000 pixels are accepted.',
      retryable: false,
    },
  },
});
