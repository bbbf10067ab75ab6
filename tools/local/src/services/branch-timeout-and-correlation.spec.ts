import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { exampleEnvelope, ImageProcessingFailedV1, ImageUploadedV1, THUMBNAILS_PREFIX, toEventBridgeEvent } from '@imgpipe/contracts';
import { testImage } from '@imgpipe/image-ops/testing';
import { awsMetadataPorts, loadMetadataConfig } from '@imgpipe/metadata';
import type { AwsClients, Env } from '@imgpipe/platform';
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

/*
 * The real `pipeline.asl.json` on the local interpreter, over the services as the local
 * runtime mounts them (`createLocalServices`) on s3rver and dynalite:
 * - compress and thumbnail get the run's correlation id from the definition and put it on
 *   their log lines;
 * - a thumbnail that times out (no code runs to say which branch it was) is recorded as the
 *   thumbnail's: the branch names itself. Only the Thumbnail state's TimeoutSeconds is cut
 *   (25 s -> 1 s) to keep the test short; the thumbnail writes are held past it.
 */
describe('local services on the real definition: correlation id and a timed-out branch', () => {
  let peers: ServicesPeers;
  let clients: AwsClients;
  let logs: string;
  let env: Env;

  beforeAll(async () => {
    peers = await startServicesPeers('imgpipe-branch-');
    ({ clients, logs } = peers);
    // A set the thumbnail task makes whole (no `display` for compress, issue 13): every write under thumbnails/ is its.
    env = { ...peers.env(), RENDITION_SET: 'default' };
  });
  afterAll(() => peers.stop());

  /** An ImageUploaded event for a fresh image whose original (a small JPEG) is stored. */
  async function uploadedEvent(imageId: string, correlationId: string) {
    const bytes = await testImage('jpeg', { width: 64, height: 48 });
    const example = exampleEnvelope(ImageUploadedV1, 'full');
    const key = example.data.original.key.replace(example.data.imageId, imageId);
    const data = {
      ...example.data,
      imageId,
      original: { ...example.data.original, bucket: BUCKETS.originals, key, size: bytes.length },
      format: 'jpeg' as const,
      width: 64,
      height: 48,
    };
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKETS.originals, Key: key, Body: bytes }));
    return { data, event: toEventBridgeEvent(ImageUploadedV1, { ...example, correlationId, data }) };
  }

  async function run(definition: ReturnType<typeof renderPipelineDefinition>, publisher: RecordingEventPublisher, input: unknown) {
    const services = createLocalServices({ env, clients, publisher, notifier: new FileNotifier(join(logs, 'notifications.jsonl')) });
    const outcomes: ExecutionOutcome[] = [];
    const runner = new PipelineRunner({
      machine: new StateMachine(definition, { validationOptions: { noValidate: true } }),
      taskHandlers: services.taskHandlers,
      concurrency: 1,
      retryIntervalOverrides: { Compress: 0, Thumbnail: 0, RecordMetadata: 0, RecordFailure: 0 },
      onSettled: (outcome) => outcomes.push(outcome),
    });
    runner.submit('run', input);
    await runner.idle();
    return outcomes;
  }

  it('puts the upload’s correlationId (and imageId) on the compress and thumbnail log lines', async () => {
    const correlationId = 'corr-branch-logs-1';
    const { data, event } = await uploadedEvent('01J0BRANCHLOGS00000000000A', correlationId);
    const lines: Array<Record<string, unknown>> = [];
    const capture = (chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a JSON log line
        }
      }
      return true;
    };
    const spies = [process.stdout, process.stderr].map((s: Writable) => jest.spyOn(s, 'write').mockImplementation(capture));
    let outcomes: ExecutionOutcome[];
    try {
      outcomes = await run(renderPipelineDefinition(placeholderSubstitutions()), new RecordingEventPublisher(), event);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }

    expect(outcomes.map((o) => o.status)).toEqual(['succeeded']);
    // The branches run at once over one shared logger: each line names its own function.
    for (const [message, stage] of [['image compressed', 'compress'], ['thumbnails generated', 'thumbnail']] as const) {
      expect(lines.find((l) => l['message'] === message)).toMatchObject({ imageId: data.imageId, correlationId, function_name: `imgpipe-local-${stage}` });
    }
  }, 60_000);

  it('records a thumbnail that times out as failed, code TIMED_OUT, stage thumbnail (compress having succeeded)', async () => {
    const definition = renderPipelineDefinition(placeholderSubstitutions());
    const thumbnailState = (definition.States['ProcessImage'] as unknown as { Branches: { States: Record<string, { TimeoutSeconds: number }> }[] })
      .Branches[1]?.States['Thumbnail'];
    if (!thumbnailState) throw new Error('the definition has no Thumbnail state in its second branch');
    thumbnailState.TimeoutSeconds = 1;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const middleware = 'holdThumbnailWrites';
    clients.s3.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Bucket?: string; Key?: string };
        if (input.Bucket === BUCKETS.processed && input.Key?.startsWith(THUMBNAILS_PREFIX)) {
          await held; // past the state's timeout; then refused, so nothing is written late
          throw Object.assign(new Error('held by the test'), { name: 'InternalError' });
        }
        return next(args);
      },
      { step: 'initialize', name: middleware },
    );
    const publisher = new RecordingEventPublisher();
    const correlationId = 'corr-branch-timeout-1';
    const { data, event } = await uploadedEvent('01J0BRANCHTIMEOUT000000000A', correlationId);
    let outcomes: ExecutionOutcome[];
    try {
      outcomes = await run(definition, publisher, event);
    } finally {
      release();
      clients.s3.middlewareStack.remove(middleware);
    }

    expect(outcomes.map((o) => o.status)).toEqual(['failed']);
    const failures = publisher.published.filter((entry) => entry.detailType === ImageProcessingFailedV1.detailType);
    expect(failures).toHaveLength(1);
    const failure = ImageProcessingFailedV1.detail.parse(failures[0]?.detail);
    expect(failure).toMatchObject({
      correlationId,
      data: { imageId: data.imageId, stage: 'thumbnail', code: 'TIMED_OUT', errorName: 'States.Timeout', retryable: true },
    });
    const record = await awsMetadataPorts(loadMetadataConfig(env), clients).readModel.get(data.imageId);
    expect(record).toMatchObject({ status: 'failed', failure: { code: 'TIMED_OUT', stage: 'thumbnail' } });
  }, 60_000);
});
