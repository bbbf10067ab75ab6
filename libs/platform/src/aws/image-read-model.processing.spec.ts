import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { newId } from '../ids';
import type { ImageReadModel, ImageRecord, ProcessingRecordKey } from '../ports/image-read-model.port';
import { InMemoryImageReadModel } from '../ports/in-memory-image-read-model';
import { PROCESSING_INDEX } from '../tables';
import { TABLE_NAMES, useLocalAws } from '../testing/local-aws.spec-helper';
import { DynamoImageReadModel, processingShardOf } from './dynamo-image-read-model.adapter';

const local = useLocalAws();

interface Projection {
  status: string;
  updatedAt: string;
}
type Rec = ImageRecord<Projection>;

const record = (userId: string, status: string, updatedAt: string): Rec => ({
  imageId: newId(),
  userId,
  uploadedAt: '2025-05-01T00:00:00.000Z',
  revision: 1,
  status,
  updatedAt,
});

async function listed(model: ImageReadModel<Projection>, instant: string, ids: ReadonlySet<string>): Promise<ProcessingRecordKey[]> {
  const found: ProcessingRecordKey[] = [];
  for await (const key of model.listProcessingBefore(instant)) if (ids.has(key.imageId)) found.push(key);
  return found.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
}

describe.each([
  ['DynamoImageReadModel (local DynamoDB)', () => new DynamoImageReadModel<Projection>(local.clients.documents, TABLE_NAMES.images)],
  ['InMemoryImageReadModel', () => new InMemoryImageReadModel<Projection>()],
])('%s listProcessingBefore', (_name, make: () => ImageReadModel<Projection>) => {
  it('lists the records still processing since before an instant, and drops one as soon as it leaves processing', async () => {
    const model = make();
    const userId = `user-${newId()}`;
    const old = record(userId, 'processing', '2025-05-01T00:01:00.000Z');
    const older = record(userId, 'processing', '2025-05-01T00:00:30.000Z');
    const recent = record(userId, 'processing', '2025-05-01T00:30:00.000Z');
    const done = record(userId, 'processed', '2025-05-01T00:00:10.000Z');
    const deleted = record(userId, 'deleted', '2025-05-01T00:00:20.000Z');
    const all = [old, older, recent, done, deleted];
    for (const r of all) await model.put(r, { expectedRevision: 0 });
    const ids = new Set(all.map((r) => r.imageId));

    expect(await listed(model, '2025-05-01T00:10:00.000Z', ids)).toEqual([
      { imageId: older.imageId, uploadedAt: older.uploadedAt, updatedAt: older.updatedAt },
      { imageId: old.imageId, uploadedAt: old.uploadedAt, updatedAt: old.updatedAt },
    ]);

    await model.put({ ...old, revision: 2, status: 'failed', updatedAt: '2025-05-01T00:11:00.000Z' }, { expectedRevision: 1 });
    expect((await listed(model, '2025-05-02T00:00:00.000Z', ids)).map((k) => k.imageId).sort()).toEqual([older.imageId, recent.imageId].sort());
    // The index's bookkeeping never reaches a reader.
    await expect(model.get(older.imageId)).resolves.toEqual(older);
  });
});

describe('the processing index on DynamoDB', () => {
  it('is sparse: only a processing record is in it, under its shard', async () => {
    const model = new DynamoImageReadModel<Projection>(local.clients.documents, TABLE_NAMES.images);
    const userId = `user-${newId()}`;
    const inFlight = record(userId, 'processing', '2025-05-01T00:00:00.000Z');
    const done = record(userId, 'processed', '2025-05-01T00:00:00.000Z');
    await model.put(inFlight, { expectedRevision: 0 });
    await model.put(done, { expectedRevision: 0 });

    const shardOf = async (r: Rec) => {
      const out = await local.clients.documents.send(
        new QueryCommand({
          TableName: TABLE_NAMES.images,
          IndexName: PROCESSING_INDEX,
          KeyConditionExpression: 'processingShard = :s',
          ExpressionAttributeValues: { ':s': processingShardOf(r.imageId) },
        }),
      );
      return (out.Items ?? []).filter((i) => i['imageId'] === r.imageId).length;
    };
    expect(await shardOf(inFlight)).toBe(1);
    expect(await shardOf(done)).toBe(0);
  });
});
