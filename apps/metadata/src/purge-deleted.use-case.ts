import {
  createEnvelope,
  deterministicUuid,
  ImagePurgedV1,
  redactEvent,
  type EnvelopeOf,
} from '@imgpipe/contracts';
import {
  derivativePrefixes,
  ORIGINALS_PREFIX,
  type EventPublisher,
  type ImageEventStore,
  type ImageReadModel,
  type ObjectStore,
  type UploadGrantStore,
} from '@imgpipe/platform';
import type { AppendAndProject } from './append-and-project.use-case';
import { MetadataError } from './errors';
import { foldHistory, type ImageMetadata, type ImageMetadataRecord, type ProjectionOptions } from './projection';
import { toNewImageEvent } from './stored-events';

/**
 * How long after `undoUntil` an image waits before it is purged: a restore accepted just
 * before the deadline is still on its way to the history (bus, then `onPipelineEvent`) for a
 * few seconds, and erasing its original then would lose the image the owner got back.
 */
export const PURGE_GRACE_MS = 5 * 60 * 1000;

export interface PurgeDeletedDeps {
  readonly events: ImageEventStore;
  readonly readModel: ImageReadModel<ImageMetadata>;
  readonly store: ObjectStore;
  readonly publisher: EventPublisher;
  readonly appendAndProject: AppendAndProject;
  readonly buckets: { readonly originals: string; readonly processed: string };
  readonly projection?: ProjectionOptions;
  /** The upload grants: a purged image's grant is removed (its `key` holds the file name). */
  readonly grants?: Pick<UploadGrantStore, 'forget'>;
}

export interface PurgeDeletedResult {
  /** Images purged by this call (their history now ends in `ImagePurged`). */
  readonly purged: ReadonlyArray<{ readonly imageId: string; readonly purgedKeys: number }>;
  /** Candidates the history says are not due (restored, already purged, window not over). */
  readonly skipped: readonly string[];
  /** Images the purge could not finish, with why; they are tried again on the next run. */
  readonly failed: ReadonlyArray<{ readonly imageId: string; readonly error: Error }>;
}

/** The id of an image's `ImagePurged`: one per image, whoever purges it and however often. */
export function purgedEventId(imageId: string): string {
  return deterministicUuid(`imgpipe.metadata/${imageId}/purged`);
}

/**
 * The purge (hourly on AWS, every minute and at start in the local runtime): every image
 * deleted longer ago than its undo window (plus {@link PURGE_GRACE_MS}) is erased.
 *
 * The read model lists the candidates (`listDeletedBefore`); the history decides (a restore
 * the read model has not caught up with wins). For each image, in this order, every step
 * idempotent so a crash or a second purge running at the same time only repeats work:
 * 1. every version of every object under `uploads/{user}/{image}/` in the originals bucket and
 *    under the image's derivative prefixes in the processed bucket is erased;
 * 2. the image's upload grant is removed (its key holds the file name) and the stored history
 *    is redacted (`redactEvent`: file name and the key that holds it);
 * 3. `ImagePurged` is appended (one id per image: a concurrent purge's is a duplicate) and the
 *    record projected to a tombstone; then published, so the bus archive and the UI hear of it.
 *
 * @example
 * const { purged } = await purgeDeletedImages({ now: clock.now() });
 */
export function createPurgeDeletedImages(
  deps: PurgeDeletedDeps,
): (options: { readonly now: Date }) => Promise<PurgeDeletedResult> {
  return async function purgeDeletedImages({ now }) {
    const due = new Date(now.getTime() - PURGE_GRACE_MS);
    const purged: Array<{ imageId: string; purgedKeys: number }> = [];
    const skipped: string[] = [];
    const failed: Array<{ imageId: string; error: Error }> = [];
    const candidates: ImageMetadataRecord[] = [];
    for await (const record of deps.readModel.listDeletedBefore(due.toISOString())) candidates.push(record);

    for (const candidate of candidates) {
      try {
        const outcome = await purgeOne(deps, candidate.imageId, now, due);
        if (outcome === undefined) skipped.push(candidate.imageId);
        else purged.push({ imageId: candidate.imageId, purgedKeys: outcome });
      } catch (error) {
        failed.push({ imageId: candidate.imageId, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return { purged, skipped, failed };
  };
}

/** @returns the number of objects erased, or `undefined` when the history says the image is not due. */
async function purgeOne(deps: PurgeDeletedDeps, imageId: string, now: Date, due: Date): Promise<number | undefined> {
  const state = foldHistory(await deps.events.load(imageId), deps.projection);
  if (!state || state.status !== 'deleted' || state.purgedAt !== undefined) return undefined;
  if (state.undoUntil === undefined || Date.parse(state.undoUntil) >= due.getTime()) return undefined;
  const { userId } = state;

  let purgedKeys = await deps.store.deleteAllVersions(deps.buckets.originals, `${ORIGINALS_PREFIX}${userId}/${imageId}/`);
  for (const prefix of derivativePrefixes(userId, imageId)) {
    purgedKeys += await deps.store.deleteAllVersions(deps.buckets.processed, prefix);
  }
  await deps.grants?.forget(imageId);
  await deps.events.redact(imageId, (event) => redactEvent(event.detailType, event.detail));

  const eventId = purgedEventId(imageId);
  const envelope: EnvelopeOf<typeof ImagePurgedV1> = createEnvelope(
    ImagePurgedV1,
    { imageId, userId, purgedAt: now.toISOString(), purgedKeys },
    { eventId, correlationId: imageId, occurredAt: now.toISOString() },
  );
  const result = await deps.appendAndProject(imageId, [toNewImageEvent(ImagePurgedV1, envelope)]);
  const stored = result.history.find((e) => e.eventId === eventId);
  const published = await deps.publisher.publish([
    { source: ImagePurgedV1.source, detailType: ImagePurgedV1.detailType, detail: stored?.detail ?? envelope },
  ]);
  const refused = published.failed[0];
  if (refused) {
    throw new MetadataError({ code: 'PublishFailed', message: `image ${imageId}: the bus refused ImagePurged ${eventId}: ${refused.errorCode} ${refused.errorMessage}` });
  }
  return purgedKeys;
}
