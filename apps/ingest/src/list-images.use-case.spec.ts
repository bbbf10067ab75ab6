import { MAX_NAME_QUERY_LENGTH } from '@imgpipe/contracts/views';
import { RequestValidationError } from './errors';
import { createHarness, type Harness } from './testing/ingest-harness';

async function seedMany(h: Harness, userId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const imageId = `${userId}-img-${String(i).padStart(2, '0')}`;
    await h.seedImage({ userId, imageId, uploadedAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString() });
    ids.push(imageId);
  }
  return ids;
}

/** Sets fields of a seeded image's read-model record, as the metadata projection does. */
async function setFields(h: Harness, imageId: string, fields: Record<string, unknown>): Promise<void> {
  const current = await h.readModel.get(imageId);
  if (!current) throw new Error(`no record for ${imageId}`);
  await h.readModel.put({ ...current, ...fields, revision: current.revision + 1 }, { expectedRevision: current.revision });
}

/** Marks a seeded image deleted in the read model, as the metadata projection does. */
async function markDeleted(h: Harness, imageId: string, fields: Record<string, unknown>): Promise<void> {
  const current = await h.readModel.get(imageId);
  if (!current) throw new Error(`no record for ${imageId}`);
  await h.readModel.put({ ...current, status: 'deleted', ...fields, revision: current.revision + 1 }, { expectedRevision: current.revision });
}

