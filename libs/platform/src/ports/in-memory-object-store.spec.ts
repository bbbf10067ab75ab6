import { InMemoryObjectStore } from './in-memory-object-store';

const bucket = 'originals';
const key = 'uploads/u/i/a.jpg';
const put = (store: InMemoryObjectStore, byte: number) =>
  store.put({ bucket, key, body: new Uint8Array([byte, byte]), contentType: 'image/jpeg' });

describe('InMemoryObjectStore', () => {
  it('replaces an object on a plain bucket, and deleteVersion removes it', async () => {
    const store = new InMemoryObjectStore();
    await expect(put(store, 1)).resolves.not.toHaveProperty('versionId');
    await put(store, 2);

    expect([...(await store.get({ bucket, key })).body]).toEqual([2, 2]);
    await store.deleteVersion({ bucket, key });
    await expect(store.head({ bucket, key })).resolves.toBeUndefined();
    await expect(store.list(bucket, 'uploads/')).resolves.toEqual([]);
  });

  it('keeps every version on a versioned bucket: deleting the newest makes the first current again', async () => {
    const store = new InMemoryObjectStore({ versioned: true });
    const first = await put(store, 1);
    const second = await put(store, 2);
    expect(first.versionId).toBeDefined();
    expect(second.versionId).not.toBe(first.versionId);

    await expect(store.head({ bucket, key })).resolves.toMatchObject({ versionId: second.versionId });
    expect([...(await store.getHead({ bucket, key, versionId: first.versionId }, 1))]).toEqual([1]);

    await store.deleteVersion({ bucket, key, versionId: second.versionId });

    await expect(store.head({ bucket, key, versionId: second.versionId })).resolves.toBeUndefined();
    expect(await store.get({ bucket, key })).toMatchObject({ versionId: first.versionId, etag: first.etag });
    await expect(store.list(bucket, 'uploads/')).resolves.toEqual([key]);
  });
});
