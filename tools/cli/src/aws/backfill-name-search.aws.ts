import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoImageReadModel, type BackfillNameSearchProgress } from '@imgpipe/platform';

/** What a backfill run did: the read model's counts, and whether it was interrupted before the end. */
export interface NameSearchBackfillResult extends BackfillNameSearchProgress {
  readonly tableName: string;
  /**
   * Stopped by `signal` with records still to go (the read model's `complete: false`): run it
   * again to finish. An interrupt that comes after the last record leaves it `false`.
   */
  readonly interrupted: boolean;
}

export interface NameSearchBackfillOptions {
  /** After every Scan page (1 MB of the table). */
  readonly onProgress?: (progress: BackfillNameSearchProgress) => void;
  /** Aborted on an interrupt: the backfill stops before its next put. */
  readonly signal?: AbortSignal;
}

/**
 * Gives every record of a deployed read model (the `image-metadata` table, the Foundation
 * stack's `ImageMetadataTableName`) the name search's key it lacks: the read model's own
 * `DynamoImageReadModel.backfillNameSearch` (the local runtime's migration), on the client
 * passed in. Idempotent (it writes only records still without the key, each at the revision it
 * read) and safe to interrupt: a record is written whole or not at all, and the next run takes
 * up the rest.
 *
 * @example
 * const { written, interrupted } = await backfillNameSearchOnTable(clients.documents, 'imgpipe-prod-image-metadata');
 */
export async function backfillNameSearchOnTable(
  documents: DynamoDBDocumentClient,
  tableName: string,
  options: NameSearchBackfillOptions = {},
): Promise<NameSearchBackfillResult> {
  const { complete, ...counts } = await new DynamoImageReadModel(documents, tableName).backfillNameSearch({
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...counts, tableName, interrupted: !complete };
}