describe('listImages', () => {
  it("lists only the caller's images, newest first, without internal fields", async () => {
    const h = createHarness();
    const mine = await seedMany(h, 'alice', 3);
    await seedMany(h, 'bob', 2);

    const page = await h.services.listImages('alice');

    expect(page.items.map((i) => i.imageId)).toEqual([...mine].reverse());
    expect(page.items[0]).toMatchObject({ userId: 'alice', status: 'processing' });
    expect(page.items[0]).not.toHaveProperty('revision');
    expect(page.cursor).toBeUndefined();
  });

  it('pages through every image exactly once with limit and cursor', async () => {
    const h = createHarness();
    const ids = await seedMany(h, 'alice', 7);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.services.listImages('alice', { limit: '3', ...(cursor ? { cursor } : {}) });
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((i) => i.imageId));
      cursor = page.cursor;
    } while (cursor);

    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([...ids].reverse());
  });

  it('leaves deleted images out by default, and pages exactly over what is left', async () => {
    const h = createHarness();
    const ids = await seedMany(h, 'alice', 7);
    for (const id of [ids[1], ids[2], ids[3], ids[5]]) {
      await markDeleted(h, id as string, { deletedAt: '2025-06-01T11:00:00.000Z', undoUntil: '2025-06-08T11:00:00.000Z' });
    }

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.services.listImages('alice', { limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.imageId));
      cursor = page.cursor;
    } while (cursor);

    expect(seen).toEqual([ids[6], ids[4], ids[0]]);
    expect((await h.services.listImages('alice', { status: 'active' })).items.map((i) => i.imageId)).toEqual(seen);
  });

  it('status=deleted lists the recently deleted, still restorable images with deletedAt and undoUntil', async () => {
    const h = createHarness({ UNDO_WINDOW_SECONDS: '3600' });
    const ids = await seedMany(h, 'alice', 5);
    await seedMany(h, 'bob', 1);
    // Restorable until tomorrow.
    await markDeleted(h, ids[0] as string, { deletedAt: '2025-06-01T11:00:00.000Z', undoUntil: '2025-06-02T11:00:00.000Z' });
    // Window over (now is 2025-06-01T12:00Z).
    await markDeleted(h, ids[1] as string, { deletedAt: '2025-05-01T11:00:00.000Z', undoUntil: '2025-05-08T11:00:00.000Z' });
    // Purged: a tombstone.
    await markDeleted(h, ids[2] as string, { deletedAt: '2025-05-01T11:00:00.000Z', undoUntil: '2025-05-08T11:00:00.000Z', purgedAt: '2025-05-08T12:00:00.000Z' });
    // A v1 delete without undoUntil: deletedAt + the configured window (an hour), 30 minutes ago.
    await markDeleted(h, ids[3] as string, { deletedAt: '2025-06-01T11:30:00.000Z' });
    await markDeleted(h, 'bob-img-00', { deletedAt: '2025-06-01T11:00:00.000Z', undoUntil: '2025-06-02T11:00:00.000Z' });

    const page = await h.services.listImages('alice', { status: 'deleted' });

    expect(page.items.map((i) => [i.imageId, i.deletedAt, i.undoUntil])).toEqual([
      [ids[3], '2025-06-01T11:30:00.000Z', '2025-06-01T12:30:00.000Z'],
      [ids[0], '2025-06-01T11:00:00.000Z', '2025-06-02T11:00:00.000Z'],
    ]);
    expect(page.cursor).toBeUndefined();
    expect((await h.services.listImages('alice')).items.map((i) => i.imageId)).toEqual([ids[4]]);
  });

  it('filters by status, format and name (any case, a space for the sanitiser’s _) on the store, with the total on the first page', async () => {
    const h = createHarness();
    const files = ['Harbour_at_Dusk.JPG', 'harbour-2.png', 'logo.png', 'HARBOUR.webp', 'beach.jpg'];
    const ids: string[] = [];
    for (const [i, filename] of files.entries()) {
      const imageId = `alice-img-${i}`;
      await h.seedImage({ userId: 'alice', imageId, uploadedAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(), filename });
      ids.push(imageId);
    }
    await h.seedImage({ userId: 'bob', imageId: 'bob-img', uploadedAt: '2025-01-02T00:00:00.000Z', filename: 'harbour.png' });
    await setFields(h, 'alice-img-0', { status: 'processed' });
    await setFields(h, 'alice-img-1', { status: 'failed', format: 'png' });
    await setFields(h, 'alice-img-2', { status: 'processed', format: 'png' });
    await setFields(h, 'alice-img-3', { status: 'deleted', format: 'webp', deletedAt: '2025-06-01T11:00:00.000Z', undoUntil: '2025-06-08T11:00:00.000Z' });

    const list = async (query: Record<string, string>) => {
      const page = await h.services.listImages('alice', query);
      return { names: page.items.map((i) => i.originalKey?.split('/').pop()), total: page.total };
    };

    await expect(list({})).resolves.toEqual({ names: ['beach.jpg', 'logo.png', 'harbour-2.png', 'Harbour_at_Dusk.JPG'], total: 4 });
    await expect(list({ q: '  HARBOUR ' })).resolves.toEqual({ names: ['harbour-2.png', 'Harbour_at_Dusk.JPG'], total: 2 });
    await expect(list({ q: 'harbour at' })).resolves.toEqual({ names: ['Harbour_at_Dusk.JPG'], total: 1 });
    await expect(list({ format: 'png' })).resolves.toEqual({ names: ['logo.png', 'harbour-2.png'], total: 2 });
    await expect(list({ status: 'processed', format: 'png' })).resolves.toEqual({ names: ['logo.png'], total: 1 });
    await expect(list({ status: 'processing' })).resolves.toEqual({ names: ['beach.jpg'], total: 1 });
    await expect(list({ status: 'deleted', q: 'harb' })).resolves.toEqual({ names: ['HARBOUR.webp'], total: 1 });
    await expect(list({ q: 'nothing like it' })).resolves.toEqual({ names: [], total: 0 });
    await expect(list({ q: '   ' })).resolves.toEqual({ names: ['beach.jpg', 'logo.png', 'harbour-2.png', 'Harbour_at_Dusk.JPG'], total: 4 });
  });

  it('pages a filtered listing exactly, the total only on the first page', async () => {
    const h = createHarness();
    const ids = await seedMany(h, 'alice', 9);
    for (const id of [ids[0], ids[3], ids[4], ids[8]]) await setFields(h, id as string, { status: 'failed' });

    const seen: string[] = [];
    const totals: Array<number | undefined> = [];
    let cursor: string | undefined;
    do {
      const page = await h.services.listImages('alice', { limit: '3', status: 'failed', ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.imageId));
      totals.push(page.total);
      cursor = page.cursor;
    } while (cursor);

    expect(seen).toEqual([ids[8], ids[4], ids[3], ids[0]]);
    expect(totals[0]).toBe(4);
    expect(totals.slice(1).every((t) => t === undefined)).toBe(true);
  });

  it.each([
    ['status', 'an unknown status', { status: 'purged' }],
    ['status', 'another case', { status: 'ACTIVE' }],
    ['format', 'an unknown format', { format: 'bmp' }],
    ['format', 'another case', { format: 'JPEG' }],
    ['format', 'an empty format', { format: '' }],
    ['q', 'one character too many', { q: 'x'.repeat(MAX_NAME_QUERY_LENGTH + 1) }],
    ['q', '100,000 spaces', { q: ' '.repeat(100_000) }],
  ])('refuses a hostile %s (%s) with a classified INVALID_REQUEST naming it', async (field, _what, query) => {
    const h = createHarness();
    const error = await h.services.listImages('alice', query).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).fields).toEqual([field]);
    expect((error as RequestValidationError).code).toBe('INVALID_REQUEST');
  });

  it('takes a name query of exactly the longest length, counted in characters, not UTF-16 units', async () => {
    const h = createHarness();
    await expect(h.services.listImages('alice', { q: '📷'.repeat(MAX_NAME_QUERY_LENGTH) })).resolves.toEqual({ items: [], total: 0 });
  });

  it('refuses an unknown status naming status', async () => {
    const h = createHarness();
    const error = await h.services.listImages('alice', { status: 'purged' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).fields).toEqual(['status']);
  });

  it('answers an empty page for a user without images', async () => {
    const h = createHarness();
    await expect(h.services.listImages('nobody')).resolves.toEqual({ items: [], total: 0 });
  });

  it.each(['0', '101', '-1', '2.5', 'ten', '', '1,2'])('refuses limit=%j naming limit', async (limit) => {
    const h = createHarness();
    const error = await h.services.listImages('alice', { limit }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).fields).toEqual(['limit']);
  });

  it("refuses another user's cursor and a forged one, naming cursor", async () => {
    const h = createHarness();
    await seedMany(h, 'alice', 3);
    const { cursor } = await h.services.listImages('alice', { limit: '1' });
    expect(cursor).toBeDefined();

    for (const bad of [cursor as string, 'not-a-cursor', Buffer.from('{"x":1}').toString('base64url')]) {
      const error = await h.services.listImages('bob', { cursor: bad }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as RequestValidationError).fields).toEqual(['cursor']);
    }
  });
});
