import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { EventBridgeEvent } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { exampleEnvelope, ImageUploadedV1, toEventBridgeEvent } from '@imgpipe/contracts';
import { probe } from '@imgpipe/image-ops';
import { inThreadScorer, type Ssimulacra2Scorer } from '@imgpipe/image-ops/scorer';
import { fixture } from '@imgpipe/image-ops/testing';
import { LOCAL_REGION, RecordingEventPublisher } from '@imgpipe/platform/testing';
import { placeholderSubstitutions, polyfillPromiseWithResolvers, renderPipelineDefinition } from '@imgpipe/workflow';
import { PipelineRunner } from '../pipeline/pipeline-runner';
import { createLocalServices, FileNotifier } from './local-services';
import { SPEC_BUCKETS, startServicesPeers, type ServicesPeers } from './services-peers.fixture';

polyfillPromiseWithResolvers();

/**
 * The scorer the runtime passes (`LocalServicesDeps.scorer`, a worker thread's in
 * bus-and-services.ts) reaches both places SSIMULACRA2 is scored: compress's quality search
 * with `COMPRESS_QUALITY=auto`, and the AVIF step after `ImageProcessed`. Without the wiring
 * both would score on the calling thread and this spy would count nothing.
 */
describe('local services: SSIMULACRA2 is scored by the scorer the runtime passes', () => {
  let peers: ServicesPeers;

  beforeAll(async () => {
    peers = await startServicesPeers('imgpipe-scorer-');
  });
  afterAll(() => peers.stop());

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
      env: peers.env({ COMPRESS_QUALITY: 'auto' }),
      clients: peers.clients,
      publisher,
      notifier: new FileNotifier(join(peers.logs, 'notifications.jsonl')),
      scorer,
    });
    const bytes = fixture('photo-480x320.jpg');
    const facts = await probe(bytes);
    const uploaded = exampleEnvelope(ImageUploadedV1, 'full');
    const data = {
      ...uploaded.data,
      original: { ...uploaded.data.original, bucket: SPEC_BUCKETS.originals, size: bytes.length },
      format: 'jpeg' as const,
      width: facts.width,
      height: facts.height,
    };
    await peers.clients.s3.send(new PutObjectCommand({ Bucket: SPEC_BUCKETS.originals, Key: data.original.key, Body: bytes }));
    // What is under test is where SSIMULACRA2 is scored, not how fast: under jest (transpiled code, one
    // libvips thread) compress's two auto searches and the rendition set's display take 13-17 s on an
    // idle machine, and a loaded CI passed the state's 25 s. Its timeout is lifted here, as
    // branch-timeout-and-correlation.spec.ts lowers the Thumbnail state's.
    const definition = renderPipelineDefinition(placeholderSubstitutions());
    const compressState = (definition.States['ProcessImage'] as unknown as { Branches: { States: Record<string, { TimeoutSeconds: number }> }[] })
      .Branches[0]?.States['Compress'];
    if (!compressState) throw new Error('the definition has no Compress state in its first branch');
    compressState.TimeoutSeconds = 110;
    const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
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
  }, 240_000);
});
