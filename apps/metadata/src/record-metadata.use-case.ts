import {
  createEnvelope,
  ImageCompressedV1,
  ImageProcessedV1,
  LIMITS,
  ThumbnailsGeneratedV1,
  type EnvelopeOf,
  type ImageProcessedData,
} from '@imgpipe/contracts';
import { derivativePrefixes, type Clock, type NewImageEvent, type ObjectStore } from '@imgpipe/platform';
import type { RecordMetadataTaskInput } from '@imgpipe/workflow/task-io';
import type { AppendAndProject } from './append-and-project.use-case';
import { DISCARDED_BY_DELETE, type DiscardedRun } from './discarded-run';
import { foldHistory, isDeleted, parseStoredEvent, type ImageMetadataRecord, type ProjectionOptions } from './projection';
import { withRecordedUpload } from './recorded-upload';
import { runEventId, toNewImageEvent, type RunKey } from './stored-events';


/**
 * The recorded `ImageProcessed` event as a `PutEvents` entry wants it (`Source`,
 * `DetailType`, and the envelope as `Detail`). A retried task returns the same event (the
 * one first recorded).
 */
export interface RecordedProcessed {
  readonly source: typeof ImageProcessedV1.source;
  readonly detailType: typeof ImageProcessedV1.detailType;
  readonly detail: EnvelopeOf<typeof ImageProcessedV1>;
}

/**
 * Output of `RecordMetadata`, for the next states: the recorded `ImageProcessed` (published
 * by `PublishProcessed`), or a {@link DiscardedRun} when the image was deleted meanwhile (the
 * execution then succeeds without publishing).
 */
export type RecordMetadataOutput = RecordedProcessed | DiscardedRun;

export interface RecordMetadataDeps {
  readonly appendAndProject: AppendAndProject;
  readonly clock: Clock;
  /** Where a discarded run's derivatives are removed from. */
  readonly store: ObjectStore;
  readonly processedBucket: string;
  /** The projection's options (the undo window of v1 deletes), to read the history as the read model does. */
  readonly projection?: ProjectionOptions;
}

export type RecordMetadataResult =
  | (RecordedProcessed & {
      readonly discarded?: undefined;
      readonly record: ImageMetadataRecord | undefined;
      /** Whether this call stored the `ImageProcessed` event (false on a retry). */
      readonly recorded: boolean;
    })
  | (DiscardedRun & {
      readonly record: ImageMetadataRecord | undefined;
      readonly recorded: false;
      /** The derivative keys this call removed from the processed bucket. */
      readonly removedKeys: readonly string[];
    });

/**
 * The `record` task: appends `ImageCompressed`, `ThumbnailsGenerated` and `ImageProcessed`
 * to the image's history and projects it. Their ids derive from the image id, the stage,
 * the content hash and the rendition set version, so a retried task appends nothing new
 * and returns the `ImageProcessed` first recorded.
 *
 * When the history has no `ImageUploaded` for this upload yet (the bus delivery to
 * `onPipelineEvent` has not arrived), one is recorded from the task's input first (see
 * `withRecordedUpload`).
 *
 * When the history says the image is deleted (and not restored since), the run is
 * discarded: nothing is appended or published, the image's derivatives in the processed
 * bucket (what this run wrote, under the image's `compressed/` and `thumbnails/` prefixes)
 * are removed, and the task returns {@link DISCARDED_BY_DELETE}. After a restore, the run's
 * events get ids of the restore's generation, so they are recorded even when the pre-delete
 * run recorded the same original.
 */
export function createRecordMetadata(deps: RecordMetadataDeps): (input: RecordMetadataTaskInput) => Promise<RecordMetadataResult> {
  return async function recordMetadata(input) {
    const { uploaded } = input;
    const [compressed, thumbnails] = input.results;
    const correlationId = input.correlationId ?? uploaded.imageId;
    const now = deps.clock.now();
    const occurredAt = now.toISOString();
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

    // Decided from the history each attempt loads: the append is conditional on it.
    const decided = { discarded: false, processedId: '' };
    const result = await deps.appendAndProject(uploaded.imageId, (history) => {
      const state = foldHistory(history, deps.projection);
      decided.discarded = isDeleted(state);
      if (decided.discarded) return [];
      const run: RunKey = {
        imageId: uploaded.imageId,
        contentHash: uploaded.original.contentHash,
        renditionsVersion: thumbnails.renditionsVersion,
        generation: state?.generation ?? 0,
      };
      decided.processedId = runEventId(run, 'processed');
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
          createEnvelope(ImageProcessedV1, processed, { eventId: decided.processedId, correlationId, occurredAt }),
        ),
      ];
      return withRecordedUpload(history, uploaded, correlationId, runEvents, run.generation);
    });

    if (decided.discarded) {
      const removedKeys: string[] = [];
      for (const prefix of derivativePrefixes(uploaded.userId, uploaded.imageId)) {
        removedKeys.push(...(await deps.store.deletePrefix(deps.processedBucket, prefix)));
      }
      return { ...DISCARDED_BY_DELETE, record: result.record, recorded: false, removedKeys };
    }

    const { processedId } = decided;
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
