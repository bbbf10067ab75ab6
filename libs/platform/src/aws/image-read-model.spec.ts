import { PutCommand } from '@aws-sdk/lib-dynamodb';
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
  deletedAt?: string;
  purgedAt?: string;
  format?: string;
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

describe('DynamoImageReadModel.backfillNameSearch', () => {
  it('gives a record written before the name search existed its key, so the search finds it, and writes nothing twice', async () => {
    const model = new DynamoImageReadModel<Projection>(local.clients.documents, TABLE_NAMES.images);
    const userId = `user-${newId()}`;
    const legacy = { ...record(userId, '2025-07-01T00:00:00.000Z', { status: 'processed' }) };
    const item = { ...legacy, originalKey: `uploads/${userId}/${legacy.imageId}/Old_Harbour.JPG` };
    // As an older adapter wrote it: no name search key.
    await local.clients.documents.send(new PutCommand({ TableName: TABLE_NAMES.images, Item: item }));
    const search = { nameContains: 'old harbour' };
    await expect(model.countByUser(userId, search)).resolves.toBe(0);
    // Before the backfill, found on its key as typed (case-sensitive), never missing altogether.
    await expect(model.countByUser(userId, { nameContains: 'Old Harbour' })).resolves.toBe(1);
    await expect(model.countByUser(userId, { nameContains: 'Old Harbour2' })).resolves.toBe(0);

    expect((await model.backfillNameSearch()).written).toBeGreaterThanOrEqual(1);

    await expect(model.countByUser(userId, search)).resolves.toBe(1);
    await expect(model.get(item.imageId)).resolves.toEqual(item);
    expect(await model.backfillNameSearch()).toMatchObject({ written: 0, complete: true });
  });

  it('says whether an abort left anything undone: not when it comes after the last record, yes when records are left', async () => {
    const model = new DynamoImageReadModel<Projection>(local.clients.documents, TABLE_NAMES.images);
    await model.backfillNameSearch();
    const userId = `user-${newId()}`;
    const legacy = (i: number) => {
      const r = record(userId, `2025-07-01T00:00:0${i}.000Z`, { status: 'processed' });
      return { ...r, originalKey: `uploads/${userId}/${r.imageId}/Old_Harbour ${i}.JPG` };
    };
    const putLegacy = (i: number) => local.clients.documents.send(new PutCommand({ TableName: TABLE_NAMES.images, Item: legacy(i) }));
    await putLegacy(0);

    // Aborted once the (one, small) table's last page is done: nothing was left, so complete.
    const late = new AbortController();
    const afterLast = await model.backfillNameSearch({ signal: late.signal, onProgress: () => late.abort() });
    expect(afterLast).toMatchObject({ matched: 1, written: 1, complete: true });

    // Aborted before it starts: the records it matched are left, so not complete.
    await putLegacy(1);
    await putLegacy(2);
    const early = new AbortController();
    early.abort();
    expect(await model.backfillNameSearch({ signal: early.signal })).toMatchObject({ matched: 2, written: 0, complete: false });
    expect(await model.backfillNameSearch()).toMatchObject({ matched: 2, written: 2, complete: true });
  });
});

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

  it("filters and counts one user's records by status, format and name (any case, _ as a space), paging exactly", async () => {
    const userId = `user-${newId()}`;
    const at = (i: number) => `2025-06-0${i}T00:00:00.000Z`;
    const named = (i: number, name: string, fields: Partial<Rec>) => {
      const r = record(userId, at(i), fields);
      return { ...r, originalKey: `uploads/${userId}/${r.imageId}/${name}` };
    };
    const rows = [
      named(1, 'Harbour_at_Dusk.JPG', { status: 'processed', format: 'jpeg' }),
      named(2, 'harbour-2.png', { status: 'failed', format: 'png' }),
      named(3, 'logo.png', { status: 'processed', format: 'png' }),
      named(4, 'HARBOUR.webp', { status: 'deleted', format: 'webp', deletedAt: '2025-06-09T00:00:00.000Z', undoUntil: '2025-06-16T00:00:00.000Z' }),
      named(5, 'old_harbour.jpg', { status: 'deleted', format: 'jpeg', deletedAt: '2025-06-09T00:00:00.000Z' }),
      named(6, 'purged.jpg', { status: 'deleted', format: 'jpeg', deletedAt: '2025-06-01T00:00:00.000Z', undoUntil: '2025-06-08T00:00:00.000Z', purgedAt: '2025-06-08T01:00:00.000Z' }),
    ];
    for (const r of rows) await model.put(r, { expectedRevision: 0 });
    await model.put(record(`other-${newId()}`, at(7), { status: 'processed', format: 'jpeg' }), { expectedRevision: 0 });
    const ids = (items: Rec[]) => items.map((r) => r.originalKey.slice(r.originalKey.lastIndexOf('/') + 1));
    const all = async (filter: Parameters<ImageReadModel['countByUser']>[1]) => {
      const seen: Rec[] = [];
      let cursor: string | undefined;
      do {
        const page = await model.listByUser(userId, { limit: 2, filter, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return seen;
    };

    const active = { notStatuses: ['deleted'] };
    expect(ids(await all(active))).toEqual(['logo.png', 'harbour-2.png', 'Harbour_at_Dusk.JPG']);
    await expect(model.countByUser(userId, active)).resolves.toBe(3);
    await expect(model.countByUser(userId)).resolves.toBe(6);

    const harbour = { ...active, nameContains: 'HARBOUR ' };
    expect(ids(await all(harbour))).toEqual(['harbour-2.png', 'Harbour_at_Dusk.JPG']);
    expect(ids(await all({ ...active, nameContains: 'harbour at' }))).toEqual(['Harbour_at_Dusk.JPG']);
    await expect(model.countByUser(userId, { ...harbour, format: 'png' })).resolves.toBe(1);
    await expect(model.countByUser(userId, { statuses: ['processed'], format: 'png' })).resolves.toBe(1);
    await expect(model.countByUser(userId, { statuses: ['processing'] })).resolves.toBe(0);

    // Restorable at noon on the 10th with a 7-day window for a delete without undoUntil.
    const restorable = { statuses: ['deleted'], restorable: { now: '2025-06-10T12:00:00.000Z', deletedAfter: '2025-06-03T12:00:00.000Z' } };
    expect(ids(await all(restorable))).toEqual(['old_harbour.jpg', 'HARBOUR.webp']);
    await expect(model.countByUser(userId, restorable)).resolves.toBe(2);
    await expect(model.countByUser(userId, { ...restorable, restorable: { now: '2025-06-20T00:00:00.000Z', deletedAfter: '2025-06-13T00:00:00.000Z' } })).resolves.toBe(0);

    // A filtered page evaluates `limit` records, so it may be short, and the name search key is never returned.
    const first = await model.listByUser(userId, { limit: 2, filter: { statuses: ['failed'] } });
    expect(first.items).toEqual([]);
    expect(first.cursor).toBeDefined();
    const unfiltered = await model.listByUser(userId, { limit: 6 });
    expect(unfiltered.items.every((r) => !('nameSearch' in r))).toBe(true);
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

