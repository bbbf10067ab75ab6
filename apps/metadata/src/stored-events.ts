import {
  deterministicUuid,
  type EnvelopeOf,
  type KnownContract,
  type SourceOf,
} from '@imgpipe/contracts';
import type { NewImageEvent, StoredImageEvent } from '@imgpipe/platform';

/** What identifies one processing run of one image: the idempotency key's parts. */
export interface RunKey {
  readonly imageId: string;
  readonly contentHash: string;
  readonly renditionsVersion: string;
  /**
   * How many times the image was restored after a delete before this run (the fold's
   * `generation`); absent or 0 for a run that follows no restore. A run after a restore is a
   * new run even of the same original, so its events need ids of their own.
   */
  readonly generation?: number;
  /**
   * The run's output versions (compress's and thumbnail's content-hash segments): a reprocess
   * that made other bytes (new formats, quality, encoder) is a new run whose record moves to
   * the new keys; a retry makes the same bytes, so the same ids. Absent for stages without outputs.
   */
  readonly outputsVersion?: string;
}

/**
 * The event id of what a task records for a run: a UUID derived from image id, stage,
 * content hash and rendition set version (and the restore generation, when there was one),
 * so a retried task produces the same ids and the event store keeps the first (a duplicate
 * changes nothing).
 *
 * @example
 * runEventId({ imageId, contentHash, renditionsVersion }, 'processed') // stable UUID
 */
export function runEventId(run: RunKey, stage: string): string {
  const generation = run.generation ? `/g${run.generation}` : '';
  const outputs = run.outputsVersion ? `/o${run.outputsVersion}` : '';
  return deterministicUuid(`imgpipe.metadata/${run.imageId}/${stage}/${run.contentHash}/${run.renditionsVersion}${generation}${outputs}`);
}

/** An envelope as the event store takes it; `source` defaults to the contract's primary source. */
export function toNewImageEvent<C extends KnownContract>(
  contract: C,
  envelope: EnvelopeOf<C>,
  source: SourceOf<C> = contract.source,
): NewImageEvent {
  return {
    eventId: envelope.eventId,
    source,
    detailType: contract.detailType,
    occurredAt: envelope.occurredAt,
    detail: envelope,
  };
}

/** The history's last sequence (0 when empty). */
export function lastSequence(history: readonly Pick<StoredImageEvent, 'sequence'>[]): number {
  return history.reduce((max, event) => Math.max(max, event.sequence), 0);
}
