import type { EventBridgeEvent } from 'aws-lambda';
import { DeleteCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { nameSearchKey } from '@imgpipe/contracts/views';
import {
  createAwsClients,
  DynamoImageEventStore,
  DynamoImageReadModel,
  imageEventsTable,
  imageMetadataTable,
  S3ObjectStore,
  type AwsClients,
} from '@imgpipe/platform';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  ManualClock,
  RecordingEventPublisher,
  startLocalDynamo,
  startLocalS3,
  type LocalPeer,
  type LocalS3,
} from '@imgpipe/platform/testing';
import { createEnvelope, DEFAULT_UNDO_WINDOW_SECONDS, ImageDeletedV2, ThumbnailsGeneratedV3, toEventBridgeEvent, type EnvelopeOf } from '@imgpipe/contracts';
import { createAppendAndProject } from './append-and-project.use-case';
import { loadMetadataConfig } from './config';
import { createOnPipelineEventHandler } from './handlers/on-pipeline-event.adapter';
import { createRebuildReadModelHandler } from './handlers/rebuild-read-model.adapter';
import { createRecordFailureHandler } from './handlers/record-failure.adapter';
import { createRecordMetadataHandler } from './handlers/record-metadata.adapter';
import { awsMetadataPorts } from './metadata.composition';
import { createMetadataService } from './metadata-service';
import { projectImage, type ImageMetadata } from './projection';
import { toNewImageEvent } from './stored-events';
import {
  BUCKETS,
  compressed,
  failureEvent,
  IMAGE_ID,
  readSampleEvent,
  recorded,
  runLivePath,
  successfulRun,
  thumbnails,
  uploaded,
} from './testing/fixtures';

// The real SDK adapters against dynalite (a DynamoDB-compatible server on loopback), the
// tables created from the same definitions the CDK app declares, and s3rver for the buckets.

const TABLES = { events: 'it-image-events', images: 'it-image-metadata' };

let dynamo: LocalPeer;
let s3: LocalS3;
let clients: AwsClients;

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([
    startLocalDynamo({
      tables: [
        { definition: imageEventsTable, name: TABLES.events },
        { definition: imageMetadataTable, name: TABLES.images },
      ],
    }),
    startLocalS3({ buckets: Object.values(BUCKETS) }),
  ]);
  clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { dynamodb: dynamo.endpoint, s3: s3.endpoint },
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  clients?.destroy();
  await Promise.all([dynamo?.stop(), s3?.stop()]);
});

afterEach(async () => {
  await wipe(TABLES.images, ['imageId', 'uploadedAt']);
  await wipe(TABLES.events, ['imageId', 'sequence']);
});

/** Every item of a table, in key order. */
async function scan(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await clients.documents.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => String(a['imageId']).localeCompare(String(b['imageId'])));
}

async function wipe(table: string, key: [string, string]): Promise<void> {
  for (const item of await scan(table)) {
    await clients.documents.send(new DeleteCommand({ TableName: table, Key: { [key[0]]: item[key[0]], [key[1]]: item[key[1]] } }));
  }
}

/** The service on the real adapters, configured from the environment a function gets. */
function awsService(extraEnv: Record<string, string> = {}) {
  const config = loadMetadataConfig({
    AWS_REGION: LOCAL_REGION,
    IMGPIPE_DYNAMODB_ENDPOINT: dynamo.endpoint,
    IMGPIPE_S3_ENDPOINT: s3.endpoint,
    ORIGINALS_BUCKET: BUCKETS.originals,
    PROCESSED_BUCKET: BUCKETS.processed,
    IMAGES_TABLE: TABLES.images,
    EVENTS_TABLE: TABLES.events,
    EVENT_BUS_NAME: 'imgpipe',
    ...extraEnv,
  });
  expect(config.aws.endpoints?.dynamodb).toBe(dynamo.endpoint);
  const clock = new ManualClock('2025-06-01T12:00:01.500Z');
  const publisher = new RecordingEventPublisher();
  const service = createMetadataService({
    ...awsMetadataPorts(config, clients),
    buckets: config.buckets,
    projection: config.projection,
    maxAttempts: config.maxAttempts,
    clock,
    publisher,
  });
  return { service, clock, publisher, config };
}

function historyOf(imageId: string) {
  return new DynamoImageEventStore(clients.documents, TABLES.events).load(imageId);
}

