import {
  logger,
  systemClock,
  type CdnInvalidator,
  type Clock,
  type EventPublisher,
  type ImageEventStore,
  type ImageReadModel,
  type ObjectStore,
  type UploadGrantStore,
} from '@imgpipe/platform';
import { createAppendAndProject, type AppendAndProject } from './append-and-project.use-case';
import type { PipelineMetrics } from './metrics';
import type { ImageMetadata, ProjectionOptions } from './projection';
import { createPurgeDeletedImages } from './purge-deleted.use-case';
import { createRebuildAll, createRebuildReadModel } from './rebuild-read-model.use-case';
import { createRecordFailure } from './record-failure.use-case';
import { createRecordMetadata } from './record-metadata.use-case';
import { createRecordPipelineEvent } from './record-pipeline-event.use-case';
import { createRecordThumbnails } from './record-thumbnails.use-case';

/** The ports the metadata use cases run over. */
export interface MetadataDependencies {
  readonly events: ImageEventStore;
  readonly readModel: ImageReadModel<ImageMetadata>;
  /** Where `recordFailure` publishes `ImageProcessingFailed`, `recordThumbnails` `ThumbnailsGenerated` and the purge `ImagePurged`. */
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
  /** Prefix of the delivery record's URLs (`CDN_BASE_URL`): the CloudFront domain, or the local `/cdn` URL. */
  readonly cdnBaseUrl?: string;
  /** Drops replaced derivatives' cached copies (`CDN_DISTRIBUTION_ID`); absent: no CDN cache. */
  readonly cdn?: CdnInvalidator;
}

/** Every use case of the metadata service, wired to one set of ports. */
export interface MetadataService {
  readonly appendAndProject: AppendAndProject;
  /** State machine task `RecordThumbnails`: `ThumbnailsGenerated` recorded and published before the full-size encode ends. */
  readonly recordThumbnails: ReturnType<typeof createRecordThumbnails>;
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
 * adapters in Lambda (`awsMetadataPorts` and `createMetadataHandlers` in
 * `metadata.composition.ts`), whatever the local runtime hands in.
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
      ...(deps.cdnBaseUrl !== undefined ? { cdnBaseUrl: deps.cdnBaseUrl } : {}),
      ...(deps.cdn ? { cdn: deps.cdn } : {}),
    }),
    recordThumbnails: createRecordThumbnails({ appendAndProject, publisher: deps.publisher, clock, ...projection }),
    recordFailure: createRecordFailure({ appendAndProject, publisher: deps.publisher, clock, ...projection }),
    recordPipelineEvent: createRecordPipelineEvent({
      appendAndProject,
      events: deps.events,
      ...projection,
      // Best effort: a file left behind is erased with the image's prefixes by the purge.
      removeProcessed: (key) =>
        deps.store.deleteVersion({ bucket: deps.buckets.processed, key }).catch((error: unknown) => {
          logger.warn('could not remove a discarded variant', { key, error });
        }),
    }),
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
