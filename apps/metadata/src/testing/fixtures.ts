import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createEnvelope,
  deterministicUuid,
  toEventBridgeEvent,
  ImageCompressedV2,
  ImageDeletedV1,
  ImageProcessedV2,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  ThumbnailsGeneratedV2,
  type DataInputOf,
  type KnownContract,
  type SourceOf,
} from '@imgpipe/contracts';
import { TaskError, type NewImageEvent, type StoredImageEvent } from '@imgpipe/platform';
import {
  InMemoryImageEventStore,
  InMemoryImageReadModel,
  InMemoryObjectStore,
  ManualClock,
  RecordingEventPublisher,
} from '@imgpipe/platform/testing';
import { createMetadataService, type MetadataDependencies, type MetadataService } from '../metadata-service';
import { isDiscardedRun } from '../discarded-run';
import type { PipelineMetrics } from '../metrics';
import type { ImageMetadata } from '../projection';

/*
 * Test fixtures (not exported from the package): one image's run built from the contracts'
 * full examples, which agree on image id, owner and original key.
 */

export const uploaded = ImageUploadedV1.data.parse(ImageUploadedV1.examples.full);
/** The task outputs of a run (v2: versioned keys, honest output, placeholder). */
export const thumbnails = ThumbnailsGeneratedV2.data.parse(ThumbnailsGeneratedV2.examples.full);
/** Compress read the same rendition set (issue 13: RecordMetadata joins the shares of one set only). */
export const compressed = ImageCompressedV2.data.parse({ ...ImageCompressedV2.examples.full, renditionsVersion: thumbnails.renditionsVersion });
export const processed = ImageProcessedV2.data.parse(ImageProcessedV2.examples.full);
export const IMAGE_ID = uploaded.imageId;
/** The buckets of the full examples. */
export const BUCKETS = { originals: uploaded.original.bucket, processed: 'imgpipe-processed-123456789012' } as const;
export const USER_ID = uploaded.userId;

let counter = 0;

/** A new event for the store, with a fresh (or given) id and time. */
export function newEvent<C extends KnownContract>(
  contract: C,
  data: DataInputOf<C>,
  options: { eventId?: string; occurredAt?: string; source?: SourceOf<C>; correlationId?: string } = {},
): NewImageEvent {
  counter += 1;
  const envelope = createEnvelope(contract, data, {
    eventId: options.eventId ?? deterministicUuid(`fixture-${counter}`),
    correlationId: options.correlationId ?? 'corr-test',
    occurredAt: options.occurredAt ?? '2025-06-01T12:00:05.000Z',
  });
  return {
    eventId: envelope.eventId,
    source: options.source ?? contract.source,
    detailType: contract.detailType,
    occurredAt: envelope.occurredAt,
    detail: envelope,
  };
}

/** A history as the store would hold it: sequences 1, 2, ... */
export function historyOf(events: readonly NewImageEvent[], imageId = IMAGE_ID): StoredImageEvent[] {
  return events.map((event, i) => ({ ...structuredClone(event), imageId, sequence: i + 1 }));
}

/** The events of a whole successful run of the full example image: upload, compression, thumbnails, outcome. */
export function successfulRun(): [NewImageEvent, NewImageEvent, NewImageEvent, NewImageEvent] {
  return [
    newEvent(ImageUploadedV1, uploaded, { occurredAt: '2025-06-01T12:00:00.500Z' }),
    newEvent(ImageCompressedV2, compressed, { occurredAt: '2025-06-01T12:00:02.000Z' }),
    newEvent(ThumbnailsGeneratedV2, thumbnails, { occurredAt: '2025-06-01T12:00:02.000Z' }),
    newEvent(ImageProcessedV2, processed, { occurredAt: '2025-06-01T12:00:02.000Z' }),
  ];
}

/** A failure of the full example image at `stage`. */
export function failureEvent(
  overrides: Partial<DataInputOf<typeof ImageProcessingFailedV1>> = {},
  options: { occurredAt?: string; source?: 'imgpipe.metadata' | 'imgpipe.ingest' } = {},
): NewImageEvent {
  return newEvent(
    ImageProcessingFailedV1,
    {
      imageId: IMAGE_ID,
      userId: USER_ID,
      originalKey: uploaded.original.key,
      stage: 'compress',
      code: 'CORRUPT',
      errorName: 'InvalidImage',
      reason: 'The JPEG data ends early.',
      retryable: false,
      ...overrides,
    },
    { occurredAt: options.occurredAt ?? '2025-06-01T12:00:03.000Z', source: options.source ?? 'imgpipe.metadata' },
  );
}