describe('metadata on DynamoDB (dynalite)', () => {
  it('the handlers record the sample events; a wipe and rebuild reproduce the table exactly', async () => {
    const { service, clock } = awsService();
    const handlers = {
      onPipelineEvent: createOnPipelineEventHandler(() => service),
      record: createRecordMetadataHandler(() => service),
      recordFailure: createRecordFailureHandler(() => service),
      rebuild: createRebuildReadModelHandler(() => service),
    };
    const failing = readSampleEvent('record-failure') as { uploaded: typeof uploaded };
    failing.uploaded = { ...failing.uploaded, imageId: 'img-sample-failure' };

    await handlers.onPipelineEvent(readSampleEvent('on-pipeline-event') as EventBridgeEvent<string, unknown>);
    const processed = recorded(await handlers.record(readSampleEvent('record-metadata')));
    const failed = recorded(await handlers.recordFailure(failing));
    await runLivePath(service, clock);
    const live = await scan(TABLES.images);

    expect(processed.detail.data.imageId).toBe(IMAGE_ID);
    expect(failed.detail.data).toMatchObject({ imageId: 'img-sample-failure', code: 'CORRUPT' });
    expect(live.map((r) => [r['imageId'], r['status']])).toEqual([
      [IMAGE_ID, 'processed'],
      ['img-refused', 'deleted'],
      ['img-sample-failure', 'failed'],
      ['img-second', 'failed'],
    ]);
    for (const record of live) {
      // The item is the projection plus the name search's key the adapter stores beside it.
      const { nameSearch, ...projected } = record;
      expect(projected).toEqual(projectImage(await historyOf(String(record['imageId']))));
      expect(nameSearch).toBe(nameSearchKey(String(record['originalKey']).split('/').at(-1) ?? ''));
    }

    await wipe(TABLES.images, ['imageId', 'uploadedAt']);
    expect(await scan(TABLES.images)).toEqual([]);
    const rebuilt = await handlers.rebuild({});

    expect(rebuilt).toEqual({ images: 4, rebuilt: 4, unchanged: 0, failed: [] });
    expect(await scan(TABLES.images)).toEqual(live);
    // The sample upload, the record task's events and the live path's second delivery of the upload.
    expect(await handlers.rebuild({ imageId: IMAGE_ID })).toEqual({ imageId: IMAGE_ID, outcome: 'unchanged', revision: 5 });
  });

  it('a duplicated event is stored once: history and record unchanged', async () => {
    const { service } = awsService();
    const onPipelineEvent = createOnPipelineEventHandler(() => service);
    const event = readSampleEvent('on-pipeline-event') as EventBridgeEvent<string, unknown>;
    await onPipelineEvent(event);
    const history = await historyOf(IMAGE_ID);
    const table = await scan(TABLES.images);

    const again = await onPipelineEvent(event);

    expect(again.duplicate).toBe(true);
    expect(await historyOf(IMAGE_ID)).toEqual(history);
    expect(await scan(TABLES.images)).toEqual(table);
  });

  it('concurrent writers to one image all land: conditional writes conflict, the losers reload and retry', async () => {
    const events = new DynamoImageEventStore(clients.documents, TABLES.events);
    const readModel = new DynamoImageReadModel<ImageMetadata>(clients.documents, TABLES.images);
    const writer = () => createAppendAndProject({ events, readModel, maxAttempts: 10 });
    const [upload] = successfulRun();
    await writer()(IMAGE_ID, [upload]);
    const codes = ['CORRUPT', 'TOO_LARGE', 'EMPTY', 'TOO_MANY_FRAMES'] as const;
    const competing = codes.map((code) => failureEvent({ code }));

    const results = await Promise.all(competing.map((event) => writer()(IMAGE_ID, [event])));

    const history = await historyOf(IMAGE_ID);
    expect(history.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(history.map((e) => e.eventId))).toEqual(new Set([upload.eventId, ...competing.map((e) => e.eventId)]));
    expect(Math.max(...results.map((r) => r.attempts))).toBeGreaterThan(1);
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(history));
    expect((await readModel.get(IMAGE_ID))?.revision).toBe(5);
  });

  it('a put at the expected revision that finds no item under its key reads the record and replaces it: one item, never two', async () => {
    const events = new DynamoImageEventStore(clients.documents, TABLES.events);
    const readModel = new DynamoImageReadModel<ImageMetadata>(clients.documents, TABLES.images);
    const appendAndProject = createAppendAndProject({ events, readModel });
    const [upload, compression, thumbnailsGenerated] = successfulRun();
    await appendAndProject(IMAGE_ID, [upload]);
    // An older projection keyed the record by another upload time.
    const current = await readModel.get(IMAGE_ID);
    if (!current) throw new Error('expected the upload to be projected');
    await readModel.remove(current, { expectedRevision: 1 });
    await readModel.put({ ...current, uploadedAt: '2025-06-01T11:59:59.000Z' }, { expectedRevision: 0 });
    // And a writer appended without projecting (it failed before its put).
    await events.append(IMAGE_ID, 1, [compression]);

    const result = await appendAndProject(IMAGE_ID, [thumbnailsGenerated]);

    const history = await historyOf(IMAGE_ID);
    expect(result).toMatchObject({ attempts: 1, projected: true });
    expect((await scan(TABLES.images)).map((item) => [item['uploadedAt'], item['revision']])).toEqual([[current.uploadedAt, 3]]);
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(history));
  });

  it('the bus delivery of a recorded ThumbnailsGenerated changes nothing on DynamoDB', async () => {
    const { service, publisher } = awsService();
    await service.recordThumbnails({ uploaded, thumbnails, correlationId: 'corr-1' });
    const history = await historyOf(IMAGE_ID);
    const table = await scan(TABLES.images);
    const entry = publisher.published[0] as { detail: EnvelopeOf<typeof ThumbnailsGeneratedV3> };

    const again = await service.recordPipelineEvent(toEventBridgeEvent(ThumbnailsGeneratedV3, entry.detail));

    expect(again).toMatchObject({ duplicate: true, revision: history.length });
    expect(await historyOf(IMAGE_ID)).toEqual(history);
    expect(await scan(TABLES.images)).toEqual(table);
  });

  it('writes the TTL from the retention and lists the record through the user-id-index', async () => {
    const { service } = awsService({ RETENTION_DAYS: '30' });
    await service.appendAndProject(IMAGE_ID, successfulRun());

    const [item] = await scan(TABLES.images);
    const byUser = await clients.documents.send(
      new QueryCommand({
        TableName: TABLES.images,
        IndexName: 'user-id-index',
        KeyConditionExpression: 'userId = :u',
        ExpressionAttributeValues: { ':u': uploaded.userId },
      }),
    );

    expect(item?.['expiresAt']).toBe(Date.parse(uploaded.uploadedAt) / 1000 + 30 * 86_400);
    expect(byUser.Items?.map((i) => i['imageId'])).toEqual([IMAGE_ID]);
  });

  it('a deleted image stays deleted through late work, a wipe and a rebuild', async () => {
    const { service } = awsService();
    const [upload, compression, renditions, done] = successfulRun();
    await service.appendAndProject(IMAGE_ID, [upload, compression]);
    await service.recordPipelineEvent(toEventBridgeEvent(ImageDeletedV2, deletion));
    // The run finishes after the delete: the record task discards it, late events change nothing.
    await expect(service.recordMetadata({ uploaded, results: [compressed, thumbnails] })).resolves.toMatchObject({ discarded: true });
    await service.appendAndProject(IMAGE_ID, [renditions, done]);
    const live = await scan(TABLES.images);

    await wipe(TABLES.images, ['imageId', 'uploadedAt']);
    await service.rebuildAll();

    expect(live.map((r) => r['status'])).toEqual(['deleted']);
    expect(await scan(TABLES.images)).toEqual(live);
  });

  it('purges a deleted image over DynamoDB and S3: original erased, history redacted, tombstone written', async () => {
    const { service } = awsService();
    const store = new S3ObjectStore(clients.s3);
    const body = new Uint8Array([1, 2, 3]);
    await store.put({ bucket: BUCKETS.originals, key: uploaded.original.key, body, contentType: 'image/jpeg' });
    await store.put({ bucket: BUCKETS.processed, key: compressed.compressedKey, body, contentType: 'image/webp' });
    await service.appendAndProject(IMAGE_ID, [...successfulRun(), toNewImageEvent(ImageDeletedV2, deletion)]);

    const result = await service.purgeDeletedImages({ now: new Date('2025-06-10T00:00:00.000Z') });
    const again = await service.purgeDeletedImages({ now: new Date('2025-06-10T01:00:00.000Z') });

    expect(result).toEqual({ purged: [{ imageId: IMAGE_ID, purgedKeys: 2 }], skipped: [], failed: [] });
    expect(again.purged).toEqual([]);
    await expect(store.list(BUCKETS.originals, `uploads/${uploaded.userId}/${IMAGE_ID}/`)).resolves.toEqual([]);
    await expect(store.list(BUCKETS.processed, `compressed/${uploaded.userId}/${IMAGE_ID}/`)).resolves.toEqual([]);
    const history = await historyOf(IMAGE_ID);
    expect(JSON.stringify(history)).not.toContain(uploaded.original.filename);
    expect(history.at(-1)?.detailType).toBe('ImagePurged');
    const [tombstone] = await scan(TABLES.images);
    expect(tombstone).toEqual(projectImage(history, { undoWindowSeconds: DEFAULT_UNDO_WINDOW_SECONDS }));
    expect(tombstone).toMatchObject({ status: 'deleted', purgedAt: '2025-06-10T00:00:00.000Z' });
    expect(tombstone).not.toHaveProperty('originalKey');
  });
});

const deletion = createEnvelope(
  ImageDeletedV2,
  {
    imageId: IMAGE_ID,
    userId: uploaded.userId,
    deletedKeys: [],
    deletedAt: '2025-06-02T00:00:00.000Z',
    undoUntil: '2025-06-09T00:00:00.000Z',
  },
  { correlationId: 'corr-delete', eventId: '7d3c1b2a-0000-4000-8000-000000000001', occurredAt: '2025-06-02T00:00:00.000Z' },
);

