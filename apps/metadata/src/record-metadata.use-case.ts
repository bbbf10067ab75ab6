import { z } from 'zod';
import {
  CorrelationId,
  createEnvelope,
  ImageCompressedDataSchema,
  ImageCompressedV1,
  ImageProcessedV1,
  ImageUploadedDataSchema,
  LIMITS,
  ThumbnailsGeneratedDataSchema,
  ThumbnailsGeneratedV1,
  type EnvelopeOf,
  type ImageProcessedData,
} from '@imgpipe/contracts';
import type { Clock, NewImageEvent } from '@imgpipe/platform';
import type { AppendAndProject } from './append-and-project.use-case';
import { parseStoredEvent, type ImageMetadataRecord } from './projection';
import { withRecordedUpload } from './recorded-upload';
import { runEventId, toNewImageEvent, type RunKey } from './stored-events';

/**
 * Input of the state machine task `RecordMetadata` (the `record` task): the `ImageUploaded`
 * data the execution started with, and the Parallel state's output — its branches in
 * order, `[Compress, Thumbnail]`, i.e. `[ImageCompressed data, ThumbnailsGenerated data]`.
 * `correlationId` is the `ImageUploaded` envelope's, when the state machine carries it;
 * without it the image id correlates the run.
 *
 * ```json
 * { "uploaded": { ...ImageUploaded data },
 *   "results": [ { ...ImageCompressed data }, { ...ThumbnailsGenerated data } ],
 *   "correlationId": "optional" }
 * ```
 * In ASL: the Parallel state with `"ResultPath": "$.results"` over an input of
 * `{ "uploaded": ..., "correlationId": ... }`.
 */
export const RecordMetadataInputSchema = z
  .object({
    uploaded: ImageUploadedDataSchema,
    results: z.tuple([ImageCompressedDataSchema, ThumbnailsGeneratedDataSchema]),
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
export type RecordMetadataInput = z.infer<typeof RecordMetadataInputSchema>;

/**
 * Output of `RecordMetadata`, for the next state `PublishProcessed`: the recorded
 * `ImageProcessed` event as a `PutEvents` entry wants it (`Source`, `DetailType`, and the
 * envelope as `Detail`). A retried task returns the same event (the one first recorded).
 */
export interface RecordMetadataOutput {
  readonly source: typeof ImageProcessedV1.source;
  readonly detailType: typeof ImageProcessedV1.detailType;
  readonly detail: EnvelopeOf<typeof ImageProcessedV1>;
}

export interface RecordMetadataDeps {
  readonly appendAndProject: AppendAndProject;
  readonly clock: Clock;
}

export interface RecordMetadataResult extends RecordMetadataOutput {
  readonly record: ImageMetadataRecord | undefined;
  /** Whether this call stored the `ImageProcessed` event (false on a retry). */
  readonly recorded: boolean;
}

/**
 * The `record` task: appends `ImageCompressed`, `ThumbnailsGenerated` and `ImageProcessed`
 * to the image's history and projects it. Their ids derive from the image id, the stage,
 * the content hash and the rendition set version, so a retried task appends nothing new
 * and returns the `ImageProcessed` first recorded.
 *
 * When the history has no `ImageUploaded` for this upload yet (the bus delivery to
 * `onPipelineEvent` has not arrived), one is recorded from the task's input first (see
 * `withRecordedUpload`).
 */
export function createRecordMetadata(deps: RecordMetadataDeps): (input: RecordMetadataInput) => Promise<RecordMetadataResult> {
  return async function recordMetadata(input) {
    const { uploaded } = input;
    const [compressed, thumbnails] = input.results;
    const run: RunKey = {
      imageId: uploaded.imageId,
      contentHash: uploaded.original.contentHash,
      renditionsVersion: thumbnails.renditionsVersion,
    };
    const correlationId = input.correlationId ?? uploaded.imageId;
    const now = deps.clock.now();
    const occurredAt = now.toISOString();
    const processedId = runEventId(run, 'processed');

    const processed: ImageProcessedData = {
      imageId: uploaded.imageId,
      userId: uploaded.userId,
      originalKey: uploaded.original.key,
      compressedKey: compressed.compressedKey,
      thumbnails: Object.fromEntries(thumbnails.renditions.map((r) => [r.name, r.key])),
      originalSize: compressed.originalSize,
      compressedSize: compressed.compressedSize,
      savingsPercent: compressed.savingsPercent,
      processingTimeMs: elapsedMs(uploaded.uploadedAt, now),
      width: compressed.width,
      height: compressed.height,
      format: uploaded.format,
      renditionsVersion: thumbnails.renditionsVersion,
    };
    const runEvents: NewImageEvent[] = [
      toNewImageEvent(
        ImageCompressedV1,
        createEnvelope(ImageCompressedV1, compressed, { eventId: runEventId(run, 'compressed'), correlationId, occurredAt }),
      ),
      toNewImageEvent(
        ThumbnailsGeneratedV1,
        createEnvelope(ThumbnailsGeneratedV1, thumbnails, {
          eventId: runEventId(run, 'thumbnails'),
          correlationId,
          occurredAt,
        }),
      ),
      toNewImageEvent(
        ImageProcessedV1,
        createEnvelope(ImageProcessedV1, processed, { eventId: processedId, correlationId, occurredAt }),
      ),
    ];

    const result = await deps.appendAndProject(uploaded.imageId, (history) =>
      withRecordedUpload(history, uploaded, correlationId, runEvents),
    );

    const stored = result.history.find((event) => event.eventId === processedId);
    const event = stored ? parseStoredEvent(stored) : undefined;
    if (event?.detailType !== 'ImageProcessed') {
      throw new Error(`image ${uploaded.imageId}: ImageProcessed ${processedId} is not in the history after the append`);
    }
    return {
      source: ImageProcessedV1.source,
      detailType: ImageProcessedV1.detailType,
      detail: event.envelope,
      record: result.record,
      recorded: result.appended.some((e) => e.eventId === processedId),
    };
  };
}

/** Upload to now in whole milliseconds, within what the contract accepts. */
function elapsedMs(uploadedAt: string, now: Date): number {
  const elapsed = Math.round(now.getTime() - Date.parse(uploadedAt));
  return Math.min(Math.max(elapsed, 0), LIMITS.processingMs);
}
