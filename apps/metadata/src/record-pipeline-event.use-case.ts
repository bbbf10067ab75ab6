import {
  imageHistoryContracts,
  ImageProcessedV2,
  ImageVariantAddedV1,
  isOnRun,
  parseKnownEvent,
  ThumbnailsGeneratedV3,
  type EventName,
} from '@imgpipe/contracts';
import type { ImageEventStore, NewImageEvent, StoredImageEvent } from '@imgpipe/platform';
import type { AppendAndProject } from './append-and-project.use-case';
import { foldWithAddedVariants, isDeleted, type ImageMetadataRecord, type ProjectionOptions } from './projection';

/**
 * Events the pipeline records (history and read model) before it puts them on the bus: the
 * thumbnail branch's `ThumbnailsGenerated` (`RecordThumbnails` publishes it once recorded and
 * projected) and `ImageProcessed` (`PublishProcessed`, after `RecordMetadata` recorded and
 * projected it). The bus consumer only finds them already recorded, unless replayed (a replay
 * may be rebuilding what was lost). The local runtime's live updates follow the same rule.
 */
export const RECORDED_BEFORE_PUBLISHED: ReadonlySet<EventName> = new Set<EventName>([ThumbnailsGeneratedV3.detailType, ImageProcessedV2.detailType]);

/**
 * Whether a bus delivery is one of {@link RECORDED_BEFORE_PUBLISHED} as its publisher put it
 * on the bus: not replayed (EventBridge marks a replay's events with `replay-name`).
 */
export function isRecordedBeforePublished(detailType: string, event: unknown): boolean {
  const replayed = typeof event === 'object' && event !== null && (event as { 'replay-name'?: unknown })['replay-name'] !== undefined;
  return !replayed && RECORDED_BEFORE_PUBLISHED.has(detailType as EventName);
}

export interface RecordPipelineEventDeps {
  readonly appendAndProject: AppendAndProject;
  /** The history, read alone for an event its publisher recorded before publishing it. */
  readonly events: Pick<ImageEventStore, 'load'>;
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
  /**
   * The record as projected; `undefined` for an event recognised as recorded by its publisher
   * (see {@link RECORDED_BEFORE_PUBLISHED}), which reads no record.
   */
  readonly record: ImageMetadataRecord | undefined;
  /**
   * The record's revision afterwards: the projected record's, or, for an event recognised as
   * recorded by its publisher, the history's length (the publisher projected it before publishing).
   */
  readonly revision: number;
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

    // The common redelivery (issue 13, early thumbnails): `RecordThumbnails` or `PublishProcessed`
    // put on the bus an event already recorded and projected, so the bus delivery is a duplicate.
    // The history alone says so: no record read, no fold (the record was projected by the
    // publisher, whose own retries bring it up to date if its put failed). Anything else (not
    // in the history, a replay) takes the full path below.
    if (isRecordedBeforePublished(parsed.detailType, received)) {
      const history = await deps.events.load(envelope.data.imageId);
      if (history.some((e) => e.eventId === envelope.eventId)) {
        return {
          imageId: envelope.data.imageId,
          eventId: envelope.eventId,
          detailType: parsed.detailType,
          duplicate: true,
          record: undefined,
          revision: history.length,
        };
      }
    }

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
      revision: result.record?.revision ?? 0,
    };
  };
}
