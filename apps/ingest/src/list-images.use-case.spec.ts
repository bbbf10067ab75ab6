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

  it('refuses an unknown status naming status', async () => {
    const h = createHarness();
    const error = await h.services.listImages('alice', { status: 'purged' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).fields).toEqual(['status']);
  });

  it('answers an empty page for a user without images', async () => {
    const h = createHarness();
    await expect(h.services.listImages('nobody')).resolves.toEqual({ items: [] });
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
