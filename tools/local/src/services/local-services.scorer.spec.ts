import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { EventBridgeEvent } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { exampleEnvelope, ImageUploadedV1, toEventBridgeEvent } from '@imgpipe/contracts';
import { probe } from '@imgpipe/image-ops';
import { inThreadScorer, type Ssimulacra2Scorer } from '@imgpipe/image-ops/scorer';
import { fixture } from '@imgpipe/image-ops/testing';
import { createAwsClients, TABLES, type AwsClients } from '@imgpipe/platform';
import { LOCAL_REGION, RecordingEventPublisher, startLocalDynamo, startLocalS3, type LocalPeer, type LocalS3 } from '@imgpipe/platform/testing';
import { EVENT_BUS_NAME, placeholderSubstitutions, polyfillPromiseWithResolvers, renderPipelineDefinition } from '@imgpipe/workflow';
import { PipelineRunner } from '../pipeline/pipeline-runner';
import { createLocalServices, FileNotifier } from './local-services';

polyfillPromiseWithResolvers();

const BUCKETS = { originals: 'originals', processed: 'processed' } as const;

/**
 * The scorer the runtime passes (`LocalServicesDeps.scorer`, a worker thread's in
 * bus-and-services.ts) reaches both places SSIMULACRA2 is scored: compress's quality search
 * with `COMPRESS_QUALITY=auto`, and the AVIF step after `ImageProcessed`. Without the wiring
 * both would score on the calling thread and this spy would count nothing.
 */
describe('local services: SSIMULACRA2 is scored by the scorer the runtime passes', () => {
  let s3: LocalS3;
  let dynamo: LocalPeer;
  let clients: AwsClients;
  let logs: string;

  beforeAll(async () => {
    [s3, dynamo, logs] = await Promise.all([
      startLocalS3({ buckets: Object.values(BUCKETS) }),
      startLocalDynamo({
        tables: [TABLES.imageMetadata, TABLES.imageEvents, TABLES.uploadGrants, TABLES.idempotency].map((definition) => ({
          definition,
          name: definition.defaultName,
        })),
      }),
      mkdtemp(join(tmpdir(), 'imgpipe-scorer-')),
    ]);
    clients = createAwsClients({ region: LOCAL_REGION, endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint }, credentials: s3.credentials });
  });
  afterAll(async () => {
    clients.destroy();
    await Promise.all([s3.stop(), dynamo.stop(), rm(logs, { recursive: true, force: true })]);
  });

  it('in the Compress task (COMPRESS_QUALITY=auto) and in the AVIF step', async () => {
    const prepared: string[] = [];
    let stage = 'compress';
    // A spy over the real metric: counts each original prepared, and by which step.
    const scorer: Ssimulacra2Scorer = {
      prepare: (original) => {
        prepared.push(stage);
        return inThreadScorer.prepare(original);
      },
    };
    const publisher = new RecordingEventPublisher();
    const services = createLocalServices({
      env: {
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        IMGPIPE_S3_ENDPOINT: s3.endpoint,
        IMGPIPE_DYNAMODB_ENDPOINT: dynamo.endpoint,
        ORIGINALS_BUCKET: BUCKETS.originals,
        PROCESSED_BUCKET: BUCKETS.processed,
        IMAGES_TABLE: TABLES.imageMetadata.defaultName,
        EVENTS_TABLE: TABLES.imageEvents.defaultName,
        GRANTS_TABLE: TABLES.uploadGrants.defaultName,
        IDEMPOTENCY_TABLE: TABLES.idempotency.defaultName,
        EVENT_BUS_NAME,
        NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:imgpipe-local-notifications',
        COMPRESS_QUALITY: 'auto',
      },
      clients,
      publisher,
      notifier: new FileNotifier(join(logs, 'notifications.jsonl')),
      scorer,
    });
    const bytes = fixture('photo-480x320.jpg');
    const facts = await probe(bytes);
    const uploaded = exampleEnvelope(ImageUploadedV1, 'full');
    const data = {
      ...uploaded.data,
      original: { ...uploaded.data.original, bucket: BUCKETS.originals, size: bytes.length },
      format: 'jpeg' as const,
      width: facts.width,
      height: facts.height,
    };
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKETS.originals, Key: data.original.key, Body: bytes }));
    const machine = new StateMachine(renderPipelineDefinition(placeholderSubstitutions()), { validationOptions: { noValidate: true } });
    const runner = new PipelineRunner({ machine, taskHandlers: services.taskHandlers, concurrency: 1 });

    runner.submit('scored', toEventBridgeEvent(ImageUploadedV1, { ...uploaded, data }));
    await runner.idle();
    stage = 'avif';
    const processed = publisher.published.find((entry) => entry.detailType === 'ImageProcessed');
    if (!processed) throw new Error(`no ImageProcessed: ${publisher.published.map((e) => e.detailType).join(', ')}`);
    const detail: unknown = typeof processed.detail === 'string' ? JSON.parse(processed.detail) : processed.detail;
    const event = {
      version: '0',
      id: 'avif-1',
      'detail-type': processed.detailType,
      source: processed.source,
      account: '000000000000',
      time: new Date().toISOString(),
      region: LOCAL_REGION,
      resources: [],
      detail,
    } as EventBridgeEvent<string, unknown>;
    const result = await services.addAvifVariant(event);

    expect(prepared.filter((s) => s === 'compress').length).toBeGreaterThanOrEqual(1);
    expect(prepared.filter((s) => s === 'avif').length).toBeGreaterThanOrEqual(1);
    expect(['added', 'skipped']).toContain(result.status);
  }, 120_000);
});
