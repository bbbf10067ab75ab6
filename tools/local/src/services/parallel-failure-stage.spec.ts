import type { Writable } from 'node:stream';
import { ImageUploadedV1, THUMBNAILS_PREFIX, type FailureStage } from '@imgpipe/contracts';
import { testImage } from '@imgpipe/image-ops/testing';
import { createMetadataHandlers, loadMetadataConfig, type MetadataPorts, type RecordFailureOutput } from '@imgpipe/metadata';
import type { PutObjectInput } from '@imgpipe/platform';
import {
  InMemoryImageEventStore,
  InMemoryImageReadModel,
  InMemoryObjectStore,
  ManualClock,
  RecordingEventPublisher,
} from '@imgpipe/platform/testing';
import { createThumbnailHandler, loadThumbnailConfig } from '@imgpipe/thumbnail';
import { RecordFailureTaskInputSchema, type CaughtError } from '@imgpipe/workflow';

/*
 * The AWS side of "which branch of the Parallel state failed": a Lambda's error reaches a
 * Catch as `{ Error: errorType, Cause: '{"errorType","errorMessage","trace"}' }` (the Node
 * runtime's error document); the branch's Catch puts it at `$.error` and `RecordFailure` gets
 * `{ uploaded, error, stage, correlationId }`. The stage the definition passes is given as
 * `compress` here on purpose: the one the thumbnail task wrote into its cause must win. The
 * thumbnail task's own handler (its composition root) throws; the metadata composition's
 * `RecordFailure` handler records it.
 */

const uploaded = ImageUploadedV1.data.parse(ImageUploadedV1.examples.full);
const CORRELATION_ID = 'corr-parallel-1';
const env = {
  AWS_REGION: 'eu-west-1',
  ORIGINALS_BUCKET: uploaded.original.bucket,
  PROCESSED_BUCKET: 'imgpipe-processed-123456789012',
  IMAGES_TABLE: 'image-metadata',
  EVENTS_TABLE: 'image-events',
  EVENT_BUS_NAME: 'imgpipe',
};

/** What Lambda's Node runtime reports for an error a handler threw, as a Catch hands it over. */
function lambdaCatch(error: unknown): CaughtError {
  const e = error as Error;
  return {
    Error: e.name,
    Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [`${e.name}: ${e.message}`, '    at handler'] }),
  };
}

/** A store whose thumbnail writes fail (S3 unavailable), reads and other writes work. */
class FailingThumbnailWrites extends InMemoryObjectStore {
  override async put(input: PutObjectInput): Promise<{ etag?: string; versionId?: string }> {
    if (input.key.startsWith(THUMBNAILS_PREFIX)) throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' });
    return super.put(input);
  }
}

async function thumbnailFailure(store: InMemoryObjectStore): Promise<CaughtError> {
  const config = loadThumbnailConfig(env);
  const thumbnail = createThumbnailHandler({ store }, config);
  const error = await thumbnail({ uploaded, correlationId: CORRELATION_ID }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return lambdaCatch(error);
}

async function recordOnAws(error: CaughtError, stageByDefinition: FailureStage) {
  const config = loadMetadataConfig(env);
  const publisher = new RecordingEventPublisher();
  const ports: MetadataPorts = {
    events: new InMemoryImageEventStore(),
    readModel: new InMemoryImageReadModel(),
    store: new InMemoryObjectStore(),
    publisher,
    clock: new ManualClock('2025-06-01T12:00:05.000Z'),
  };
  const { recordFailure } = createMetadataHandlers(ports, config);
  // Exactly what the definition's RecordFailure Parameters build, held to the one schema.
  const input = RecordFailureTaskInputSchema.parse({ uploaded, error, stage: stageByDefinition, correlationId: CORRELATION_ID });
  const output: RecordFailureOutput = await recordFailure(input);
  return { output, publisher };
}

describe('a thumbnail-only failure inside the Parallel state, as on AWS', () => {
  it('an undecodable original: InvalidImage from the thumbnail task is recorded with stage thumbnail', async () => {
    const store = new InMemoryObjectStore();
    await store.put({ bucket: uploaded.original.bucket, key: uploaded.original.key, body: Buffer.from('not a JPEG at all'), contentType: 'image/jpeg' });

    const error = await thumbnailFailure(store);
    const { output, publisher } = await recordOnAws(error, 'compress');

    expect(error.Error).toBe('InvalidImage');
    expect(output).toMatchObject({ detailType: 'ImageProcessingFailed', detail: { data: { stage: 'thumbnail', retryable: false } } });
    expect(publisher.published.map((e) => (e.detail as { data: { stage: string } }).data.stage)).toEqual(['thumbnail']);
  });

  it('a transient error (the processed bucket refuses the renditions) is recorded with stage thumbnail, retryable', async () => {
    const store = new FailingThumbnailWrites();
    const bytes = await testImage('jpeg', { width: 64, height: 48 });
    await store.put({ bucket: uploaded.original.bucket, key: uploaded.original.key, body: bytes, contentType: 'image/jpeg' });

    const error = await thumbnailFailure(store);
    const { output } = await recordOnAws(error, 'compress');

    expect(output).toMatchObject({
      detailType: 'ImageProcessingFailed',
      detail: { correlationId: CORRELATION_ID, data: { stage: 'thumbnail', code: 'TRANSIENT_EXHAUSTED', retryable: true } },
    });
  });

  it('the log lines of both steps carry the imageId, and the record step the run correlation id', async () => {
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
    try {
      const store = new InMemoryObjectStore();
      await store.put({ bucket: uploaded.original.bucket, key: uploaded.original.key, body: Buffer.from('not a JPEG'), contentType: 'image/jpeg' });
      await recordOnAws(await thumbnailFailure(store), 'compress');
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }

    const failed = lines.find((l) => l['message'] === 'image processing failed');
    expect(failed).toMatchObject({ imageId: uploaded.imageId, correlationId: CORRELATION_ID, stage: 'thumbnail' });
    expect(failed?.['function_name']).toBe('imgpipe-local-metadata-record-failure');
  });
});
