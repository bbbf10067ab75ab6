import {
  createAwsClients,
  DynamoImageEventStore,
  DynamoImageReadModel,
  DynamoUploadGrantStore,
  EventBridgePublisher,
  S3ObjectStore,
  systemClock,
  tracer,
  type AwsClients,
  type Clock,
  type EventPublisher,
  type ImageEventStore,
  type ImageReadModel,
  type ObjectStore,
  type UploadGrantStore,
} from '@imgpipe/platform';
import { createAppendAndProject, type AppendAndProject } from './append-and-project.use-case';
import { loadMetadataConfig, type MetadataConfig } from './config';
import { powertoolsPipelineMetrics, type PipelineMetrics } from './metrics';
import type { ImageMetadata, ProjectionOptions } from './projection';
import { createPurgeDeletedImages } from './purge-deleted.use-case';
import { createRebuildAll, createRebuildReadModel } from './rebuild-read-model.use-case';
import { createRecordFailure } from './record-failure.use-case';
import { createRecordMetadata } from './record-metadata.use-case';
import { createRecordPipelineEvent } from './record-pipeline-event.use-case';

/** The ports the metadata use cases run over. */
export interface MetadataDependencies {
  readonly events: ImageEventStore;
  readonly readModel: ImageReadModel<ImageMetadata>;
  /** Where `recordFailure` publishes `ImageProcessingFailed` (and the purge `ImagePurged`). */
  readonly publisher: EventPublisher;
  /** The buckets' objects: a run discarded after a delete removes its derivatives, the purge erases originals. */
  readonly store: ObjectStore;
  readonly buckets: { readonly originals: string; readonly processed: string };
  readonly clock?: Clock;
  readonly metrics?: PipelineMetrics;
  readonly projection?: ProjectionOptions;
  /** Attempts of one append + projection under concurrent writers. */
  readonly maxAttempts?: number;
  /** The upload grants, which the purge removes (`GRANTS_TABLE`); absent: left to the table's TTL. */
  readonly grants?: Pick<UploadGrantStore, 'forget'>;
}

/** Every use case of the metadata service, wired to one set of ports. */
export interface MetadataService {
  readonly appendAndProject: AppendAndProject;
  /** State machine task `RecordMetadata`. */
  readonly recordMetadata: ReturnType<typeof createRecordMetadata>;
  /** State machine task `RecordFailure`. */
  readonly recordFailure: ReturnType<typeof createRecordFailure>;
  /** The bus consumer behind `onPipelineEvent`. */
  readonly recordPipelineEvent: ReturnType<typeof createRecordPipelineEvent>;
  readonly rebuildReadModel: ReturnType<typeof createRebuildReadModel>;
  readonly rebuildAll: ReturnType<typeof createRebuildAll>;
  /** The scheduled purge of images deleted longer ago than their undo window. */
  readonly purgeDeletedImages: ReturnType<typeof createPurgeDeletedImages>;
}

/**
 * Wires the use cases over the given ports: in-memory ones in tests and dry runs, the AWS
 * adapters in Lambda ({@link createAwsMetadataDependencies}), whatever the local runtime
 * hands in.
 *
 * @example
 * const service = createMetadataService({
 *   events: new InMemoryImageEventStore(),
 *   readModel: new InMemoryImageReadModel(),
 *   publisher: new RecordingEventPublisher(),
 *   store: new InMemoryObjectStore(),
 *   buckets: { originals: 'originals', processed: 'processed' },
 * });
 * await service.recordPipelineEvent(eventBridgeEvent);
 */
export function createMetadataService(deps: MetadataDependencies): MetadataService {
  const clock = deps.clock ?? systemClock;
  const shared = {
    events: deps.events,
    readModel: deps.readModel,
    ...(deps.projection ? { projection: deps.projection } : {}),
    ...(deps.maxAttempts !== undefined ? { maxAttempts: deps.maxAttempts } : {}),
  };
  const appendAndProject = createAppendAndProject({ ...shared, ...(deps.metrics ? { metrics: deps.metrics } : {}) });
  const projection = deps.projection ? { projection: deps.projection } : {};
  return {
    appendAndProject,
    recordMetadata: createRecordMetadata({
      appendAndProject,
      clock,
      store: deps.store,
      processedBucket: deps.buckets.processed,
      ...projection,
    }),
    recordFailure: createRecordFailure({ appendAndProject, publisher: deps.publisher, clock, ...projection }),
    recordPipelineEvent: createRecordPipelineEvent({ appendAndProject }),
    rebuildReadModel: createRebuildReadModel(shared),
    rebuildAll: createRebuildAll(shared),
    purgeDeletedImages: createPurgeDeletedImages({
      events: deps.events,
      readModel: deps.readModel,
      store: deps.store,
      publisher: deps.publisher,
      appendAndProject,
      buckets: deps.buckets,
      ...projection,
      ...(deps.grants ? { grants: deps.grants } : {}),
    }),
  };
}

/**
 * The AWS adapters from the configuration: the DynamoDB event store and read model, the
 * EventBridge publisher, S3, Powertools metrics. Clients honour the endpoint overrides (local
 * peers) and are traced in Lambda; pass `clients` to share (and close) your own.
 */
export function createAwsMetadataDependencies(
  config: MetadataConfig = loadMetadataConfig(),
  clients: Pick<AwsClients, 'documents' | 'eventBridge' | 's3'> = createAwsClients(config.aws, { tracer }),
): MetadataDependencies {
  return {
    events: new DynamoImageEventStore(clients.documents, config.tables.events),
    readModel: new DynamoImageReadModel<ImageMetadata>(clients.documents, config.tables.images),
    publisher: new EventBridgePublisher(clients.eventBridge, config.eventBusName),
    store: new S3ObjectStore(clients.s3),
    buckets: config.buckets,
    clock: systemClock,
    metrics: powertoolsPipelineMetrics(),
    projection: config.projection,
    maxAttempts: config.maxAttempts,
    ...(config.tables.grants ? { grants: new DynamoUploadGrantStore(clients.documents, config.tables.grants) } : {}),
  };
}

let awsService: MetadataService | undefined;

/**
 * The process's service on the AWS adapters, built on first use (config read then, once
 * per cold start) and shared by every handler of this package.
 */
export function awsMetadataService(): MetadataService {
  awsService ??= createMetadataService(createAwsMetadataDependencies());
  return awsService;
}
