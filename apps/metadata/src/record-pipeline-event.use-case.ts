import { imageHistoryContracts, ImageVariantAddedV1, isOnRun, parseKnownEvent, type EventName } from '@imgpipe/contracts';
import type { NewImageEvent, StoredImageEvent } from '@imgpipe/platform';
import type { AppendAndProject } from './append-and-project.use-case';
import { foldWithAddedVariants, isDeleted, type ImageMetadataRecord, type ProjectionOptions } from './projection';

export interface RecordPipelineEventDeps {
  readonly appendAndProject: AppendAndProject;
  /** The projection's options, to read the history as the read model does. */
  readonly projection?: ProjectionOptions;
  /**
   * Removes a follow-up step's file from the processed bucket: an `ImageVariantAdded` that
   * arrives after a delete, or for a run the record has left, is not recorded and its file
   * is removed (the step checks before publishing, but a delete can land in between).
   */
  readonly removeProcessed?: (key: string) => Promise<void>;
}

export interface RecordPipelineEventResult {
  readonly imageId: string;
  readonly eventId: string;
  readonly detailType: EventName;
  /** True when the event was already in the history (a redelivery or replay): nothing changed. */
  readonly duplicate: boolean;
  /** True for an `ImageVariantAdded` of a deleted image or a run the record left: not recorded, its file removed. */
  readonly discarded?: boolean;
  readonly record: ImageMetadataRecord | undefined;
}

/**
 * The bus consumer (`onPipelineEvent`): takes any imgpipe event as EventBridge delivers
 * it (in practice `ImageUploaded`, and ingest's `ImageProcessingFailed` and `ImageDeleted`),
 * checks it against its contract (source, detail-type, version, detail) and appends it to
 * the image's history, idempotent by `eventId`: a redelivered or replayed event is stored
 * once and changes nothing.
 *
 * The stored `detail` is the one received, not the parsed copy, so fields a newer producer
 * added stay in the history (the tolerant reader drops them only when projecting).
 *
 * @throws {ContractError} for an event no contract accepts (never retried: send it to the DLQ).
 */
export function createRecordPipelineEvent(
  deps: RecordPipelineEventDeps,
): (event: unknown) => Promise<RecordPipelineEventResult> {
  return async function recordPipelineEvent(event) {
    const parsed = parseKnownEvent(imageHistoryContracts, event);
    const received = (typeof event === 'string' ? JSON.parse(event) : event) as { detail: Record<string, unknown> };
    const { envelope } = parsed;
    const stored: NewImageEvent = {
      eventId: envelope.eventId,
      source: parsed.source,
      detailType: parsed.detailType,
      occurredAt: envelope.occurredAt,
      detail: received.detail,
    };

    let discarded = false;
    const added = parsed.detailType === ImageVariantAddedV1.detailType ? (envelope.data as { version: string; variant: { key: string } }) : undefined;
    const result = await deps.appendAndProject(envelope.data.imageId, (history: readonly StoredImageEvent[]) => {
      if (!added || history.some((e) => e.eventId === envelope.eventId)) return [stored];
      // A follow-up variant belongs to the run the record is on, and never to a deleted image.
      // With no delivery record yet (a replay into lost tables, out of order) it is kept.
      const state = foldWithAddedVariants(history, deps.projection);
      discarded = isDeleted(state) || (state?.delivery !== undefined && !isOnRun(state, added.version));
      return discarded ? [] : [stored];
    });
    if (discarded && added) await deps.removeProcessed?.(added.variant.key);
    return {
      imageId: envelope.data.imageId,
      eventId: envelope.eventId,
      detailType: parsed.detailType,
      duplicate: result.duplicates.includes(envelope.eventId),
      ...(discarded ? { discarded } : {}),
      record: result.record,
    };
  };
}
