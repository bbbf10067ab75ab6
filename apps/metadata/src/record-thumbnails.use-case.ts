import {
  createEnvelope,
  ImageRestoredV1,
  ThumbnailsGeneratedV3,
  type EnvelopeOf,
  type ThumbnailsGeneratedV3Data,
} from '@imgpipe/contracts';
import type { Clock, EventPublisher, NewImageEvent, StoredImageEvent } from '@imgpipe/platform';
import type { RecordThumbnailsTaskInput } from '@imgpipe/workflow/task-io';
import type { AppendAndProject } from './append-and-project.use-case';
import { parseStoredEvent, type ImageMetadataRecord, type ProjectionOptions } from './projection';
import { appendRunEvent, publishRecorded } from './run-event';
import { runEventId, toNewImageEvent, type RunKey } from './stored-events';

/** The recorded `ThumbnailsGenerated` as a bus entry (`PutEvents` parts), as it was published. */
export interface RecordedThumbnails {
  readonly source: typeof ThumbnailsGeneratedV3.source;
  readonly detailType: typeof ThumbnailsGeneratedV3.detailType;
  readonly detail: EnvelopeOf<typeof ThumbnailsGeneratedV3>;
}

export interface RecordThumbnailsDeps {
  readonly appendAndProject: AppendAndProject;
  readonly clock: Clock;
  /** Where the recorded event goes, so the live update (local stream, AppSync) tells the owner at once. */
  readonly publisher: EventPublisher;
  /** The projection's options (the undo window of v1 deletes), to read the history as the read model does. */
  readonly projection?: ProjectionOptions;
}

export interface RecordThumbnailsResult {
  /** Whether this call stored the event (false on a retry, a replay, after a delete). */
  readonly recorded: boolean;
  /** The image was deleted (and not restored) meanwhile: nothing recorded or published. */
  readonly discarded: boolean;
  /** The event put on the bus; absent when discarded or already recorded by an earlier run's id. */
  readonly published?: RecordedThumbnails;
  readonly record: ImageMetadataRecord | undefined;
}

/**
 * The id of a run's `ThumbnailsGenerated`: the run's key with the thumbnail output's own
 * version, never compress's, so the thumbnail branch (`RecordThumbnails`) and `RecordMetadata`
 * after the Parallel state derive the same id and the event store keeps one.
 */
export function thumbnailsEventId(run: Omit<RunKey, 'outputsVersion'>, thumbnails: Pick<ThumbnailsGeneratedV3Data, 'version'>): string {
  return runEventId({ ...run, outputsVersion: thumbnails.version }, 'thumbnails');
}

/**
 * Whether the history already holds this run's thumbnails: a `ThumbnailsGenerated` since the
 * last restore with the same rendition set and output version (the same bytes under the same
 * keys), whatever its id. Besides the id match, this covers one recorded before issue 13, whose
 * id also named compress's version, so a replay of such a run appends no second copy.
 */
export function thumbnailsRecorded(history: readonly StoredImageEvent[], thumbnails: ThumbnailsGeneratedV3Data): boolean {
  const ordered = [...history].sort((a, b) => a.sequence - b.sequence);
  const lastRestore = ordered.map((e) => e.detailType).lastIndexOf(ImageRestoredV1.detailType);
  return ordered.slice(lastRestore + 1).some((stored) => {
    if (stored.detailType !== ThumbnailsGeneratedV3.detailType) return false;
    const { data } = parseStoredEvent(stored).envelope as { data: Partial<ThumbnailsGeneratedV3Data> };
    return data.version === thumbnails.version && data.renditionsVersion === thumbnails.renditionsVersion;
  });
}

/** A run's `ThumbnailsGenerated` v2, as both record tasks append it. */
export function thumbnailsEvent(
  run: Omit<RunKey, 'outputsVersion'>,
  thumbnails: ThumbnailsGeneratedV3Data,
  meta: { readonly correlationId: string; readonly occurredAt: string },
): NewImageEvent {
  return toNewImageEvent(
    ThumbnailsGeneratedV3,
    createEnvelope(ThumbnailsGeneratedV3, thumbnails, { eventId: thumbnailsEventId(run, thumbnails), ...meta }),
  );
}

/**
 * The `RecordThumbnails` task (issue 13, "the first thing a user sees, early"): appends the
 * thumbnail branch's `ThumbnailsGenerated` to the image's history as soon as the branch's
 * task ends, projects it (the record, still `processing`, gets `thumbnails` and `placeholder`)
 * and puts the event on the bus, whose metadata rule is what the live update follows; the
 * bus delivery to `onPipelineEvent` is a duplicate by id and changes nothing.
 *
 * Idempotent by event id ({@link thumbnailsEventId}): a retry appends nothing new, and
 * `RecordMetadata` after the Parallel state finds the event and does not append it again
 * ({@link thumbnailsRecorded}). A deleted image (not restored since) is left alone: nothing is
 * appended or published (`RecordMetadata` then discards the run and removes its files).
 * The upload itself is recorded first when the bus delivery has not arrived yet (`withRecordedUpload`).
 *
 * @throws {MetadataError} `PublishFailed` when the bus refused the event (it is recorded; the
 *   UI learns of it with the next change).
 */
export function createRecordThumbnails(deps: RecordThumbnailsDeps): (input: RecordThumbnailsTaskInput) => Promise<RecordThumbnailsResult> {
  return async function recordThumbnails(input) {
    const { uploaded, thumbnails } = input;
    const correlationId = input.correlationId ?? uploaded.imageId;
    const occurredAt = deps.clock.now().toISOString();
    const outcome = await appendRunEvent(deps, {
      uploaded,
      correlationId,
      renditionsVersion: thumbnails.renditionsVersion,
      build: (run, history) => {
        const eventId = thumbnailsEventId(run, thumbnails);
        const recorded = history.some((e) => e.eventId === eventId) || thumbnailsRecorded(history, thumbnails);
        return recorded ? { eventId } : { eventId, event: thumbnailsEvent(run, thumbnails, { correlationId, occurredAt }) };
      },
    });
    const { result } = outcome;
    if (outcome.discarded) return { recorded: false, discarded: true, record: result.record };

    const recorded = result.appended.some((e) => e.eventId === outcome.eventId);
    const stored = result.history.find((e) => e.eventId === outcome.eventId);
    // Recorded under an id of before issue 13 (a replay of an older run): nothing new to tell.
    if (!stored) return { recorded, discarded: false, record: result.record };
    const published: RecordedThumbnails = {
      source: ThumbnailsGeneratedV3.source,
      detailType: ThumbnailsGeneratedV3.detailType,
      detail: parseStoredEvent(stored).envelope as EnvelopeOf<typeof ThumbnailsGeneratedV3>,
    };
    await publishRecorded(deps.publisher, published, uploaded.imageId);
    return { recorded, discarded: false, published, record: result.record };
  };
}
