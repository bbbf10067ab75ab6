import { nameSearchKey } from '@imgpipe/contracts/views';
import { decodeCursor, encodeCursor, resolvePageLimit } from '../cursor';
import { ConcurrencyConflictError, InvalidCursorError } from '../errors';
import {
  DELETION_ATTRIBUTES,
  FILTER_ATTRIBUTES,
  PROCESSING_ATTRIBUTES,
  type ImagePage,
  type ImageReadModel,
  type ImageRecord,
  type ImageRecordKey,
  type ListByUserOptions,
  type ProcessingRecordKey,
  type ReadModelFilter,
} from './image-read-model.port';

const CURSOR_FIELDS = ['imageId', 'uploadedAt', 'userId'] as const;

/** Newest upload first; ties (same instant) by image id, descending, as the index orders them. */
function newestFirst(a: ImageRecordKey, b: ImageRecordKey): number {
  if (a.uploadedAt !== b.uploadedAt) return a.uploadedAt < b.uploadedAt ? 1 : -1;
  return a.imageId < b.imageId ? 1 : a.imageId > b.imageId ? -1 : 0;
}

/** Whether a record meets every condition of `filter`, as the DynamoDB adapter's `FilterExpression` decides it. */
function matches(record: object, filter: ReadModelFilter | undefined): boolean {
  if (!filter) return true;
  const fields = record as Record<string, unknown>;
  const text = (name: string): string | undefined => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined);
  const { status, format, originalKey, deletedAt, undoUntil, purgedAt } = FILTER_ATTRIBUTES;
  const current = text(status);
  if (filter.statuses && (current === undefined || !filter.statuses.includes(current))) return false;
  if (filter.notStatuses && current !== undefined && filter.notStatuses.includes(current)) return false;
  if (filter.format !== undefined && text(format) !== filter.format) return false;
  if (filter.nameContains !== undefined) {
    const key = text(originalKey);
    const name = key === undefined ? undefined : key.slice(key.lastIndexOf('/') + 1);
    if (name === undefined || !nameSearchKey(name).includes(nameSearchKey(filter.nameContains))) return false;
  }
  if (filter.restorable) {
    if (fields[purgedAt] !== undefined) return false;
    const until = text(undoUntil);
    const deleted = text(deletedAt);
    const open = until !== undefined ? until > filter.restorable.now : fields[undoUntil] === undefined && deleted !== undefined && deleted > filter.restorable.deletedAfter;
    if (!open) return false;
  }
  return true;
}

/**
 * An {@link ImageReadModel} in a Map, for unit tests and dry runs, with the DynamoDB
 * adapter's rules (the same spec runs against both). Records are deep-copied in and out.
 */
export class InMemoryImageReadModel<T extends object = Record<string, unknown>> implements ImageReadModel<T> {
  private readonly records = new Map<string, ImageRecord<T>>();

  async get(imageId: string): Promise<ImageRecord<T> | undefined> {
    const found = this.records.get(imageId);
    return found ? structuredClone(found) : undefined;
  }

  async put(record: ImageRecord<T>, { expectedRevision }: { readonly expectedRevision: number }): Promise<void> {
    if (!Number.isInteger(expectedRevision) || expectedRevision < 0) {
      throw new RangeError(`expectedRevision must be a non-negative integer, got ${expectedRevision}`);
    }
    this.check(record.imageId, expectedRevision);
    this.records.set(record.imageId, structuredClone(record));
  }

  async remove(
    key: Pick<ImageRecordKey, 'imageId' | 'uploadedAt'>,
    { expectedRevision }: { readonly expectedRevision: number },
  ): Promise<void> {
    if (!Number.isInteger(expectedRevision) || expectedRevision < 1) {
      throw new RangeError('remove needs the revision of an existing record');
    }
    this.check(key.imageId, expectedRevision);
    this.records.delete(key.imageId);
  }

  async listByUser(userId: string, options: ListByUserOptions = {}): Promise<ImagePage<ImageRecord<T>>> {
    const limit = resolvePageLimit(options.limit);
    const mine = [...this.records.values()].filter((r) => r.userId === userId).sort(newestFirst);
    let from = 0;
    if (options.cursor !== undefined) {
      const after = decodeCursor(options.cursor, CURSOR_FIELDS);
      if (after.userId !== userId) throw new InvalidCursorError();
      from = mine.findIndex((r) => newestFirst(r, after) > 0);
      if (from < 0) from = mine.length;
    }
    // Like DynamoDB's Limit: `limit` records are evaluated, those matching the filter returned.
    const evaluated = mine.slice(from, from + limit);
    const last = evaluated[evaluated.length - 1];
    const more = from + limit < mine.length;
    return {
      items: structuredClone(evaluated.filter((r) => matches(r, options.filter))),
      ...(more && last ? { cursor: encodeCursor({ imageId: last.imageId, uploadedAt: last.uploadedAt, userId }) } : {}),
    };
  }

  async countByUser(userId: string, filter?: ReadModelFilter): Promise<number> {
    return [...this.records.values()].filter((r) => r.userId === userId && matches(r, filter)).length;
  }

  async *listDeletedBefore(instant: string): AsyncIterable<ImageRecord<T>> {
    const { status, deleted, undoUntil, purgedAt } = DELETION_ATTRIBUTES;
    for (const record of [...this.records.values()]) {
      const fields = record as Record<string, unknown>;
      const until = fields[undoUntil];
      if (fields[status] === deleted && typeof until === 'string' && until < instant && fields[purgedAt] === undefined) {
        yield structuredClone(record);
      }
    }
  }

  async *listProcessingBefore(instant: string): AsyncIterable<ProcessingRecordKey> {
    const { status, processing, updatedAt } = PROCESSING_ATTRIBUTES;
    for (const record of [...this.records.values()]) {
      const fields = record as Record<string, unknown>;
      const at = fields[updatedAt];
      if (fields[status] === processing && typeof at === 'string' && at < instant) {
        yield { imageId: record.imageId, uploadedAt: record.uploadedAt, updatedAt: at };
      }
    }
  }

  private check(imageId: string, expectedRevision: number): void {
    const current = this.records.get(imageId);
    const ok = expectedRevision === 0 ? current === undefined : current?.revision === expectedRevision;
    if (!ok) {
      throw new ConcurrencyConflictError(
        expectedRevision === 0
          ? `image ${imageId}: the read-model record already exists`
          : `image ${imageId}: the read-model record is no longer at revision ${expectedRevision}`,
        `image-metadata/${imageId}`,
      );
    }
  }
}
