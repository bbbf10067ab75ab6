import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  COMPRESSED_PREFIX,
  exampleEnvelope,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  THUMBNAILS_PREFIX,
  toEventBridgeEvent,
} from '@imgpipe/contracts';
import { testImage } from '@imgpipe/image-ops/testing';
import type { AwsClients } from '@imgpipe/platform';
import { RecordingEventPublisher } from '@imgpipe/platform/testing';
import {
  placeholderSubstitutions,
  polyfillPromiseWithResolvers,
  renderPipelineDefinition,
} from '@imgpipe/workflow';
import { PipelineRunner, type ExecutionOutcome } from '../pipeline/pipeline-runner';
import { createLocalServices, FileNotifier } from './local-services';
import { SPEC_BUCKETS, startServicesPeers, type ServicesPeers } from './services-peers.fixture';

polyfillPromiseWithResolvers();

const BUCKETS = SPEC_BUCKETS;

/**
 * The real `pipeline.asl.json` on the local interpreter, over the services exactly as the
 * local runtime mounts them (`createLocalServices`) on s3rver and dynalite. Only the
 * processed bucket's `thumbnails/` writes fail (an S3 outage the SDK reports, injected in
 * the SDK's own middleware stack): compress succeeds, thumbnail does not, and the Parallel
 * state's Catch cannot tell which branch failed. The failure must still be recorded as the
 * thumbnail's, as it is on AWS.
 */
describe('local services: a failure inside the Parallel state names its branch', () => {
  let peers: ServicesPeers;
  let clients: AwsClients;
  let logs: string;

  beforeAll(async () => {
    peers = await startServicesPeers('imgpipe-stage-');
    ({ clients, logs } = peers);
  });
  afterAll(() => peers.stop());

  it('records a thumbnail-only failure as ImageProcessingFailed with stage thumbnail', async () => {
    const publisher = new RecordingEventPublisher();
    const services = createLocalServices({
      // A set the thumbnail task makes whole (no `display` for compress, issue 13): every write under thumbnails/ is its.
      env: { ...peers.env(), RENDITION_SET: 'default' },
      clients,
      publisher,
      notifier: new FileNotifier(join(logs, 'notifications.jsonl')),
    });
    const failedKeys: string[] = [];
    clients.s3.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Bucket?: string; Key?: string };
        if (input.Bucket === BUCKETS.processed && input.Key?.startsWith(THUMBNAILS_PREFIX)) {
          failedKeys.push(input.Key);
          throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failThumbnailWrites' },
    );
    const bytes = await testImage('jpeg', { width: 64, height: 48 });
    const uploaded = exampleEnvelope(ImageUploadedV1, 'full');
    const data = {
      ...uploaded.data,
      original: { ...uploaded.data.original, bucket: BUCKETS.originals, size: bytes.length },
      format: 'jpeg' as const,
      width: 64,
      height: 48,
    };
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKETS.originals, Key: data.original.key, Body: bytes }));
    const machine = new StateMachine(renderPipelineDefinition(placeholderSubstitutions()), { validationOptions: { noValidate: true } });
    const outcomes: ExecutionOutcome[] = [];
    const runner = new PipelineRunner({
      machine,
      taskHandlers: services.taskHandlers,
      concurrency: 1,
      retryIntervalOverrides: { Compress: 0, Thumbnail: 0, RecordMetadata: 0, RecordFailure: 0 },
      onSettled: (outcome) => outcomes.push(outcome),
    });

    runner.submit('thumbnail-fails', toEventBridgeEvent(ImageUploadedV1, { ...uploaded, data }));
    await runner.idle();

    expect(failedKeys.length).toBeGreaterThan(0);
    const failures = publisher.published.filter((entry) => entry.detailType === ImageProcessingFailedV1.detailType);
    expect(failures).toHaveLength(1);
    const failure = ImageProcessingFailedV1.detail.parse(failures[0]?.detail);
    expect(failure.data).toMatchObject({
      imageId: data.imageId,
      stage: 'thumbnail',
      code: 'TRANSIENT_EXHAUSTED',
      errorName: 'DependencyError',
      retryable: true,
    });
    // Compress ran to the end: its variant is in the processed bucket.
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKETS.processed, Prefix: COMPRESSED_PREFIX }));
    expect(listed.KeyCount).toBeGreaterThan(0);
    expect(outcomes.map((o) => o.status)).toEqual(['failed']);
  }, 60_000);
});
