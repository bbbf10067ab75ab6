import {
  createEnvelope,
  ErrorName,
  FailureCodeSchema,
  FailureStageSchema,
  ImageProcessingFailedV1,
  INVALID_IMAGE_CODES,
  LIMITS,
  type EnvelopeOf,
  type FailureCode,
  type FailureStage,
  type ImageProcessingFailedData,
} from '@imgpipe/contracts';
import { parseTaskFailure, type Clock, type EventPublisher } from '@imgpipe/platform';
import type { RecordFailureTaskInput } from '@imgpipe/workflow/task-io';
import type { AppendAndProject } from './append-and-project.use-case';
import { DISCARDED_BY_DELETE, type DiscardedRun } from './discarded-run';
import { parseStoredEvent, type ImageMetadataRecord, type ProjectionOptions } from './projection';
import { appendRunEvent, publishRecorded } from './run-event';
import { runEventId, toNewImageEvent } from './stored-events';

/**
 * The stage reported when neither the failed task's cause nor the input names one. A Catch
 * on the Parallel state cannot tell which branch threw; the task says so in its cause
 * (`createTaskHandler`'s required `stage`), and only a failure no task wrote (a timeout)
 * falls back to the definition's stage or this one.
 */
export const DEFAULT_FAILURE_STAGE: FailureStage = 'compress';


/** The recorded (and published) `ImageProcessingFailed` event, as a `PutEvents` entry wants it. */
export interface RecordedFailure {
  readonly source: 'imgpipe.metadata';
  readonly detailType: typeof ImageProcessingFailedV1.detailType;
  readonly detail: EnvelopeOf<typeof ImageProcessingFailedV1>;
}

/** Output of `RecordFailure`: the recorded failure, or a {@link DiscardedRun} for an image deleted meanwhile. */
export type RecordFailureOutput = RecordedFailure | DiscardedRun;

export type RecordFailureResult =
  | (RecordedFailure & {
      readonly discarded?: undefined;
      readonly record: ImageMetadataRecord | undefined;
      /** Whether this call stored the event (false on a retry). */
      readonly recorded: boolean;
    })
  | (DiscardedRun & { readonly record: ImageMetadataRecord | undefined; readonly recorded: false });

export interface RecordFailureDeps {
  readonly appendAndProject: AppendAndProject;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** The projection's options (the undo window of v1 deletes), to read the history as the read model does. */
  readonly projection?: ProjectionOptions;
}

const invalidImageCodes: ReadonlySet<string> = new Set(INVALID_IMAGE_CODES);

/**
 * The `recordFailure` task: reads the Catch's `{ Error, Cause }` back into a classified
 * failure (`parseTaskFailure`: an `InvalidImage` keeps its code and reason; anything else is
 * `TRANSIENT_EXHAUSTED` or `INTERNAL`), appends `ImageProcessingFailed` (id derived from
 * image, stage, code, content hash and rendition set, so a retry appends nothing new),
 * projects (recording the upload first when the history lacks it, see `withRecordedUpload`),
 * and publishes the recorded event to the bus (source `imgpipe.metadata`) — the
 * state machine ends in Fail after this task. Publishing again on a retry is harmless:
 * consumers deduplicate on the event id.
 *
 * When the history says the image is deleted (and not restored since), nothing is recorded
 * or published and the task returns {@link DISCARDED_BY_DELETE}: a deleted image's owner is
 * not told its run failed, and the state machine ends the run without failing it.
 *
 * @throws {MetadataError} `PublishFailed` (retryable) when the bus refuses the event.
 */
export function createRecordFailure(deps: RecordFailureDeps): (input: RecordFailureTaskInput) => Promise<RecordFailureResult> {
  return async function recordFailure(input) {
    const { uploaded } = input;
    const { stage: thrownBy, ...failure } = classify(input.error.Error, input.error.Cause);
    // The task that threw knows its stage better than a Catch around a Parallel state.
    const stage = thrownBy ?? input.stage ?? DEFAULT_FAILURE_STAGE;
    const data: ImageProcessingFailedData = {
      imageId: uploaded.imageId,
      userId: uploaded.userId,
      originalKey: uploaded.original.key,
      stage,
      ...failure,
    };
    const correlationId = input.correlationId ?? uploaded.imageId;
    const occurredAt = deps.clock.now().toISOString();
    const outcome = await appendRunEvent(deps, {
      uploaded,
      correlationId,
      renditionsVersion: uploaded.renditionsVersion,
      build: (run) => {
        const eventId = runEventId(run, `failed/${stage}/${failure.code}`);
        const envelope = createEnvelope(ImageProcessingFailedV1, data, { eventId, correlationId, occurredAt });
        return { eventId, event: toNewImageEvent(ImageProcessingFailedV1, envelope, 'imgpipe.metadata') };
      },
    });
    const { result } = outcome;
    if (outcome.discarded) return { ...DISCARDED_BY_DELETE, record: result.record, recorded: false };

    const { eventId } = outcome;
    const stored = result.history.find((event) => event.eventId === eventId);
    const event = stored ? parseStoredEvent(stored) : undefined;
    if (event?.detailType !== 'ImageProcessingFailed') {
      throw new Error(`image ${uploaded.imageId}: ImageProcessingFailed ${eventId} is not in the history after the append`);
    }

    const output: RecordedFailure = {
      source: 'imgpipe.metadata',
      detailType: ImageProcessingFailedV1.detailType,
      detail: event.envelope,
    };
    await publishRecorded(deps.publisher, output, uploaded.imageId);
    return { ...output, record: result.record, recorded: result.appended.some((e) => e.eventId === eventId) };
  };
}

type Classified = Pick<ImageProcessingFailedData, 'code' | 'errorName' | 'reason' | 'retryable'> & {
  readonly stage?: ImageProcessingFailedData['stage'];
};

/** The Catch's error as the contract's fields: a known code, a valid error name, a readable reason. */
function classify(error: string, cause: string | undefined): Classified {
  const failure = parseTaskFailure(error, cause);
  const known = FailureCodeSchema.safeParse(failure.code);
  const code: FailureCode = known.success ? known.data : failure.retryable ? 'TRANSIENT_EXHAUSTED' : 'INTERNAL';
  const errorName = ErrorName.safeParse(failure.errorName).success ? failure.errorName : 'Error';
  const stage = FailureStageSchema.safeParse(failure.stage);
  return {
    code,
    errorName,
    stage: stage.success ? stage.data : undefined,
    reason: readableReason(failure.reason, errorName),
    // Bad input stays bad, whatever the error said.
    retryable: invalidImageCodes.has(code) ? false : failure.retryable,
  };
}

// Control characters other than tab, line feed and carriage return (the contract refuses them).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

function readableReason(reason: string, errorName: string): string {
  const text = reason.replace(CONTROL_CHARS, ' ').trim().slice(0, LIMITS.reasonLength);
  return text || `The pipeline failed with ${errorName} and gave no reason.`;
}
