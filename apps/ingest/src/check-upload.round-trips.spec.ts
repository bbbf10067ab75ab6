import { testImage } from '@imgpipe/image-ops/testing';
import type { ObjectStore, UploadGrantStore } from '@imgpipe/platform';
import { createCheckUpload, type CheckUploadOutcome } from './check-upload.use-case';
import { createHarness } from './testing/ingest-harness';

/**
 * Issue 13, early thumbnails: `checkUpload` sits between the stored upload and `ImageUploaded`,
 * so the reads that do not depend on each other run side by side (the grant lookup and the
 * first bytes beside the HEAD, when the notification's size allows a read; else the first bytes
 * beside the claim). These specs hold one call open and look at what else was asked meanwhile;
 * they also pin what that must not change: a missing object stays `missing`, a refused
 * object's early read decides nothing, an object the HEAD shows otherwise than notified is read
 * again as the HEAD shows it, and an object too large or empty by its notification is not read early.
 */

const USER = 'user-1';

/** A promise opened by hand. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Lets everything already runnable run (in-memory ports answer within a few turns). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function setup(wrap: { store?: (store: ObjectStore) => Partial<ObjectStore>; grants?: (grants: UploadGrantStore) => Partial<UploadGrantStore> }) {
  const h = createHarness();
  const { object } = await h.upload(USER, await testImage('jpeg', { width: 320, height: 200 }));
  const calls: string[] = [];
  const store: ObjectStore = {
    get: (location) => h.store.get(location),
    getHead: (location, bytes) => {
      calls.push('getHead');
      return h.store.getHead(location, bytes);
    },
    head: (location) => {
      calls.push('head');
      return h.store.head(location);
    },
    put: (input) => h.store.put(input),
    deleteVersion: (location) => h.store.deleteVersion(location),
    deletePrefix: (bucket, prefix) => h.store.deletePrefix(bucket, prefix),
    deleteAllVersions: (bucket, prefix) => h.store.deleteAllVersions(bucket, prefix),
    list: (bucket, prefix) => h.store.list(bucket, prefix),
  };
  const grants: UploadGrantStore = {
    put: (grant) => h.grants.put(grant),
    get: (imageId) => {
      calls.push('grants.get');
      return h.grants.get(imageId);
    },
    claim: (imageId, claimed) => {
      calls.push('grants.claim');
      return h.grants.claim(imageId, claimed);
    },
    forget: (imageId) => h.grants.forget(imageId),
  };
  const checkUpload = createCheckUpload({
    ...h.ports,
    histories: h.eventStore,
    store: { ...store, ...wrap.store?.(store) },
    grants: { ...grants, ...wrap.grants?.(grants) },
    policy: h.config.policy,
    renditionsVersion: h.config.renditionsVersion,
  });
  return { h, checkUpload, object, calls };
}

describe('checkUpload asks for independent things side by side (issue 13, early thumbnails)', () => {
  it('looks the grant up and reads the first bytes (once) while the HEAD is still out', async () => {
    const headHeld = gate();
    const { h, checkUpload, object, calls } = await setup({
      store: (store) => ({ head: async (location) => (await headHeld.opened, store.head(location)) }),
    });

    const outcome = checkUpload(object);
    await settle();
    const askedWhileHeadOut = [...calls];
    headHeld.open();

    expect(askedWhileHeadOut).toEqual(['grants.get', 'getHead']);
    expect((await outcome).outcome).toBe('accepted');
    expect(calls.filter((call) => call === 'getHead')).toHaveLength(1);
    expect(h.publisher.published.map((e) => e.detailType)).toEqual(['ImageUploaded']);
  });

  it('reads again, as the HEAD shows it, an object whose HEAD says another size than its notification', async () => {
    const reads: number[] = [];
    const { h, checkUpload, object } = await setup({
      store: (store) => ({
        getHead: (location, bytes) => {
          reads.push(bytes);
          return store.getHead(location, bytes);
        },
      }),
    });
    const size = object.size ?? 0;

    // A notification of a size the stored object does not have: its early read is not what is checked.
    const outcome = await checkUpload({ ...object, size: size - 1 });

    expect(outcome.outcome).toBe('accepted');
    expect(size).toBeLessThan(64 * 1024);
    expect(reads).toEqual([size - 1, size]);
    expect(h.publisher.published.map((e) => e.detailType)).toEqual(['ImageUploaded']);
  });

  it('does not read early an object its notification says is too large or empty', async () => {
    const headHeld = gate();
    const { checkUpload, object, calls } = await setup({
      store: (store) => ({ head: async (location) => (await headHeld.opened, store.head(location)) }),
    });

    const tooLarge = checkUpload({ ...object, size: 1024 ** 4 });
    const empty = checkUpload({ ...object, size: 0 });
    await settle();
    const askedWhileHeadOut = [...calls];
    headHeld.open();
    await Promise.allSettled([tooLarge, empty]);

    expect(askedWhileHeadOut).toEqual(['grants.get', 'grants.get']);
  });

  it('has asked for the first bytes by the time the claim is out, and admits only once the claim answered', async () => {
    const claimHeld = gate();
    const { h, checkUpload, object, calls } = await setup({
      grants: (grants) => ({ claim: async (imageId, claimed) => (await claimHeld.opened, grants.claim(imageId, claimed)) }),
    });

    const outcome = checkUpload(object);
    await settle();
    const askedWhileClaimOut = [...calls];
    const publishedWhileClaimOut = h.publisher.published.length;
    claimHeld.open();

    expect(askedWhileClaimOut).toEqual(['grants.get', 'head', 'getHead']);
    expect(publishedWhileClaimOut).toBe(0);
    expect((await outcome).outcome).toBe('accepted');
  });

  it('refuses an object whose grant another object holds, whatever its early read did (a failed read is not left unhandled)', async () => {
    const { h, checkUpload, object, calls } = await setup({ store: () => ({ getHead: () => Promise.reject(new Error('read failed')) }) });
    const imageId = object.key.split('/')[2] ?? '';
    await h.grants.claim(imageId, { etag: 'another-object', size: object.size ?? 0, at: '2025-06-01T12:00:00.500Z' });

    const outcome: CheckUploadOutcome = await checkUpload(object);

    expect(outcome).toMatchObject({ outcome: 'refused', code: 'GRANT_ALREADY_USED' });
    expect(calls).toContain('grants.claim');
    expect(h.publisher.published.map((e) => e.detailType)).toEqual(['UploadRefused']);
  });

  it('reports an object that is gone as missing even when the grant lookup beside it failed', async () => {
    const { h, checkUpload, object } = await setup({
      store: () => ({ head: () => Promise.resolve(undefined) }),
      grants: () => ({ get: () => Promise.reject(new Error('table unavailable')) }),
    });

    expect(await checkUpload(object)).toEqual({ outcome: 'missing', key: object.key });
    expect(h.publisher.published).toEqual([]);
  });
});
