import { ConcurrencyConflictError } from '../errors';
import { newId } from '../ids';
import { InMemoryUploadGrantStore } from '../ports/in-memory-upload-grant-store';
import { uploadGrantExpiresAt, type UploadGrant, type UploadGrantStore } from '../ports/upload-grant-store.port';
import { TABLE_NAMES, useLocalAws } from '../testing/local-aws.spec-helper';
import { DynamoUploadGrantStore } from './dynamo-upload-grant-store.adapter';

const local = useLocalAws();

function grant(overrides: Partial<UploadGrant> = {}): UploadGrant {
  const imageId = newId();
  return {
    imageId,
    userId: 'alice',
    key: `uploads/alice/${imageId}/photo.jpg`,
    contentType: 'image/jpeg',
    bytes: 1234,
    createdAt: '2025-06-01T12:00:00.000Z',
    validUntil: '2025-06-01T12:15:00.000Z',
    expiresAt: uploadGrantExpiresAt('2025-06-01T12:15:00.000Z'),
    ...overrides,
  };
}

const object = { etag: '0123abcd', versionId: 'v1', size: 1234, at: '2025-06-01T12:01:00.000Z' };

describe.each([
  ['DynamoUploadGrantStore (local DynamoDB)', () => new DynamoUploadGrantStore(local.clients.documents, TABLE_NAMES.grants)],
  ['InMemoryUploadGrantStore', () => new InMemoryUploadGrantStore()],
])('%s', (_name, make: () => UploadGrantStore) => {
  let store: UploadGrantStore;
  beforeAll(() => {
    store = make();
  });

  it('stores a grant with its TTL a day after the POST policy lapses, and never overwrites it', async () => {
    const first = grant();
    await store.put(first);

    const again = await store.put({ ...first, userId: 'mallory', key: `uploads/mallory/${first.imageId}/x.jpg` }).catch((e: unknown) => e);

    expect(again).toBeInstanceOf(ConcurrencyConflictError);
    await expect(store.get(first.imageId)).resolves.toEqual(first);
    expect(first.expiresAt).toBe(Date.parse('2025-06-02T12:15:00.000Z') / 1000);
    await expect(store.get(newId())).resolves.toBeUndefined();
  });

  it('lets the first object claim a grant, the same object again, and no other', async () => {
    const issued = grant();
    await store.put(issued);

    const first = await store.claim(issued.imageId, object);
    const retried = await store.claim(issued.imageId, { ...object, at: '2025-06-01T12:09:00.000Z' });
    const second = await store.claim(issued.imageId, { ...object, etag: 'ffff0000', versionId: 'v2' });
    const sameBytesOtherVersion = await store.claim(issued.imageId, { ...object, versionId: 'v3' });

    expect(first).toEqual({ outcome: 'claimed', grant: { ...issued, claimed: object } });
    expect(retried).toEqual({ outcome: 'claimed', grant: { ...issued, claimed: object } });
    expect(second).toEqual({ outcome: 'taken', grant: { ...issued, claimed: object } });
    expect(sameBytesOtherVersion.outcome).toBe('taken');
    await expect(store.get(issued.imageId)).resolves.toEqual({ ...issued, claimed: object });
  });

  it('lets exactly one of two racing objects claim a grant', async () => {
    const issued = grant();
    await store.put(issued);

    const results = await Promise.all(
      ['a1', 'b2', 'c3', 'd4'].map((etag) => store.claim(issued.imageId, { ...object, etag, versionId: etag })),
    );

    expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'taken')).toHaveLength(3);
  });

  it('forgets a grant (the purge), and forgetting it again or one never issued is no error', async () => {
    const issued = grant();
    await store.put(issued);

    await store.forget(issued.imageId);
    await store.forget(issued.imageId);
    await store.forget(newId());

    expect(await store.get(issued.imageId)).toBeUndefined();
  });

  it('claims nothing for a grant that was never issued (and creates none)', async () => {
    const imageId = newId();
    await expect(store.claim(imageId, object)).resolves.toEqual({ outcome: 'missing' });
    await expect(store.get(imageId)).resolves.toBeUndefined();
  });
});
