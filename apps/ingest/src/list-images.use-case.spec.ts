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
