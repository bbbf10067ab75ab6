import type { EventBridgeEvent } from 'aws-lambda';
import {
  CloudFrontInvalidator,
  createAwsClients,
  DynamoImageEventStore,
  DynamoImageReadModel,
  DynamoUploadGrantStore,
  EventBridgePublisher,
  instrumentHandler,
  S3ObjectStore,
  systemClock,
  tracer,
  type AwsClients,
  type InstrumentedHandler,
} from '@imgpipe/platform';
import type { MetadataConfig } from './config';
import { createOnPipelineEventHandler, type OnPipelineEventResult } from './handlers/on-pipeline-event.adapter';
import { createPurgeDeletedHandler, type PurgeDeletedOutput } from './handlers/purge-deleted.adapter';
import { createRebuildReadModelHandler, type RebuildReadModelOutput } from './handlers/rebuild-read-model.adapter';
import { createRecordFailureHandler } from './handlers/record-failure.adapter';
import { createRecordMetadataHandler } from './handlers/record-metadata.adapter';
import { createRecordThumbnailsHandler, type RecordThumbnailsOutput } from './handlers/record-thumbnails.adapter';
import { createReconcileStuckHandler, type ReconcileStuckOutput } from './handlers/reconcile-stuck.adapter';
import { createMetadataService, type MetadataDependencies, type MetadataService } from './metadata-service';
import { powertoolsPipelineMetrics } from './metrics';
import type { ImageMetadata } from './projection';
import type { RecordFailureOutput } from './record-failure.use-case';
import type { RecordMetadataOutput } from './record-metadata.use-case';
import { createReconcileStuckImages, type ReconcileStuckResult } from './reconcile-stuck.use-case';

/** The ports the metadata functions stand on; the rest of {@link MetadataDependencies} comes from the config. */
export type MetadataPorts = Omit<MetadataDependencies, 'buckets' | 'projection' | 'maxAttempts' | 'cdnBaseUrl'>;

/**
 * The AWS adapters for `config`: the DynamoDB event store, read model and (when
 * `GRANTS_TABLE` is set) upload grants, the EventBridge publisher, S3, Powertools metrics.
 * The local runtime passes its own `clients` (on its local servers) and publisher.
 */
export function awsMetadataPorts(
  config: MetadataConfig,
  clients: Pick<AwsClients, 'documents' | 'eventBridge' | 's3' | 'cloudFront'> = createAwsClients(config.aws, { tracer }),
): MetadataPorts {
  return {
    events: new DynamoImageEventStore(clients.documents, config.tables.events),
    readModel: new DynamoImageReadModel<ImageMetadata>(clients.documents, config.tables.images),
    publisher: new EventBridgePublisher(clients.eventBridge, config.eventBusName),
    store: new S3ObjectStore(clients.s3),
    clock: systemClock,
    metrics: powertoolsPipelineMetrics(),
    ...(config.tables.grants ? { grants: new DynamoUploadGrantStore(clients.documents, config.tables.grants) } : {}),
    ...(config.cdnDistributionId ? { cdn: new CloudFrontInvalidator(clients.cloudFront, config.cdnDistributionId) } : {}),
  };
}

/** Every metadata Lambda entry point, over one service. */
export interface MetadataHandlers {
  /** The use cases, wired (the local runtime's purge sweep calls `purgeDeletedImages`). */
  readonly service: MetadataService;
  /** State machine task `RecordThumbnails` (the thumbnail branch records its thumbnails early). */
  readonly recordThumbnails: InstrumentedHandler<unknown, RecordThumbnailsOutput>;
  /** State machine task `RecordMetadata`. */
  readonly recordMetadata: InstrumentedHandler<unknown, RecordMetadataOutput>;
  /** State machine task `RecordFailure`. */
  readonly recordFailure: InstrumentedHandler<unknown, RecordFailureOutput>;
  /** The bus consumer of every imgpipe event. */
  readonly onPipelineEvent: InstrumentedHandler<EventBridgeEvent<string, unknown>, OnPipelineEventResult>;
  /** The scheduled purge of deleted images. */
  readonly purgeDeleted: InstrumentedHandler<unknown, PurgeDeletedOutput>;
  /** Operations: re-project the read model. */
  readonly rebuildReadModel: InstrumentedHandler<unknown, RebuildReadModelOutput>;
  /** The reconciler of images stuck `processing`, wired (the local runtime's sweep calls it). */
  readonly reconcileStuckImages: (options: { readonly now: Date }) => Promise<ReconcileStuckResult>;
  /** The scheduled reconciler of images stuck `processing`. */
  readonly reconcileStuck: InstrumentedHandler<unknown, ReconcileStuckOutput>;
}

/**
 * The metadata service's composition root: its use cases over `ports` and `config`, and
 * every entry point as a Lambda handler with Powertools applied (`instrumentHandler`).
 * The Lambda entry files (`handlers/*.handler.ts`) and the local runtime both call this.
 */
export function createMetadataHandlers(ports: MetadataPorts, config: MetadataConfig): MetadataHandlers {
  const service = createMetadataService({
    ...ports,
    buckets: config.buckets,
    projection: config.projection,
    maxAttempts: config.maxAttempts,
    ...(config.cdnBaseUrl !== undefined ? { cdnBaseUrl: config.cdnBaseUrl } : {}),
  });
  const clock = ports.clock ?? systemClock;
  const reconcileStuckImages = createReconcileStuckImages({
    ...config.reconcile,
    events: ports.events,
    readModel: ports.readModel,
    store: ports.store,
    publisher: ports.publisher,
    appendAndProject: service.appendAndProject,
    originalsBucket: config.buckets.originals,
    projection: config.projection,
  });
  return {
    service,
    recordThumbnails: instrumentHandler(createRecordThumbnailsHandler(() => service), { name: 'metadata-record-thumbnails' }),
    recordMetadata: instrumentHandler(createRecordMetadataHandler(() => service), { name: 'metadata-record' }),
    recordFailure: instrumentHandler(createRecordFailureHandler(() => service), { name: 'metadata-record-failure' }),
    onPipelineEvent: instrumentHandler(createOnPipelineEventHandler(() => service), { name: 'metadata-on-pipeline-event' }),
    purgeDeleted: instrumentHandler(createPurgeDeletedHandler(() => service, clock), { name: 'metadata-purge-deleted' }),
    rebuildReadModel: instrumentHandler(createRebuildReadModelHandler(() => service), { name: 'metadata-rebuild-read-model' }),
    reconcileStuckImages,
    reconcileStuck: instrumentHandler(createReconcileStuckHandler(() => reconcileStuckImages, clock), { name: 'metadata-reconcile-stuck' }),
  };
}
