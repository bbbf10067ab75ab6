import type {
  CdnInvalidator,
  Clock,
  DownloadSigner,
  EventPublisher,
  IdGenerator,
  ImageEventStore,
  ImageReadModel,
  UploadGrantStore,
  ObjectStore,
  UploadSigner,
  RateLimiter,
} from '@imgpipe/platform';
import { createCheckUpload, type CheckUpload, type UploadHistories } from './check-upload.use-case';
import type { IngestConfig } from './config';
import { createCreateUpload, type CreateUpload } from './create-upload.use-case';
import { createDeleteImage, type DeleteImage } from './delete-image.use-case';
import { createGetImage, type GetImage } from './get-image.use-case';
import { createGetOriginal, type GetOriginal } from './get-original.use-case';
import { createListImages, type ListImages } from './list-images.use-case';
import { createRestoreImage, type RestoreImage } from './restore-image.use-case';

/** Every port the ingest use cases stand on. */
export interface IngestPorts {
  readonly signer: UploadSigner;
  /** Signs the short-lived GET of an original (`GET /images/{id}/original`). */
  readonly downloads: DownloadSigner;
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
  /** Per-user request counters of the HTTP API (`config.rateLimits`); absent: nobody is limited. */
  readonly rateLimiter?: RateLimiter;
}

/** The use cases, wired. */
export interface IngestServices {
  readonly createUpload: CreateUpload;
  readonly listImages: ListImages;
  readonly getImage: GetImage;
  readonly getOriginal: GetOriginal;
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
    getOriginal: createGetOriginal({
      readModel: ports.readModel,
      eventStore: ports.eventStore,
      downloads: ports.downloads,
      originalsBucket: config.originalsBucket,
    }),
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
