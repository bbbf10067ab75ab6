import type { EventPublisher, PublishEntry } from '@imgpipe/platform';
import { PublishFailedError } from './errors';

/** The EventBridge `source` of everything ingest publishes. */
export const INGEST_SOURCE = 'imgpipe.ingest' as const;

/** What {@link toPublishEntry} needs of a contract: its name and the sources it allows. */
export interface PublishedContract {
  readonly detailType: string;
  readonly sources: readonly string[];
}

/**
 * The bus entry for an envelope built (and validated) with `createEnvelope`, published
 * under {@link INGEST_SOURCE}, which the contract must list among its sources.
 */
export function toPublishEntry(
  contract: PublishedContract,
  envelope: { readonly occurredAt: string } & object,
): PublishEntry {
  if (!contract.sources.includes(INGEST_SOURCE)) {
    throw new Error(`${contract.detailType} is not published by ${INGEST_SOURCE}`);
  }
  return { source: INGEST_SOURCE, detailType: contract.detailType, detail: envelope, time: new Date(envelope.occurredAt) };
}

/**
 * Puts one entry on the bus.
 *
 * @throws PublishFailedError (retryable) when the bus did not take it.
 */
export async function publishOne(publisher: EventPublisher, entry: PublishEntry): Promise<void> {
  const result = await publisher.publish([entry]);
  const failed = result.failed[0];
  if (failed) throw new PublishFailedError(entry.detailType, failed.errorCode, failed.errorMessage);
}
