import { z } from 'zod';
import {
  CorrelationId,
  FailureStageSchema,
  ImageCompressedDataSchema,
  ImageProcessedV1,
  ImageUploadedDataSchema,
  ImageUploadedV1,
  ThumbnailsGeneratedDataSchema,
  type EnvelopeOf,
  type EventBridgeEventShape,
} from '@imgpipe/contracts';

/*
 * What `pipeline.asl.json` hands each Task state and expects back: the seam between the
 * state machine and the services. The services parse their input with their own schemas
 * (apps/metadata `RecordMetadataInputSchema`, `RecordFailureInputSchema`); these describe
 * what the definition produces, and the workflow tests hold the definition to them.
 */

/**
 * The state machine's input: the `ImageUploaded` event as the `image-uploaded-to-pipeline`
 * rule delivers it (the whole EventBridge event; the definition reads `detail.data` and
 * `detail.correlationId`).
 */
export type PipelineInput = EventBridgeEventShape<'ImageUploaded', EnvelopeOf<typeof ImageUploadedV1>>;

/** Input of `Compress` and `Thumbnail`: the `ImageUploaded` data. */
export const ProcessTaskInputSchema = ImageUploadedDataSchema;

/**
 * Input of `RecordMetadata`: the `ImageUploaded` data, the Parallel state's results in branch
 * order (`[ImageCompressed data, ThumbnailsGenerated data]`) and the run's correlation id.
 */
export const RecordMetadataTaskInputSchema = z.object({
  uploaded: ImageUploadedDataSchema,
  results: z.tuple([ImageCompressedDataSchema, ThumbnailsGeneratedDataSchema]),
  correlationId: CorrelationId,
});
export type RecordMetadataTaskInput = z.infer<typeof RecordMetadataTaskInputSchema>;

/**
 * Output of `RecordMetadata`, read by `PublishProcessed`: the recorded `ImageProcessed` as a
 * `PutEvents` entry wants it. It is also the execution's output on success.
 */
export const RecordMetadataTaskOutputSchema = z.object({
  source: z.literal(ImageProcessedV1.source),
  detailType: z.literal(ImageProcessedV1.detailType),
  detail: ImageProcessedV1.detail,
});
export type RecordMetadataTaskOutput = z.infer<typeof RecordMetadataTaskOutputSchema>;

/** What a Catch delivers: the error's name and, as JSON text for a Lambda task, its cause. */
export const CaughtErrorSchema = z.object({ Error: z.string().min(1), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof CaughtErrorSchema>;

/**
 * Input of `RecordFailure`: the `ImageUploaded` data, the caught error, the stage the
 * definition attributes it to (`compress` for the Parallel state, which cannot tell its
 * branches apart; `record`; `notify` for publishing) and the correlation id.
 */
export const RecordFailureTaskInputSchema = z.object({
  uploaded: ImageUploadedDataSchema,
  error: CaughtErrorSchema,
  stage: FailureStageSchema,
  correlationId: CorrelationId,
});
export type RecordFailureTaskInput = z.infer<typeof RecordFailureTaskInputSchema>;

/**
 * The other output of `RecordMetadata`: the owner deleted the image while it was processing,
 * so nothing was recorded (apps/metadata `DiscardedRun`). The `DeletedMeanwhile` Choice sends
 * it to `RunDiscarded` (Succeed, this as the execution's output) instead of `PublishProcessed`.
 */
export const DiscardedRunTaskOutputSchema = z.object({ discarded: z.literal(true), reason: z.literal('ImageDeleted') });
export type DiscardedRunTaskOutput = z.infer<typeof DiscardedRunTaskOutputSchema>;

