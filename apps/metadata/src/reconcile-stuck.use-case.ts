import {
  createEnvelope,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  type EnvelopeOf,
  type ImageProcessingFailedData,
  type ImageUploadedData,
} from '@imgpipe/contracts';
import type { EventPublisher, ImageEventStore, ImageReadModel, NewImageEvent, ObjectStore, StoredImageEvent } from '@imgpipe/platform';
import { EXPRESS_EXECUTION_LIMIT_SECONDS } from '@imgpipe/workflow';
import type { AppendAndProject } from './append-and-project.use-case';
import { MetadataError } from './errors';
import { foldHistory, type ImageMetadata, type ProjectionOptions } from './projection';
import { DEFAULT_FAILURE_STAGE } from './record-failure.use-case';
import { runEventId, toNewImageEvent, type RunKey } from './stored-events';

/**
 * How long an image may stay `processing` (since its last event) before the reconciler acts,
 * by default: 15 minutes. An Express execution cannot run past 300 s
 * (`EXPRESS_EXECUTION_LIMIT_SECONDS`; `pipelineWorstCase` in libs/workflow/src/asl-budget.ts
 * keeps the definition's worst case under it), so three times that leaves room for the bus's
 * delivery retries and metadata's own append before a run still going is taken for lost.
 * `reconcile-stuck.use-case.spec.ts` holds the default above the worst case.
 */
export const DEFAULT_RECONCILE_AFTER_MINUTES = 15;

/**
 * The shortest wait the knob accepts: past the Express limit, so the reconciler never acts on
 * an execution that may still be running.
 */
export const RECONCILE_MIN_AFTER_MINUTES = Math.ceil(EXPRESS_EXECUTION_LIMIT_SECONDS / 60) + 1;

/** How many times the reconciler starts a lost run again before it fails the image, by default. */
export const DEFAULT_RECONCILE_MAX_REDRIVES = 1;

export interface ReconcileStuckOptions {
  /** Minutes since the image's last event after which a `processing` image is stuck. */
  readonly afterMinutes: number;
  /** Re-drives per run (0: fail at once). Bounded: the attempts are counted in the history. */
  readonly maxRedrives: number;
}

export interface ReconcileStuckDeps extends ReconcileStuckOptions {
  readonly events: ImageEventStore;
  readonly readModel: ImageReadModel<ImageMetadata>;
  /** Whether the original is still there (a re-drive of a missing original would only fail later). */
  readonly store: Pick<ObjectStore, 'head'>;
  readonly publisher: EventPublisher;
  readonly appendAndProject: AppendAndProject;
  readonly originalsBucket: string;
  readonly projection?: ProjectionOptions;
}

export interface ReconcileStuckResult {
  /** Images whose run was started again (`ImageUploaded` appended and published), with the attempt number. */
  readonly redriven: ReadonlyArray<{ readonly imageId: string; readonly attempt: number }>;
  /** Images failed `TIMED_OUT` (`ImageProcessingFailed` appended and published). */
  readonly timedOut: readonly string[];
  /** Candidates the history says are not stuck (finished, deleted, or moved since the index was read). */
  readonly skipped: readonly string[];
  /** Images the reconciler could not settle, with why; the next run tries again. */
  readonly failed: ReadonlyArray<{ readonly imageId: string; readonly error: Error }>;
}

/** The id of the `ImageUploaded` of re-drive `attempt` (1, 2, ...) of a run: one per run and attempt. */
export function redriveEventId(run: RunKey, attempt: number): string {
  return runEventId(run, `redrive/${attempt}`);
}

type Decision =
  | { readonly kind: 'none' }
  | { readonly kind: 'redrive'; readonly attempt: number; readonly event: NewImageEvent }
  | { readonly kind: 'timed-out'; readonly event: NewImageEvent };

/**
 * The reconciler (every few minutes on AWS, every minute in the local runtime): every image
 * still `processing` more than `afterMinutes` after its last event is either started again or
 * failed, so none stays `processing` for ever (a lost execution, a timed-out Express run that
 * nothing caught, an `ImageUploaded` dropped on the way).
 *
 * The read model's sparse index lists the candidates (`listProcessingBefore`, a Query); the
 * history decides, inside the conditional append, so a run that finished meanwhile wins:
 * - attempts remain (re-drive `ImageUploaded`s of this run in the history < `maxRedrives`) and
 *   the original is stored: the last `ImageUploaded` is appended again under
 *   {@link redriveEventId} and published (source `imgpipe.ingest`, its contract's, so the
 *   `image-uploaded-to-pipeline` rule starts a new execution). The fold keeps the image
 *   `processing` (same upload) with a new `updatedAt`, which restarts its clock;
 * - otherwise `ImageProcessingFailed` with code `TIMED_OUT` is appended under the id
 *   `RecordFailure` would give a timeout of the same run, and published (notify tells the owner).
 *
 * What a run that finishes later does (the fold's rules, libs/contracts/src/fold.ts): its
 * `ImageProcessed` makes a `TIMED_OUT` image `processed` (the derivatives exist: the truth
 * wins over the guess, and the owner is told again); its own `ImageProcessingFailed` replaces
 * the failure with the real cause. A deleted image is never a candidate, and the append
 * re-checks it: nothing is recorded for it. A second run finds nothing to do: a re-driven
 * image's clock restarted, a failed one is no longer `processing`, and every id is fixed.
 *
 * @example
 * const { redriven, timedOut } = await reconcileStuckImages({ now: clock.now() });
 */
