import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testImage } from '@imgpipe/image-ops/testing';
import {
  createAwsClients,
  DynamoImageReadModel,
  LOCAL_REGION,
  TABLES,
  type AwsClients,
} from '@imgpipe/platform';
import { EventArchive } from './bus/archive';
import type { BusEvent } from './bus/bus-event';
import { parseReplayTime, replayOnDataDir } from './replay';
import { dataLayout, startLocalRuntime, type LocalRuntime } from './runtime';
import { RuntimeClient } from './testing/http-client';

let runtime: LocalRuntime;
let dataDir: string;
let client: RuntimeClient;
let clients: AwsClients;
let imageId: string;
const seen: BusEvent[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-replay-'));
  runtime = await startLocalRuntime({ dataDir, port: 0, web: false, concurrency: 1 });
  runtime.onEvent((_bus, event) => seen.push(event));
  clients = createAwsClients({ region: LOCAL_REGION, endpoint: runtime.endpoints.dynamodb, credentials: runtime.credentials });
  client = await RuntimeClient.signIn(runtime.url, 'replayer');
  imageId = (await client.upload(await testImage('jpeg', { width: 400, height: 300 }), 'a.jpg', 'image/jpeg')).imageId;
  await client.waitForOutcome(imageId);
  await runtime.idle();
});

afterAll(async () => {
  clients?.destroy();
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const named = (type: string, replayName?: string) =>
  seen.filter((e) => e['detail-type'] === type && e['replay-name'] === replayName).length;

describe('replay of the bus archive', () => {
  it('re-publishes archived ImageUploaded, marked with the replay name, and the pipeline runs again without recording twice', async () => {
    const processedBefore = named('ImageProcessed');

    const result = await runtime.replay({ from: '-1h', detailTypes: ['ImageUploaded'], name: 'reprocess-all' });
    await runtime.idle();

    expect(result).toMatchObject({ replayName: 'reprocess-all', replayed: 1, byDetailType: { ImageUploaded: 1 } });
    expect(named('ImageUploaded', 'reprocess-all')).toBe(1);
    // The pipeline ran on the replayed upload and published its outcome again...
    expect(named('ImageProcessed')).toBe(processedBefore + 1);
    // ...which the history records once: the run's event ids are deterministic.
    const { history } = await client.image(imageId);
    expect(history.filter((e) => e.detailType === 'ImageProcessed')).toHaveLength(1);
  });

  it('does not archive replayed events', async () => {
    const uploads = [];
    for await (const archived of new EventArchive(dataLayout(dataDir).archive).read({ detailTypes: ['ImageUploaded'] })) {
      uploads.push(archived);
    }
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.event['replay-name']).toBeUndefined();
  });

  it('rebuilds a lost read-model record from the replayed events', async () => {
    const readModel = new DynamoImageReadModel(clients.documents, TABLES.imageMetadata.defaultName);
    const record = await readModel.get(imageId);
    if (!record) throw new Error('the image has no record');
    await readModel.remove({ imageId, uploadedAt: record.uploadedAt }, { expectedRevision: record.revision });
    expect((await client.image(imageId)).image).toBeNull();

    // Through the running runtime's replay endpoint, as the CLI does.
    const result = await replayOnDataDir({ dataDir, from: '-1h', detailTypes: ['ImageProcessed'] });
    await runtime.idle();

    // One archived: the reprocessing above published the same ImageProcessed (same eventId) again.
    expect(result).toMatchObject({ via: 'running', replayed: 1 });
    expect((await client.image(imageId)).image).toMatchObject({ imageId, status: 'processed' });
  });

  it('refuses an empty window and a time it cannot read', async () => {
    await expect(runtime.replay({ from: 'now', to: '-1h' })).rejects.toThrow(RangeError);
    await expect(runtime.replay({ from: 'yesterday-ish' })).rejects.toThrow(/not a time/);
    expect(parseReplayTime('-2h', new Date('2025-06-01T12:00:00Z')).toISOString()).toBe('2025-06-01T10:00:00.000Z');
  });
});
