import type { ImageUploadedData } from '@imgpipe/contracts';
import type { EventPublisher, NewImageEvent, PublishEntry, StoredImageEvent } from '@imgpipe/platform';
import type { AppendAndProject, AppendAndProjectResult } from './append-and-project.use-case';
import { MetadataError } from './errors';
import { foldHistory, isDeleted, type ProjectionOptions } from './projection';
import { withRecordedUpload } from './recorded-upload';
import type { RunKey } from './stored-events';

/** A run of the pipeline on one upload, as event ids are derived from it (no outputs version yet). */
export type RunIdentity = Omit<RunKey, 'outputsVersion'>;

export interface RunEventDeps {
  readonly appendAndProject: AppendAndProject;
  /** The projection's options (the undo window of v1 deletes), to read the history as the read model does. */
  readonly projection?: ProjectionOptions;
}

export interface RunEventInput {
  readonly uploaded: ImageUploadedData;
  readonly correlationId: string;
  /** The rendition set version the run's ids carry. */
  readonly renditionsVersion: string;
  /**
   * The event of this run, given the run and the history: its id, and the event to append
   * (absent when it is already recorded, under this id or an older one).
   */
  readonly build: (run: RunIdentity, history: readonly StoredImageEvent[]) => { readonly eventId: string; readonly event?: NewImageEvent };
}

export type RunEventOutcome =
  | { readonly discarded: true; readonly result: AppendAndProjectResult }
  | { readonly discarded: false; readonly eventId: string; readonly result: AppendAndProjectResult };

/**
 * Appends one event of the image's current run to its history, the shared step of the tasks
 * that record a run's event as it happens (`RecordThumbnails`, `RecordFailure`): nothing for
 * an image deleted and not restored since (the run is discarded), the upload recorded first
 * when the bus has not delivered it yet (`withRecordedUpload`), ids from the run's
 * generation, so a run after a restore gets ids of its own. Idempotent by the event's id.
 */
export async function appendRunEvent(deps: RunEventDeps, input: RunEventInput): Promise<RunEventOutcome> {
  const decided = { discarded: false, eventId: '' };
  const result = await deps.appendAndProject(input.uploaded.imageId, (history) => {
    const state = foldHistory(history, deps.projection);
    decided.discarded = isDeleted(state);
    if (decided.discarded) return [];
    const run: RunIdentity = {
      imageId: input.uploaded.imageId,
      contentHash: input.uploaded.original.contentHash,
      renditionsVersion: input.renditionsVersion,
      generation: state?.generation ?? 0,
    };
    const { eventId, event } = input.build(run, history);
    decided.eventId = eventId;
    return event ? withRecordedUpload(history, input.uploaded, input.correlationId, [event], run.generation) : [];
  });
  return decided.discarded ? { discarded: true, result } : { discarded: false, eventId: decided.eventId, result };
}

/**
 * Puts a recorded event on the bus (on a retry too: the attempt that appended it may have
 * failed before publishing).
 *
 * @throws {MetadataError} `PublishFailed` when the bus refused it: the event stays recorded.
 */
export async function publishRecorded(publisher: EventPublisher, entry: PublishEntry & { readonly detail: { readonly eventId: string } }, imageId: string): Promise<void> {
  const refused = (await publisher.publish([entry])).failed[0];
  if (refused) {
    throw new MetadataError({
      code: 'PublishFailed',
      message: `image ${imageId}: the bus refused ${entry.detailType} ${entry.detail.eventId}: ${refused.errorCode} ${refused.errorMessage}`,
    });
  }
}