export function createReconcileStuckImages(
  deps: ReconcileStuckDeps,
): (options: { readonly now: Date }) => Promise<ReconcileStuckResult> {
  return async function reconcileStuckImages({ now }) {
    const cutoff = new Date(now.getTime() - deps.afterMinutes * 60_000).toISOString();
    const redriven: Array<{ imageId: string; attempt: number }> = [];
    const timedOut: string[] = [];
    const skipped: string[] = [];
    const failed: Array<{ imageId: string; error: Error }> = [];
    const candidates: string[] = [];
    for await (const key of deps.readModel.listProcessingBefore(cutoff)) candidates.push(key.imageId);

    for (const imageId of [...new Set(candidates)]) {
      try {
        const decision = await reconcileOne(deps, imageId, cutoff, now);
        if (decision.kind === 'redrive') redriven.push({ imageId, attempt: decision.attempt });
        else if (decision.kind === 'timed-out') timedOut.push(imageId);
        else skipped.push(imageId);
      } catch (error) {
        failed.push({ imageId, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return { redriven, timedOut, skipped, failed };
  };
}

async function reconcileOne(deps: ReconcileStuckDeps, imageId: string, cutoff: string, now: Date): Promise<Decision> {
  // Outside the append (a network call): is the original still there to re-drive?
  const before = stuckRun(await deps.events.load(imageId), cutoff, deps);
  if (!before) return { kind: 'none' };
  const originalStored =
    before.attempts < deps.maxRedrives &&
    (await deps.store.head({ bucket: deps.originalsBucket, key: before.upload.original.key })) !== undefined;

  const decided: { value: Decision } = { value: { kind: 'none' } };
  const result = await deps.appendAndProject(imageId, (history) => {
    // The history as it is now decides: a run that finished (or a delete) since wins.
    const stuck = stuckRun(history, cutoff, deps);
    decided.value = stuck ? decide(stuck, originalStored, now, deps) : { kind: 'none' };
    return decided.value.kind === 'none' ? [] : [decided.value.event];
  });
  const settled = decided.value;
  if (settled.kind === 'none') return settled;

  const stored = result.history.find((e) => e.eventId === settled.event.eventId);
  const contract = settled.kind === 'redrive' ? ImageUploadedV1 : ImageProcessingFailedV1;
  const published = await deps.publisher.publish([
    { source: settled.event.source, detailType: contract.detailType, detail: stored?.detail ?? settled.event.detail },
  ]);
  const refused = published.failed[0];
  if (refused) {
    throw new MetadataError({
      code: 'PublishFailed',
      message: `image ${imageId}: the bus refused ${contract.detailType} ${settled.event.eventId}: ${refused.errorCode} ${refused.errorMessage}`,
    });
  }
  return settled;
}

interface StuckRun {
  readonly state: NonNullable<ReturnType<typeof foldHistory>>;
  /** The last `ImageUploaded`'s data: what a re-drive sends again. */
  readonly upload: ImageUploadedData;
  readonly run: RunKey;
  /** Re-drives of this run already in the history. */
  readonly attempts: number;
}

/** The image's run when the history says it is stuck: `processing`, last event before `cutoff`, an upload to act on. */
function stuckRun(history: readonly StoredImageEvent[], cutoff: string, deps: ReconcileStuckDeps): StuckRun | undefined {
  const state = foldHistory(history, deps.projection);
  if (!state || state.status !== 'processing' || !(state.updatedAt < cutoff)) return undefined;
  const { lastUpload } = state;
  // A history that starts with no ImageUploaded has nothing to run or fail (it cannot arise from the pipeline).
  if (!lastUpload) return undefined;
  const run: RunKey = {
    imageId: state.imageId,
    contentHash: lastUpload.original.contentHash,
    renditionsVersion: lastUpload.renditionsVersion,
    generation: state.generation ?? 0,
  };
  const ids = new Set(history.map((e) => e.eventId));
  let attempts = 0;
  while (attempts < deps.maxRedrives && ids.has(redriveEventId(run, attempts + 1))) attempts++;
  return { state, upload: lastUpload, run, attempts };
}

function decide(stuck: StuckRun, originalStored: boolean, now: Date, deps: ReconcileStuckDeps): Decision {
  const occurredAt = now.toISOString();
  const { state, run, upload } = stuck;
  if (stuck.attempts < deps.maxRedrives && originalStored) {
    const attempt = stuck.attempts + 1;
    const eventId = redriveEventId(run, attempt);
    const envelope: EnvelopeOf<typeof ImageUploadedV1> = createEnvelope(ImageUploadedV1, upload, { eventId, correlationId: eventId, occurredAt });
    return { kind: 'redrive', attempt, event: toNewImageEvent(ImageUploadedV1, envelope) };
  }
  const stage = DEFAULT_FAILURE_STAGE;
  const why = stuck.attempts >= deps.maxRedrives ? `run ${stuck.attempts + 1} time(s)` : 'its original is no longer stored';
  const data: ImageProcessingFailedData = {
    imageId: state.imageId,
    userId: state.userId,
    originalKey: upload.original.key,
    stage,
    code: 'TIMED_OUT',
    errorName: 'States.Timeout',
    reason: `The image was still processing ${deps.afterMinutes} minutes after its last step (${why}); the pipeline gave up on it.`,
    retryable: true,
  };
  // The id RecordFailure gives a timeout of this run: if the state machine records it too, it is a duplicate.
  const eventId = runEventId(run, `failed/${stage}/TIMED_OUT`);
  const envelope: EnvelopeOf<typeof ImageProcessingFailedV1> = createEnvelope(ImageProcessingFailedV1, data, {
    eventId,
    correlationId: state.imageId,
    occurredAt,
  });
  return { kind: 'timed-out', event: toNewImageEvent(ImageProcessingFailedV1, envelope, 'imgpipe.metadata') };
}
