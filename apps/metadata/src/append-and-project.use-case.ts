import {
  ConcurrencyConflictError,
  type ImageEventStore,
  type ImageReadModel,
  type NewImageEvent,
  type StoredImageEvent,
} from '@imgpipe/platform';
import { DEFAULT_MAX_ATTEMPTS } from './config';
import { MetadataError } from './errors';
import { noPipelineMetrics, type PipelineMetrics } from './metrics';
import {
  parseStoredEvent,
  projectImage,
  type ImageMetadata,
  type ImageMetadataRecord,
  type PipelineEvent,
  type ProjectionOptions,
} from './projection';
import { lastSequence } from './stored-events';

export interface AppendAndProjectDeps {
  readonly events: ImageEventStore;
  readonly readModel: ImageReadModel<ImageMetadata>;
  readonly metrics?: PipelineMetrics;
  readonly projection?: ProjectionOptions;
  /** Attempts under concurrent writers (default {@link DEFAULT_MAX_ATTEMPTS}; 1 = no retry). */
  readonly maxAttempts?: number;
}

/**
 * The events to append: a list, or a function of the current history (called again on each
 * attempt) for a writer whose events depend on what is already recorded.
 */
export type EventsToAppend = readonly NewImageEvent[] | ((history: readonly StoredImageEvent[]) => readonly NewImageEvent[]);

export interface AppendAndProjectResult {
  readonly imageId: string;
  /** The events this call stored (over all attempts), with their sequences. */
  readonly appended: readonly StoredImageEvent[];
  /** Ids of the given events that were already in the history: stored once, not again. */
  readonly duplicates: readonly string[];
  /** The whole history the record was projected from. */
  readonly history: readonly StoredImageEvent[];
  /** The record projected from {@link history}; `undefined` only for an empty history. */
  readonly record: ImageMetadataRecord | undefined;
  /** Whether this call wrote the read model (false when it already held this revision or a later one). */
  readonly projected: boolean;
  readonly attempts: number;
}

/** What {@link createAppendAndProject} returns. */
export type AppendAndProject = (imageId: string, events: EventsToAppend) => Promise<AppendAndProjectResult>;

/**
 * Appends events to an image's history and brings its read-model record up to date:
 * load the history, append after its last sequence (conditional: an event already stored
 * is not stored again, a sequence someone else took is a conflict), project the whole
 * history, and put the record on the condition that it is still at the revision it expects.
 * On a `ConcurrencyConflictError` (from the store or the read model) it reloads and tries
 * again, `maxAttempts` times in all, then lets the conflict through (retryable).
 *
 * The record is read only when the put needs it (issue 13, early thumbnails: one request
 * fewer on every record task). After appending to a history of n events, the record is
 * expected at revision n (the projection of the history appended to) and put on that
 * condition; only when the condition fails (the record lags, is ahead, or sits under another
 * key) is it read, and then written or left as before. A first event reads it beside the
 * append (an older projection's record under another `uploadedAt` is replaced, not doubled);
 * a call that appends nothing reads it to bring a lagging record up to date.
 *
 * Every event is parsed by its contract before anything is written, so the history never
 * holds an event the projection cannot read. Each newly stored `ImageProcessed` /
 * `ImageProcessingFailed` is counted once in the metrics.
 *
 * @throws {MetadataError} `ImageMismatch` when an event belongs to another image.
 * @throws {ContractError} when an event does not fit its contract.
 */
