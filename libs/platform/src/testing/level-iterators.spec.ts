import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../aws/clients';
import { DynamoImageEventStore } from '../aws/dynamo-image-event-store.adapter';
import { TABLES } from '../tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalDynamo } from './local-peers';

/** An abstract-level iterator, as far as this spec reads it. */
interface LevelIterator {
  next(): Promise<unknown>;
}
type IteratorFactory = (this: unknown, options?: unknown) => LevelIterator;

/** abstract-level's database class, the one dynalite's `level` uses (found as the shim finds it). */
function abstractLevelOfDynalite(): { prototype: { keys: IteratorFactory; values: IteratorFactory } } {
  const fromDynalite = createRequire(createRequire(__filename).resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  return (createRequire(fromLevel.resolve('classic-level'))('abstract-level') as { AbstractLevel: ReturnType<typeof abstractLevelOfDynalite> }).AbstractLevel;
}

describe('dynalite closes the LevelDB iterators it reads with', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-level-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('closes every iterator of a query and of a scan once answered', async () => {
    const { prototype } = abstractLevelOfDynalite();
    const opened: LevelIterator[] = [];
    const record = (name: 'keys' | 'values') => {
      const original = prototype[name];
      return jest.spyOn(prototype, name).mockImplementation(function (this: unknown, options?: unknown) {
        const iterator = original.call(this, options);
        opened.push(iterator);
        return iterator;
      });
    };
    const spies = [record('keys'), record('values')];
    const dynamo = await startLocalDynamo({ tables: [{ definition: TABLES.imageEvents, name: 'events' }], path: join(dir, 'db') });
    const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: dynamo.endpoint } });
    try {
      const events = new DynamoImageEventStore(clients.documents, 'events');
      const event = { eventId: 'e1', source: 's', detailType: 'ImageUploaded', occurredAt: '2025-01-01T00:00:00Z', detail: { a: 1 } };
      await events.append('img-1', 0, [event]);

      // A Query read to its end, and one stopped by its Limit before the end.
      const history = await events.load('img-1');
      await clients.documents.send(new (await import('@aws-sdk/lib-dynamodb')).ScanCommand({ TableName: 'events', Limit: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(history).toHaveLength(1);
      expect(opened.length).toBeGreaterThanOrEqual(2);
      // A closed iterator refuses to read; one left open would answer (the leak: it never closed).
      for (const iterator of opened) {
        await expect(iterator.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });
      }
    } finally {
      spies.forEach((spy) => spy.mockRestore());
      clients.destroy();
      await dynamo.stop();
    }
  });
});
