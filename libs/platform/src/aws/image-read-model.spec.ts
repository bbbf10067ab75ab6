import { encodeCursor } from '../cursor';
import { ConcurrencyConflictError, InvalidCursorError } from '../errors';
import { newId } from '../ids';
import type { ImageReadModel, ImageRecord } from '../ports/image-read-model.port';
import { InMemoryImageReadModel } from '../ports/in-memory-image-read-model';
import { TABLE_NAMES, useLocalAws } from '../testing/local-aws.spec-helper';
import { DynamoImageReadModel } from './dynamo-image-read-model.adapter';

const local = useLocalAws();

interface Projection {
  status: string;
  originalKey: string;
  undoUntil?: string;
  purgedAt?: string;
  thumbnails?: Array<{ name: string; key: string; width: number }>;
  savingsPercent?: number;
}
type Rec = ImageRecord<Projection>;

function record(userId: string, uploadedAt: string, overrides: Partial<Rec> = {}): Rec {
  const imageId = newId();
  return {
    imageId,
    userId,
    uploadedAt,
    revision: 1,
    status: 'uploaded',
    originalKey: `uploads/${userId}/${imageId}/a.jpg`,
    ...overrides,
  };
}

describe.each([
  ['DynamoImageReadModel (local DynamoDB)', () => new DynamoImageReadModel<Projection>(local.clients.documents, TABLE_NAMES.images)],
  ['InMemoryImageReadModel', () => new InMemoryImageReadModel<Projection>()],
])('%s', (_name, make: () => ImageReadModel<Projection>) => {
  let model: ImageReadModel<Projection>;
  beforeAll(() => {
    model = make();
  });

  it('creates a record once, then updates it only from the revision it read', async () => {
    const created = record('alice', '2025-01-01T00:00:00.000Z');
    await model.put(created, { expectedRevision: 0 });

    const processed: Rec = {
      ...created,
      revision: 4,
      status: 'processed',
      thumbnails: [{ name: 'small', key: 'thumbnails/x/small.webp', width: 320 }],
      savingsPercent: 61.5,
    };
    await model.put(processed, { expectedRevision: 1 });

    await expect(model.get(created.imageId)).resolves.toEqual(processed);
    await expect(model.get(newId())).resolves.toBeUndefined();
  });

  it('refuses a second create and a stale update, leaving the record as it was', async () => {
    const created = record('alice', '2025-01-02T00:00:00.000Z');
    await model.put(created, { expectedRevision: 0 });
    await model.put({ ...created, revision: 2, status: 'processing' }, { expectedRevision: 1 });

    const again = await model.put(created, { expectedRevision: 0 }).catch((e: unknown) => e);
    const stale = await model.put({ ...created, revision: 2, status: 'failed' }, { expectedRevision: 1 }).catch((e: unknown) => e);

    expect(again).toBeInstanceOf(ConcurrencyConflictError);
    expect(stale).toBeInstanceOf(ConcurrencyConflictError);
    await expect(model.get(created.imageId)).resolves.toMatchObject({ revision: 2, status: 'processing' });
  });

  it('removes a record only at the revision it read', async () => {
    const created = record('alice', '2025-01-03T00:00:00.000Z');
    await model.put(created, { expectedRevision: 0 });

    await expect(model.remove(created, { expectedRevision: 7 })).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await model.remove(created, { expectedRevision: 1 });

    await expect(model.get(created.imageId)).resolves.toBeUndefined();
  });

  it("lists one user's images newest first, a page at a time, without others' images", async () => {
    const userId = `user-${newId()}`;
    const times = ['2025-03-01T10:00:00.000Z', '2025-03-05T10:00:00.000Z', '2025-03-02T10:00:00.000Z', '2025-03-04T10:00:00.000Z', '2025-03-03T10:00:00.000Z'];
    for (const at of times) await model.put(record(userId, at), { expectedRevision: 0 });
    await model.put(record(`other-${newId()}`, '2025-03-06T00:00:00.000Z'), { expectedRevision: 0 });

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await model.listByUser(userId, { limit: 2, ...(cursor ? { cursor } : {}) });
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((r) => r.uploadedAt));
      expect(page.items.every((r) => r.userId === userId)).toBe(true);
      cursor = page.cursor;
    } while (cursor);

    expect(seen).toEqual([...times].sort().reverse());
    expect(pageSizes.slice(0, 3)).toEqual([2, 2, 1]);
    await expect(model.listByUser(`nobody-${newId()}`)).resolves.toEqual({ items: [] });
  });

  it("refuses a cursor from another user's listing, or one it did not issue", async () => {
    const userId = `user-${newId()}`;
    for (const at of ['2025-04-01T00:00:00.000Z', '2025-04-02T00:00:00.000Z']) {
      await model.put(record(userId, at), { expectedRevision: 0 });
    }
    const first = await model.listByUser(userId, { limit: 1 });
    expect(first.cursor).toBeDefined();

    await expect(model.listByUser('mallory', { cursor: first.cursor ?? '' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(model.listByUser(userId, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(model.listByUser(userId, { cursor: encodeCursor({ imageId: 'x' }) })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(model.listByUser(userId, { limit: 101 })).rejects.toThrow(RangeError);
  });

  it('lists the deleted, unpurged records whose undo window ended before an instant, and no others', async () => {
    const userId = `user-${newId()}`;
    const at = '2025-05-01T00:00:00.000Z';
    const due = record(userId, at, { status: 'deleted', undoUntil: '2025-05-08T00:00:00.000Z' });
    const cases = [
      due,
      record(userId, at, { status: 'deleted', undoUntil: '2025-05-09T00:00:00.000Z' }), // window still open
      record(userId, at, { status: 'deleted', undoUntil: '2025-05-07T00:00:00.000Z', purgedAt: '2025-05-07T01:00:00.000Z' }),
      record(userId, at, { status: 'processed', undoUntil: '2025-05-07T00:00:00.000Z' }), // restored since
      record(userId, at, { status: 'deleted' }), // no window recorded
    ];
    for (const r of cases) await model.put(r, { expectedRevision: 0 });

    const found: Rec[] = [];
    for await (const r of model.listDeletedBefore('2025-05-08T12:00:00.000Z')) if (r.userId === userId) found.push(r);

    expect(found).toEqual([due]);
  });
});

