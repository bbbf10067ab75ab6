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
}

/**
 * The event id of what a task records for a run: a UUID derived from image id, stage,
 * content hash and rendition set version, so a retried task produces the same ids and the
 * event store keeps the first (a duplicate changes nothing).
 *
 * @example
 * runEventId({ imageId, contentHash, renditionsVersion }, 'processed') // stable UUID
 */
export function runEventId(run: RunKey, stage: string): string {
  return deterministicUuid(`imgpipe.metadata/${run.imageId}/${stage}/${run.contentHash}/${run.renditionsVersion}`);
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