/** A deletion of the full example image. */
export function deletedEvent(deletedAt = '2025-06-02T08:30:00.000Z'): NewImageEvent {
  return newEvent(
    ImageDeletedV1,
    { imageId: IMAGE_ID, userId: USER_ID, deletedKeys: [uploaded.original.key], deletedAt },
    { occurredAt: deletedAt },
  );
}

/** A {@link PipelineMetrics} that keeps what it was told. */
export class RecordingMetrics implements PipelineMetrics {
  readonly processed: string[] = [];
  readonly failed: string[] = [];
  imageProcessed(data: { imageId: string }): void {
    this.processed.push(data.imageId);
  }
  imageFailed(code: string): void {
    this.failed.push(code);
  }
}

/** The service over in-memory ports, with a manual clock; the ports are returned for inspection. */
export function inMemoryService(overrides: Partial<MetadataDependencies> = {}) {
  const events = new InMemoryImageEventStore();
  const readModel = new InMemoryImageReadModel<ImageMetadata>();
  const publisher = new RecordingEventPublisher();
  const clock = new ManualClock('2025-06-01T12:00:02.345Z');
  const metrics = new RecordingMetrics();
  const store = new InMemoryObjectStore({ versioned: true });
  const deps: MetadataDependencies = { events, readModel, publisher, clock, metrics, store, buckets: BUCKETS, ...overrides };
  return { service: createMetadataService(deps), events, readModel, publisher, clock, metrics, store, deps };
}

/** A sample input from `apps/metadata/events/<name>.json`. */
export function readSampleEvent(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', `${name}.json`), 'utf8')) as unknown;
}

/** Three images through the live paths: processed, failed in the pipeline, refused by ingest then deleted. */
export async function runLivePath(service: MetadataService, clock: { advance(ms: number): void }): Promise<string[]> {
  const second = { ...uploaded, imageId: 'img-second', original: { ...uploaded.original, key: 'uploads/u/img-second/b.jpg' } };
  const uploadedEvent = (data: typeof uploaded, n: number) =>
    toEventBridgeEvent(
      ImageUploadedV1,
      createEnvelope(ImageUploadedV1, data, { correlationId: `corr-${n}`, occurredAt: data.uploadedAt }),
    );

  // 1: the bus delivers the upload, the state machine records the outcome, the bus redelivers.
  await service.recordPipelineEvent(uploadedEvent(uploaded, 1));
  clock.advance(1500);
  await service.recordMetadata({ uploaded, results: [compressed, thumbnails], correlationId: 'corr-1' });
  await service.recordMetadata({ uploaded, results: [compressed, thumbnails], correlationId: 'corr-1' });

  // 2: the image fails, and the failure task runs before the bus delivery of its upload arrives.
  await service.recordFailure({
    uploaded: second,
    error: { Error: 'InvalidImage', Cause: JSON.stringify({ errorMessage: new TaskError('InvalidImage', 'CORRUPT', 'Truncated.').message }) },
    stage: 'thumbnail',
  });
  await service.recordPipelineEvent(uploadedEvent(second, 2));

  // 3: ingest refuses an upload, then the owner deletes it.
  const refused = createEnvelope(
    ImageProcessingFailedV1,
    {
      imageId: 'img-refused',
      userId: 'user-2',
      originalKey: 'uploads/user-2/img-refused/x.svg',
      stage: 'ingest',
      code: 'UNSUPPORTED_FORMAT',
      errorName: 'InvalidImage',
      reason: 'SVG is not accepted.',
      retryable: false,
    },
    { correlationId: 'corr-3', occurredAt: '2025-06-01T13:00:00.000Z' },
  );
  await service.recordPipelineEvent(toEventBridgeEvent(ImageProcessingFailedV1, refused, { source: 'imgpipe.ingest' }));
  const deleted = createEnvelope(
    ImageDeletedV1,
    { imageId: 'img-refused', userId: 'user-2', deletedKeys: [], deletedAt: '2025-06-01T14:00:00.000Z' },
    { correlationId: 'corr-4', occurredAt: '2025-06-01T14:00:00.000Z' },
  );
  await service.recordPipelineEvent(toEventBridgeEvent(ImageDeletedV1, deleted));
  return [uploaded.imageId, second.imageId, 'img-refused'];
}

/** The value, or a test failure saying what was missing. */
export function present<T>(value: T | undefined, what = 'value'): T {
  if (value === undefined) throw new Error(`expected a ${what}`);
  return value;
}

/** A record task's result that recorded its event (not a run discarded after a delete), or a test failure. */
export function recorded<T extends object>(result: T): Exclude<T, { readonly discarded: true }> {
  if (isDiscardedRun(result)) throw new Error('expected the run to be recorded, but it was discarded');
  return result as Exclude<T, { readonly discarded: true }>;
}