export function createAppendAndProject(deps: AppendAndProjectDeps): AppendAndProject {
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be >= 1, got ${maxAttempts}`);
  const metrics = deps.metrics ?? noPipelineMetrics;

  return async function appendAndProject(imageId, events) {
    const appended: StoredImageEvent[] = [];
    const duplicates = new Set<string>();
    for (let attempt = 1; ; attempt += 1) {
      try {
        let history = await deps.events.load(imageId);
        const batch = typeof events === 'function' ? events(history) : events;
        const parsed = batch.map((event) => checkEvent(imageId, event));
        // The record as read, when this attempt needs it before its put (see above).
        let currentRecord: Promise<ImageMetadataRecord | undefined> | undefined;
        // The revision the record should be at: the length of the history this attempt appended to.
        let expectedRevision: number | undefined;

        if (batch.length > 0) {
          if (history.length === 0) {
            currentRecord = deps.readModel.get(imageId);
            currentRecord.catch(() => undefined);
          }
          // The history just loaded is the plan's input: the store need not read it again.
          const result = await deps.events.append(imageId, lastSequence(history), batch, { history });
          appended.push(...result.appended);
          for (const id of result.duplicates) if (!appended.some((e) => e.eventId === id)) duplicates.add(id);
          countFacts(metrics, result.appended, batch, parsed);
          const known = [...history, ...result.appended];
          // Someone else appended meanwhile (our events were all duplicates): read what they wrote.
          const caughtUp = lastSequence(known) === result.lastSequence;
          if (caughtUp && result.appended.length > 0 && history.length > 0) expectedRevision = history.length;
          history = caughtUp ? known : await deps.events.load(imageId);
        }

        const record = projectImage(history, deps.projection);
        const projected = record
          ? await projectRecord(deps.readModel, record, expectedRevision, () => currentRecord ?? deps.readModel.get(imageId))
          : false;
        return { imageId, appended, duplicates: [...duplicates], history, record, projected, attempts: attempt };
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError) || attempt >= maxAttempts) throw error;
      }
    }
  };
}

function checkEvent(imageId: string, event: NewImageEvent): PipelineEvent {
  const parsed = parseStoredEvent(event);
  if (parsed.envelope.data.imageId !== imageId) {
    throw new MetadataError({ code: 'ImageMismatch', message: `event ${event.eventId} belongs to image ${parsed.envelope.data.imageId}, not ${imageId}` });
  }
  if (parsed.envelope.eventId !== event.eventId) {
    throw new MetadataError({ code: 'ImageMismatch', message: `event ${event.eventId} carries the envelope of event ${parsed.envelope.eventId}` });
  }
  return parsed;
}

function countFacts(
  metrics: PipelineMetrics,
  stored: readonly StoredImageEvent[],
  batch: readonly NewImageEvent[],
  parsed: readonly PipelineEvent[],
): void {
  for (const event of stored) {
    const fact = parsed[batch.findIndex((e) => e.eventId === event.eventId)];
    if (fact?.detailType === 'ImageProcessed') metrics.imageProcessed(fact.envelope.data);
    if (fact?.detailType === 'ImageProcessingFailed') metrics.imageFailed(fact.envelope.data.code);
  }
}

/**
 * Puts `record` on the condition that the stored record is at `expectedRevision` (when the
 * caller knows which revision that should be); when it is not, or with no expectation, reads
 * the stored record and goes on as {@link writeRecord}.
 *
 * @returns whether it wrote.
 * @throws {ConcurrencyConflictError} when another writer got in between the read and the write.
 */
async function projectRecord(
  readModel: ImageReadModel<ImageMetadata>,
  record: ImageMetadataRecord,
  expectedRevision: number | undefined,
  readCurrent: () => Promise<ImageMetadataRecord | undefined>,
): Promise<boolean> {
  if (expectedRevision !== undefined) {
    try {
      await readModel.put(record, { expectedRevision });
      return true;
    } catch (error) {
      // Not at the expected revision (or not under this key): read it and decide as below.
      if (!(error instanceof ConcurrencyConflictError)) throw error;
    }
  }
  return writeRecord(readModel, record, await readCurrent());
}

/**
 * Puts `record` unless the read model already holds its revision or a later one (a later
 * revision was projected from a longer history that includes this one's events). `current` is
 * the record as read at the start of the attempt.
 *
 * @returns whether it wrote.
 * @throws {ConcurrencyConflictError} when another writer got in between the read and the write.
 */
async function writeRecord(
  readModel: ImageReadModel<ImageMetadata>,
  record: ImageMetadataRecord,
  current: ImageMetadataRecord | undefined,
): Promise<boolean> {
  if (current && current.revision >= record.revision) return false;
  await replaceRecord(readModel, record, current);
  return true;
}

/**
 * Replaces `current` (as read) with `record`, conditional on `current`'s revision. The key
 * never moves in the projection, but a record under another `uploadedAt` (written by an
 * older projection) is removed first rather than left behind as a second item.
 */
export async function replaceRecord(
  readModel: ImageReadModel<ImageMetadata>,
  record: ImageMetadataRecord,
  current: ImageMetadataRecord | undefined,
): Promise<void> {
  if (current && current.uploadedAt !== record.uploadedAt) {
    await readModel.remove(current, { expectedRevision: current.revision });
    await readModel.put(record, { expectedRevision: 0 });
    return;
  }
  await readModel.put(record, { expectedRevision: current?.revision ?? 0 });
}
