import { imageHistoryContracts, parseKnownEvent, type EventName } from '@imgpipe/contracts';
import type { NewImageEvent } from '@imgpipe/platform';
import type { AppendAndProject } from './append-and-project.use-case';
import type { ImageMetadataRecord } from './projection';

export interface RecordPipelineEventDeps {
  readonly appendAndProject: AppendAndProject;
}

export interface RecordPipelineEventResult {
  readonly imageId: string;
  readonly eventId: string;
  readonly detailType: EventName;
  /** True when the event was already in the history (a redelivery or replay): nothing changed. */
  readonly duplicate: boolean;
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

    const result = await deps.appendAndProject(envelope.data.imageId, [stored]);
    return {
      imageId: envelope.data.imageId,
      eventId: envelope.eventId,
      detailType: parsed.detailType,
      duplicate: result.duplicates.includes(envelope.eventId),
      record: result.record,
    };
  };
}
