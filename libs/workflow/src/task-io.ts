import { z } from 'zod';
import {
  CorrelationId,
  FailureStageSchema,
  ImageCompressedV2DataSchema,
  ImageProcessedV2,
  ImageUploadedDataSchema,
  ImageUploadedV1,
  ThumbnailsGeneratedV2DataSchema,
  type EnvelopeOf,
  type EventBridgeEventShape,
} from '@imgpipe/contracts';

/*
 * What `pipeline.asl.json` hands each Task state and expects back: the seam between the
 * state machine and the services, declared once. The services parse their input with these
 * (compress and thumbnail `ProcessTaskInputSchema`, metadata `RecordMetadataTaskInputSchema`
 * and `RecordFailureTaskInputSchema`), and the workflow tests hold the definition to them.
 * A run's `correlationId` is optional for a caller outside the state machine (a test, a
 * re-drive); the definition always passes it, and the image id stands in without it.
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
 * order (`[ImageCompressed v2 data, ThumbnailsGenerated v2 data]`) and the run's correlation id.
 * Both results must be about the uploaded image and its owner, and compress's about its original.
 *
 * ```json
 * { "uploaded": { ...ImageUploaded data },
 *   "results": [ { ...ImageCompressed data }, { ...ThumbnailsGenerated data } ],
 *   "correlationId": "..." }
 * ```
 */
export const RecordMetadataTaskInputSchema = z
  .object({
    uploaded: ImageUploadedDataSchema,
    results: z.tuple([ImageCompressedV2DataSchema, ThumbnailsGeneratedV2DataSchema]),
    correlationId: CorrelationId.optional(),
  })
  .superRefine(({ uploaded, results: [compressed, thumbnails] }, ctx) => {
    for (const [index, result] of [compressed, thumbnails].entries()) {
      if (result.imageId !== uploaded.imageId) {
        ctx.addIssue({ code: 'custom', path: ['results', index, 'imageId'], message: 'must be the uploaded image id' });
      }
      if (result.userId !== uploaded.userId) {
        ctx.addIssue({ code: 'custom', path: ['results', index, 'userId'], message: 'must be the uploaded image owner' });
      }
    }
    if (compressed.originalKey !== uploaded.original.key) {
      ctx.addIssue({ code: 'custom', path: ['results', 0, 'originalKey'], message: 'must be the uploaded original key' });
    }
  });
export type RecordMetadataTaskInput = z.infer<typeof RecordMetadataTaskInputSchema>;

/**
 * Output of `RecordMetadata`, read by `PublishProcessed`: the recorded `ImageProcessed` as a
 * `PutEvents` entry wants it. It is also the execution's output on success.
 */
export const RecordMetadataTaskOutputSchema = z.object({
  source: z.literal(ImageProcessedV2.source),
  detailType: z.literal(ImageProcessedV2.detailType),
  detail: ImageProcessedV2.detail,
});
export type RecordMetadataTaskOutput = z.infer<typeof RecordMetadataTaskOutputSchema>;

/**
 * What a Catch delivers (`"ResultPath": "$.error"`): the error's name and, for a Lambda task,
 * its cause as JSON text (`{"errorType","errorMessage",...}`; the local interpreter hands the
 * message itself). A failed task's message is `{ code, reason, stage }` (`TaskError`,
 * `withTaskStage` in @imgpipe/platform), read back by `parseTaskFailure`.
 */
export const CaughtErrorSchema = z.object({
  Error: z.string().min(1).max(1024),
  /** Step Functions payloads are at most 256 KiB. */
  Cause: z.string().max(262_144).optional(),
});
export type CaughtError = z.infer<typeof CaughtErrorSchema>;

/**
 * Input of `RecordFailure`: the `ImageUploaded` data, the caught error, the stage the
 * definition attributes it to and the correlation id. The definition's stage is a fallback:
 * the stage the failed task wrote into its error's cause wins, and that is how a failure in
 * the Parallel state names its branch (`compress` or `thumbnail`) on both runtimes. The
 * definition's own `compress` for `ProcessImage` stands only where no task wrote a cause
 * (a `States.Timeout`); `record` and `notify` for the later states.
 *
 * ```json
 * { "uploaded": { ...ImageUploaded data },
 *   "error": { "Error": "InvalidImage", "Cause": "{\"errorType\":\"InvalidImage\",\"errorMessage\":\"{\\\"code\\\":...}\"}" },
 *   "stage": "compress", "correlationId": "..." }
 * ```
 */
export const RecordFailureTaskInputSchema = z.object({
  uploaded: ImageUploadedDataSchema,
  error: CaughtErrorSchema,
  stage: FailureStageSchema.optional(),
  correlationId: CorrelationId.optional(),
});
export type RecordFailureTaskInput = z.infer<typeof RecordFailureTaskInputSchema>;

/**
 * The other output of `RecordMetadata`: the owner deleted the image while it was processing,
 * so nothing was recorded (apps/metadata `DiscardedRun`). The `DeletedMeanwhile` Choice sends
 * it to `RunDiscarded` (Succeed, this as the execution's output) instead of `PublishProcessed`.
 */
export const DiscardedRunTaskOutputSchema = z.object({ discarded: z.literal(true), reason: z.literal('ImageDeleted') });
export type DiscardedRunTaskOutput = z.infer<typeof DiscardedRunTaskOutputSchema>;

