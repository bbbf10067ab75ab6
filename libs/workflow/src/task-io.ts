import { z } from 'zod';
import {
  CorrelationId,
  FailureStageSchema,
  ImageCompressedV2DataSchema,
  ImageProcessedV2,
  ImageUploadedDataSchema,
  ImageUploadedV1,
  ThumbnailsGeneratedV3DataSchema,
  type EnvelopeOf,
  type EventBridgeEventShape,
} from '@imgpipe/contracts';

/*
 * What `pipeline.asl.json` hands each Task state and expects back: the seam between the
 * state machine and the services, declared once. The services parse their input with these
 * (compress and thumbnail `ProcessTaskInputSchema`, metadata `RecordMetadataTaskInputSchema`
 * and `RecordFailureTaskInputSchema`), and the workflow tests hold the definition to them
 * (`BranchFailureSchema` is what a failed branch of the Parallel state ends with).
 * A run's `correlationId` is optional for a caller outside the state machine (a test, a
 * re-drive); the definition always passes it, and the image id stands in without it.
 */

/**
 * The state machine's input: the `ImageUploaded` event as the `image-uploaded-to-pipeline`
 * rule delivers it (the whole EventBridge event; the definition reads `detail.data` and
 * `detail.correlationId`).
 */
export type PipelineInput = EventBridgeEventShape<'ImageUploaded', EnvelopeOf<typeof ImageUploadedV1>>;

/**
 * Input of `Compress` and `Thumbnail` (the `ProcessImage` Parallel state's `Parameters`): the
 * `ImageUploaded` data and the run's correlation id, which the task puts on every log line.
 *
 * ```json
 * { "uploaded": { ...ImageUploaded data }, "correlationId": "..." }
 * ```
 */
export const ProcessTaskInputSchema = z.object({
  uploaded: ImageUploadedDataSchema,
  correlationId: CorrelationId.optional(),
});
export type ProcessTaskInput = z.infer<typeof ProcessTaskInputSchema>;

/**
 * Input of `RecordMetadata`: the `ImageUploaded` data, the Parallel state's results in branch
 * order (`[ImageCompressed v2 data, ThumbnailsGenerated v3 data]`) and the run's correlation id.
 * Both results must be about the uploaded image and its owner, and compress's about its original;
 * compress must have read the thumbnails' rendition set (`renditionsVersion`, always given) and its
 * `renditions` (the set's large ones, issue 13) name none of theirs.
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
    results: z.tuple([ImageCompressedV2DataSchema, ThumbnailsGeneratedV3DataSchema]),
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
    // Compress's renditions (issue 13: the set's large ones) complete the thumbnail task's: one set
    // (its version hashes the split too), no name twice. A compress that says no set (a build from
    // before the split, mid-deploy) may have left the large ones to a thumbnail task that no longer
    // makes them: refused rather than recorded without them.
    if (compressed.renditionsVersion !== thumbnails.renditionsVersion) {
      ctx.addIssue({
        code: 'custom',
        path: ['results', 0, 'renditionsVersion'],
        message:
          compressed.renditionsVersion === undefined
            ? 'must be given: the rendition set compress read (a compress from before issue 13 says none)'
            : 'must be the thumbnails\' rendition set version',
      });
    }
    const early = new Set(thumbnails.renditions.map((r) => r.name));
    if ((compressed.renditions ?? []).some((r) => early.has(r.name))) {
      ctx.addIssue({ code: 'custom', path: ['results', 0, 'renditions'], message: 'must not repeat a rendition of the thumbnails' });
    }
  });
export type RecordMetadataTaskInput = z.infer<typeof RecordMetadataTaskInputSchema>;

/**
 * Input of `RecordThumbnails`, the thumbnail branch's second state (issue 13): the
 * `ImageUploaded` data, the `Thumbnail` task's output (`ThumbnailsGenerated` v3 data) and the
 * run's correlation id. metadata records `ThumbnailsGenerated` at once, so the UI shows the
 * renditions and placeholder before the full-size encode ends; `RecordMetadata` later finds it
 * recorded and does not append it again. The thumbnails must be about the uploaded image and owner.
 *
 * ```json
 * { "uploaded": { ...ImageUploaded data }, "thumbnails": { ...ThumbnailsGenerated data }, "correlationId": "..." }
 * ```
 */
export const RecordThumbnailsTaskInputSchema = z
  .object({
    uploaded: ImageUploadedDataSchema,
    thumbnails: ThumbnailsGeneratedV3DataSchema,
    correlationId: CorrelationId.optional(),
  })
  .superRefine(({ uploaded, thumbnails }, ctx) => {
    if (thumbnails.imageId !== uploaded.imageId) {
      ctx.addIssue({ code: 'custom', path: ['thumbnails', 'imageId'], message: 'must be the uploaded image id' });
    }
    if (thumbnails.userId !== uploaded.userId) {
      ctx.addIssue({ code: 'custom', path: ['thumbnails', 'userId'], message: 'must be the uploaded image owner' });
    }
  });
export type RecordThumbnailsTaskInput = z.infer<typeof RecordThumbnailsTaskInputSchema>;

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
 * What a branch of `ProcessImage` ends with when its task failed for good (its Catch, then the
 * `CompressCaught` / `ThumbnailCaught` Pass state): the branch's stage next to the caught
 * error. A branch ends this way instead of failing, so the stage survives every failure, a
 * timeout included (which writes no cause), the same on AWS and on the local interpreter; the
 * `BranchesSucceeded` Choice then hands the first failed branch's `error` and `stage` to
 * `RecordFailure`.
 *
 * ```json
 * { "failed": { "stage": "thumbnail", "error": { "Error": "States.Timeout", "Cause": "..." } } }
 * ```
 */
export const BranchFailureSchema = z.object({
  failed: z.object({ stage: FailureStageSchema, error: CaughtErrorSchema }),
});
export type BranchFailure = z.infer<typeof BranchFailureSchema>;

/**
 * Input of `RecordFailure`: the `ImageUploaded` data, the caught error, the stage the
 * definition attributes it to and the correlation id. A failure in the Parallel state gets
 * its branch's stage from the branch itself ({@link BranchFailureSchema}: `compress` or
 * `thumbnail`, timeouts included); `record` and `notify` come from the later states' Pass
 * states. The stage a failed task wrote into its error's cause, where there is one, agrees
 * and wins.
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

