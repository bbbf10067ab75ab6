import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { access, readFile } from 'node:fs/promises';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients, TABLES } from '@imgpipe/platform';
import { LOCAL_REGION } from '@imgpipe/platform/testing';
import { dataLayout, startLocalRuntime, type LocalRuntime } from '../runtime';
import { RuntimeClient } from '../testing/http-client';

/*
 * A data directory from before the name search: its read-model records have no search key,
 * so GET /images?q= cannot find them. The next start writes the key (the background
 * backfill after recovery), and the search finds them.
 */
describe('the name search backfill at start', () => {
  let runtime: LocalRuntime | undefined;
  let dataDir: string;
  const start = async () => (runtime = await startLocalRuntime({ dataDir, port: 0, web: false, concurrency: 1 }));

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-backfill-'));
  });

  afterAll(async () => {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives older records their search key at the next start, so a search by name finds them', async () => {
    const first = await start();
    await first.recovered;
    const clients = createAwsClients({ region: LOCAL_REGION, endpoints: first.endpoints, credentials: first.credentials });
    // As an older runtime wrote it: no search key.
    await clients.documents.send(
      new PutCommand({
        TableName: TABLES.imageMetadata.defaultName,
        Item: { imageId: 'legacy-1', userId: 'alice', uploadedAt: '2025-01-01T00:00:00.000Z', status: 'processed', originalKey: 'uploads/alice/legacy-1/Old_Harbour.JPG', format: 'jpeg', revision: 3 },
      }),
    );
    clients.destroy();
    // ...and no marker: an older runtime wrote none (this one wrote it after its own backfill).
    await rm(dataLayout(dataDir).nameSearchBackfilled);
    const before = await RuntimeClient.signIn(first.url, 'alice');
    expect((await before.client.listImages({ q: 'old harbour' })).total).toBe(0);
    await first.stop();

    const second = await start();
    await second.recovered;
    const after = await RuntimeClient.signIn(second.url, 'alice');
    const found = await after.client.listImages({ q: 'old harbour' });
    expect(found.items.map((image) => image.imageId)).toEqual(['legacy-1']);
    expect(found.total).toBe(1);
    expect(found.items[0]).toMatchObject({ status: 'processed', format: 'jpeg' });
    // Done once: the data directory says so.
    expect(JSON.parse(await readFile(dataLayout(dataDir).nameSearchBackfilled, 'utf8'))).toMatchObject({ records: 1 });
  });

  it('does not scan the read model again at later starts once the backfill is done (its marker)', async () => {
    const running = runtime as LocalRuntime;
    await access(dataLayout(dataDir).nameSearchBackfilled);
    const clients = createAwsClients({ region: LOCAL_REGION, endpoints: running.endpoints, credentials: running.credentials });
    const legacy = { imageId: 'legacy-2', userId: 'alice', uploadedAt: '2025-01-02T00:00:00.000Z', status: 'processed', originalKey: 'uploads/alice/legacy-2/Quay.JPG', format: 'jpeg', revision: 2 };
    try {
      // A record without the key (nothing this runtime writes looks so): a backfill would add it.
      await clients.documents.send(new PutCommand({ TableName: TABLES.imageMetadata.defaultName, Item: legacy }));
      await running.stop();

      const third = await start();
      await third.recovered;
      const again = createAwsClients({ region: LOCAL_REGION, endpoints: third.endpoints, credentials: third.credentials });
      try {
        const item = (await again.documents.send(new GetCommand({ TableName: TABLES.imageMetadata.defaultName, Key: { imageId: legacy.imageId, uploadedAt: legacy.uploadedAt } }))).Item;
        expect(item).toEqual(legacy); // untouched: no Scan, no put
      } finally {
        again.destroy();
      }
    } finally {
      clients.destroy();
    }
  });
});
