import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients } from '../aws/clients';
import { DynamoImageEventStore } from '../aws/dynamo-image-event-store.adapter';
import { S3ObjectStore } from '../aws/s3-object-store.adapter';
import { PROCESSING_INDEX, TABLES, USER_ID_INDEX } from '../tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalDynamo, startLocalS3 } from './local-peers';

const clientsFor = (endpoints: { s3?: string; dynamodb?: string }) =>
  createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints });

describe('local peers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-peers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the tables from their definitions, GSI included', async () => {
    const dynamo = await startLocalDynamo({ tables: [{ definition: TABLES.imageMetadata, name: 'images' }] });
    const clients = clientsFor({ dynamodb: dynamo.endpoint });
    try {
      const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'images' }));

      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'imageId', KeyType: 'HASH' },
        { AttributeName: 'uploadedAt', KeyType: 'RANGE' },
      ]);
      expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
        [USER_ID_INDEX, 'ALL'],
        [PROCESSING_INDEX, 'KEYS_ONLY'],
      ]);
    } finally {
      clients.destroy();
      await dynamo.stop();
    }
  });

  it('resolves only once its tables are ACTIVE, however late dynalite writes them so', async () => {
    // dynalite marks a new table ACTIVE from a 0 ms timer and a LevelDB put; under load that lands
    // after the CreateTable answer. Delaying those timers reproduces it every time.
    const realSetTimeout = global.setTimeout;
    const slow = jest
      .spyOn(global, 'setTimeout')
      .mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
        realSetTimeout(callback, ms === 0 || ms === undefined ? 150 : ms, ...args)) as typeof setTimeout);
    let dynamo: Awaited<ReturnType<typeof startLocalDynamo>> | undefined;
    try {
      dynamo = await startLocalDynamo({ tables: [{ definition: TABLES.imageEvents, name: 'events' }], path: join(dir, 'db') });
    } finally {
      slow.mockRestore();
    }
    const clients = clientsFor({ dynamodb: dynamo.endpoint });
    try {
      const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'events' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      await expect(new DynamoImageEventStore(clients.documents, 'events').load('img-1')).resolves.toEqual([]);
    } finally {
      clients.destroy();
      await dynamo.stop();
    }
  });

  it('keeps objects and table items on disk across a restart', async () => {
    const tables = [{ definition: TABLES.imageEvents, name: 'events' }];
    const event = { eventId: 'e1', source: 's', detailType: 'ImageUploaded', occurredAt: '2025-01-01T00:00:00Z', detail: { a: 1 } };

    let s3 = await startLocalS3({ buckets: ['originals'], directory: join(dir, 's3') });
    let dynamo = await startLocalDynamo({ tables, path: join(dir, 'db') });
    let clients = clientsFor({ s3: s3.endpoint, dynamodb: dynamo.endpoint });
    await new S3ObjectStore(clients.s3).put({ bucket: 'originals', key: 'k', body: new Uint8Array([1, 2]), contentType: 'image/png' });
    await new DynamoImageEventStore(clients.documents, 'events').append('img-1', 0, [event]);
    clients.destroy();
    await Promise.all([s3.stop(), dynamo.stop()]);

    s3 = await startLocalS3({ buckets: ['originals'], directory: join(dir, 's3') });
    dynamo = await startLocalDynamo({ tables, path: join(dir, 'db') });
    clients = clientsFor({ s3: s3.endpoint, dynamodb: dynamo.endpoint });
    try {
      const object = await new S3ObjectStore(clients.s3).get({ bucket: 'originals', key: 'k' });
      const history = await new DynamoImageEventStore(clients.documents, 'events').load('img-1');

      expect([...object.body]).toEqual([1, 2]);
      expect(history).toEqual([{ ...event, imageId: 'img-1', sequence: 1 }]);
    } finally {
      clients.destroy();
      await Promise.all([s3.stop(), dynamo.stop()]);
    }
  });

  it('listens on loopback on a free port each time', async () => {
    const [a, b] = await Promise.all([startLocalS3(), startLocalS3()]);
    try {
      expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.port).not.toBe(b.port);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
