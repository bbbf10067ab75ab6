import {
  CloudFrontInvalidator,
  DynamoImageEventStore,
  DynamoImageReadModel,
  DynamoUploadGrantStore,
  EventBridgePublisher,
  S3ObjectStore,
  S3PresignedPostSigner,
  UuidV7Generator,
  createAwsClients,
  systemClock,
  noCdnInvalidator,
  tracer,
  type AwsClients,
  type CdnInvalidator,
  type Clock,
  type EventPublisher,
  type IdGenerator,
  type ImageEventStore,
  type ImageReadModel,
  type UploadGrantStore,
  type ObjectStore,
  type UploadSigner,
} from '@imgpipe/platform';
import { createCheckUpload, type CheckUpload, type UploadHistories } from './check-upload.use-case';
import type { IngestConfig } from './config';
import { loadIngestConfig } from './config';
import { createCreateUpload, type CreateUpload } from './create-upload.use-case';
import { createDeleteImage, type DeleteImage } from './delete-image.use-case';
import { createGetImage, type GetImage } from './get-image.use-case';
import { createListImages, type ListImages } from './list-images.use-case';
import { createRestoreImage, type RestoreImage } from './restore-image.use-case';

/** Every port the ingest use cases stand on. */
export interface IngestPorts {
  readonly signer: UploadSigner;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly store: ObjectStore;
  readonly publisher: EventPublisher;
  readonly readModel: ImageReadModel;
  readonly eventStore: ImageEventStore;
  /** Upload grants: written by `createUpload`, checked and claimed by `checkUpload`. */
  readonly grants: UploadGrantStore;
  /**
   * Where `checkUpload` finds a grantless object's proven upload (default: `eventStore`); the
   * local runtime adds the bus archive's copy of a history its tables lost.
   */
  readonly uploadHistories?: UploadHistories;
  /** Drops a deleted image's paths from the CDN; `noCdnInvalidator` without a CDN cache. */
  readonly cdn: CdnInvalidator;
}

/** The use cases, wired. */
export interface IngestServices {
  readonly createUpload: CreateUpload;
  readonly listImages: ListImages;
  readonly getImage: GetImage;
  readonly deleteImage: DeleteImage;
  readonly restoreImage: RestoreImage;
  readonly checkUpload: CheckUpload;
}

/** Wires the use cases over any ports: the AWS adapters, local peers or in-memory fakes. */
export function createIngestServices(config: IngestConfig, ports: IngestPorts): IngestServices {
  return {
    createUpload: createCreateUpload({
      signer: ports.signer,
      ids: ports.ids,
      grants: ports.grants,
      clock: ports.clock,
      originalsBucket: config.originalsBucket,
      maxUploadBytes: config.maxUploadBytes,
      uploadTtlSeconds: config.uploadTtlSeconds,
      acceptedContentTypes: config.acceptedContentTypes,
    }),
    listImages: createListImages({
      readModel: ports.readModel,
      clock: ports.clock,
      undoWindowSeconds: config.undoWindowSeconds,
    }),
    getImage: createGetImage({ readModel: ports.readModel, eventStore: ports.eventStore }),
    deleteImage: createDeleteImage({
      readModel: ports.readModel,
      eventStore: ports.eventStore,
      store: ports.store,
      publisher: ports.publisher,
      clock: ports.clock,
      cdn: ports.cdn,
      processedBucket: config.processedBucket,
      undoWindowSeconds: config.undoWindowSeconds,
    }),
    restoreImage: createRestoreImage({
      readModel: ports.readModel,
      eventStore: ports.eventStore,
      store: ports.store,
      publisher: ports.publisher,
      clock: ports.clock,
      undoWindowSeconds: config.undoWindowSeconds,
    }),
    checkUpload: createCheckUpload({
      store: ports.store,
      grants: ports.grants,
      histories: ports.uploadHistories ?? ports.eventStore,
      publisher: ports.publisher,
      clock: ports.clock,
      policy: config.policy,
      renditionsVersion: config.renditionsVersion,
      headBytes: config.headBytes,
    }),
  };
}

/** The AWS adapters for `config`, on shared SDK clients. */
export function createAwsIngestPorts(config: IngestConfig, clients: AwsClients): IngestPorts {
  const clock = systemClock;
  return {
    signer: new S3PresignedPostSigner(clients.s3),
    ids: new UuidV7Generator(clock),
    clock,
    store: new S3ObjectStore(clients.s3),
    publisher: new EventBridgePublisher(clients.eventBridge, config.eventBusName),
    readModel: new DynamoImageReadModel(clients.documents, config.imagesTable),
    eventStore: new DynamoImageEventStore(clients.documents, config.eventsTable),
    grants: new DynamoUploadGrantStore(clients.documents, config.grantsTable),
    cdn: config.cdnDistributionId ? new CloudFrontInvalidator(clients.cloudFront, config.cdnDistributionId) : noCdnInvalidator,
  };
}

let coldStart: IngestServices | undefined;

/**
 * The services of this process, built on first use from the environment (config read
 * once, fails fast) with traced AWS clients; shared by both handlers.
 */
export function ingestServicesFromEnv(): IngestServices {
  if (!coldStart) {
    const config = loadIngestConfig();
    coldStart = createIngestServices(config, createAwsIngestPorts(config, createAwsClients(config.aws, { tracer })));
  }
  return coldStart;
}
