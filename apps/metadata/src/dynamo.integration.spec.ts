import type { EventBridgeEvent } from 'aws-lambda';
import { DeleteCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  createAwsClients,
  DynamoImageEventStore,
  DynamoImageReadModel,
  imageEventsTable,
  imageMetadataTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  ManualClock,
  RecordingEventPublisher,
  startLocalDynamo,
  type AwsClients,
  type LocalPeer,
} from '@imgpipe/platform';
import { createAppendAndProject } from './append-and-project.use-case';
import { loadMetadataConfig } from './config';
import { createOnPipelineEventHandler } from './handlers/on-pipeline-event.handler';
import { createRebuildReadModelHandler } from './handlers/rebuild-read-model.handler';
import { createRecordFailureHandler } from './handlers/record-failure.handler';
import { createRecordMetadataHandler } from './handlers/record-metadata.handler';
import { createAwsMetadataDependencies, createMetadataService } from './metadata-service';
import { projectImage, type ImageMetadata } from './projection';
import { failureEvent, IMAGE_ID, readSampleEvent, runLivePath, successfulRun, uploaded } from './testing/fixtures';

// The real SDK adapters against dynalite (a DynamoDB-compatible server on loopback), the
// tables created from the same definitions the CDK app declares.

const TABLES = { events: 'it-image-events', images: 'it-image-metadata' };

let dynamo: LocalPeer;
let clients: AwsClients;

beforeAll(async () => {
  dynamo = await startLocalDynamo({
    tables: [
      { definition: imageEventsTable, name: TABLES.events },
      { definition: imageMetadataTable, name: TABLES.images },
    ],
  });
  clients = createAwsClients({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  clients?.destroy();
  await dynamo?.stop();
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
    IMAGES_TABLE: TABLES.images,
    EVENTS_TABLE: TABLES.events,
    EVENT_BUS_NAME: 'imgpipe',
    ...extraEnv,
  });
  expect(config.aws.endpoints?.dynamodb).toBe(dynamo.endpoint);
  const clock = new ManualClock('2025-06-01T12:00:01.500Z');
  const publisher = new RecordingEventPublisher();
  const service = createMetadataService({ ...createAwsMetadataDependencies(config, clients), clock, publisher });
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
    const processed = await handlers.record(readSampleEvent('record-metadata'));
    const failed = await handlers.recordFailure(failing);
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
      expect(record).toEqual(projectImage(await historyOf(String(record['imageId']))));
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
});
