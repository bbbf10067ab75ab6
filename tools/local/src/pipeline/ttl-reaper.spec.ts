import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLES } from '@imgpipe/platform';
import { LOCAL_REGION, startLocalDynamo, type LocalPeer } from '@imgpipe/platform/testing';
import { reapExpiredItems } from './ttl-reaper';

// Against dynalite through the real SDK, as the runtime uses it.
describe('reapExpiredItems (DynamoDB TTL for the local tables)', () => {
  let dynamo: LocalPeer;
  let documents: DynamoDBDocumentClient;
  const tables = [
    { definition: TABLES.uploadGrants, name: 'upload-grants' },
    { definition: TABLES.idempotency, name: 'idempotency' },
  ];
  const NOW = new Date('2025-06-10T00:00:00.000Z');
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tables: tables.map((t) => ({ definition: t.definition, name: t.name })) });
    documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials: dynamo.credentials }),
    );
  });
  afterAll(async () => {
    documents.destroy();
    await dynamo.stop();
  });

  it('deletes what expired (a grant naming the file, an idempotency record) and keeps what has not', async () => {
    const put = (TableName: string, Item: Record<string, unknown>) => documents.send(new PutCommand({ TableName, Item }));
    await put('upload-grants', { imageId: 'expired', key: 'uploads/alice/expired/holiday.jpg', expiresAt: seconds('2025-06-02T00:00:00Z') });
    await put('upload-grants', { imageId: 'live', key: 'uploads/alice/live/x.jpg', expiresAt: seconds('2025-06-11T00:00:00Z') });
    await put('idempotency', { id: 'compress#old', data: '{"originalKey":"uploads/alice/expired/holiday.jpg"}', expiration: seconds('2025-06-03T00:00:00Z') });

    const reaped = await reapExpiredItems(documents, tables, NOW);

    expect(reaped).toBe(2);
    const get = async (TableName: string, Key: Record<string, unknown>) => (await documents.send(new GetCommand({ TableName, Key }))).Item;
    expect(await get('upload-grants', { imageId: 'expired' })).toBeUndefined();
    expect(await get('idempotency', { id: 'compress#old' })).toBeUndefined();
    expect(await get('upload-grants', { imageId: 'live' })).toBeDefined();
    await expect(reapExpiredItems(documents, tables, NOW)).resolves.toBe(0);
  });
});
