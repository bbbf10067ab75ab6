import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { testImage } from '@imgpipe/image-ops/testing';
import { projectImage } from '@imgpipe/metadata';
import { createAwsClients, DynamoImageReadModel, TABLES, type AwsClients } from '@imgpipe/platform';
import { LOCAL_REGION } from '@imgpipe/platform/testing';
import { EventArchive } from './bus/archive';
import type { BusEvent } from './bus/bus-event';
import { main } from './main';
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

/** The image an archived event is about: `data.imageId`, or the image segment of S3's key. */
function aboutImage(event: BusEvent, id: string): boolean {
  const detail = event.detail as { data?: { imageId?: unknown }; object?: { key?: unknown } };
  return detail.data?.imageId === id || (typeof detail.object?.key === 'string' && detail.object.key.split('/').includes(id));
}

async function archivedEvents(): Promise<BusEvent[]> {
  const events: BusEvent[] = [];
  for await (const archived of new EventArchive(dataLayout(dataDir).archive).read()) events.push(archived.event);
  return events;
}

describe('replay is idempotent and leaves deleted images alone', () => {
  let deletedId: string;

  beforeAll(async () => {
    deletedId = (await client.upload(await testImage('png-alpha', { width: 300, height: 200 }), 'to-delete.png', 'image/png')).imageId;
    await client.waitForOutcome(deletedId);
    const response = await fetch(`${runtime.url}/api/images/${deletedId}`, { method: 'DELETE', headers: { authorization: `Bearer ${client.token}` } });
    expect(response.ok).toBe(true);
    await runtime.idle();
  });

  it('skips every archived event of a deleted image, reports them, and regenerates nothing for it', async () => {
    const ofDeleted = (await archivedEvents()).filter((e) => aboutImage(e, deletedId));
    const historyBefore = await runtime.eventStore.load(deletedId);
    const seenBefore = seen.length;

    const result = await runtime.replay({ from: '-1h', name: 'after-delete' });
    await runtime.idle();

    expect(ofDeleted.length).toBeGreaterThanOrEqual(4);
    expect(result.skippedByReason).toEqual({ deleted: ofDeleted.length });
    expect(result.skipped).toBe(ofDeleted.length);
    // Nothing of the deleted image went round again: no replayed event, no event a run publishes.
    expect(seen.slice(seenBefore).filter((e) => aboutImage(e, deletedId))).toEqual([]);
    expect(await runtime.eventStore.load(deletedId)).toEqual(historyBefore);
    // The live image was replayed as before.
    expect(result.replayed).toBeGreaterThan(0);
    expect(seen.slice(seenBefore).some((e) => aboutImage(e, imageId) && e['replay-name'] === 'after-delete')).toBe(true);
  });

  it('stores each ImageUploaded exactly once after two replays of everything', async () => {
    await runtime.replay({ from: '-1h' });
    await runtime.idle();
    await runtime.replay({ from: '-1h' });
    await runtime.idle();

    const uploads = (await archivedEvents()).filter((e) => e['detail-type'] === 'ImageUploaded');
    expect(uploads.map((e) => (e.detail as { data: { imageId: string } }).data.imageId).sort()).toEqual([imageId, deletedId].sort());
    const eventIds = (await archivedEvents()).flatMap((e) => {
      const eventId = (e.detail as { eventId?: unknown }).eventId;
      return typeof eventId === 'string' ? [eventId] : [];
    });
    expect(new Set(eventIds).size).toBe(eventIds.length);
  });

  it('runs `npm start -- replay --from -1d` exactly as the README writes it, and says what it skipped', async () => {
    const printed: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await main(['replay', '--from', '-1d', '--detail-type', 'ImageUploaded', '--data-dir', dataDir]);
    } finally {
      stdout.mockRestore();
    }
    await runtime.idle();

    expect(code).toBe(0);
    expect(printed.join('')).toMatch(
      /^replay-\S+: replayed 1 event\(s\) from .+ \(1 ImageUploaded\); skipped 1 event\(s\) \(1 of deleted images\) via the running runtime\n$/,
    );
  });

  it('rebuilds a deleted image’s lost history through metadata alone: no pipeline run, and it stays deleted', async () => {
    // The event store lost the deleted image's history, as when the data directory's tables are lost.
    const lost = await runtime.eventStore.load(deletedId);
    for (const stored of lost) {
      await clients.documents.send(new DeleteCommand({ TableName: TABLES.imageEvents.defaultName, Key: { imageId: deletedId, sequence: stored.sequence } }));
    }
    expect(await runtime.eventStore.load(deletedId)).toEqual([]);
    const ofDeleted = (await archivedEvents()).filter((e) => aboutImage(e, deletedId));
    const seenBefore = seen.length;

    const result = await runtime.replay({ from: '-1h', name: 'rebuild' });
    await runtime.idle();

    const fromS3 = ofDeleted.filter((e) => e.source === 'aws.s3').length;
    expect(fromS3).toBeGreaterThan(0);
    expect(result.historyOnly).toBe(ofDeleted.length - fromS3);
    expect(result.skippedByReason).toEqual({ deleted: fromS3 });
    // Only the replayed copies went round: no run published anything for the image.
    expect(seen.slice(seenBefore).filter((e) => aboutImage(e, deletedId) && e['replay-name'] !== 'rebuild')).toEqual([]);
    const rebuilt = await runtime.eventStore.load(deletedId);
    expect(rebuilt.map((e) => e.detailType)).toEqual(expect.arrayContaining(['ImageUploaded', 'ImageDeleted']));
    expect(projectImage(rebuilt)?.status).toBe('deleted');
  });
});
