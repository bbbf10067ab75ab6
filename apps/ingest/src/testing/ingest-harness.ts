import { createEnvelope, ImageUploadedV1, type DataInputOf } from '@imgpipe/contracts';
import {
  UuidV7Generator,
  originalKey,
  type PublishEntry,
  type SignedUpload,
  type SignUploadInput,
  type UploadSigner,
  type DownloadSigner,
  type SignDownloadInput,
  type SignedDownload,
} from '@imgpipe/platform';
import {
  InMemoryImageEventStore,
  InMemoryImageReadModel,
  InMemoryObjectStore,
  InMemoryUploadGrantStore,
  ManualClock,
  RecordingCdnInvalidator,
  RecordingEventPublisher,
} from '@imgpipe/platform/testing';
import type { CreatedObject } from '../check-upload.use-case';
import { loadIngestConfig, type IngestConfig } from '../config';
import type { CreateUploadResult } from '../create-upload.use-case';
import { createIngestServices, type IngestPorts, type IngestServices } from '../services';

/** The environment the specs run the service under. */
export const TEST_ENV = {
  AWS_REGION: 'us-east-1',
  ORIGINALS_BUCKET: 'imgpipe-originals',
  PROCESSED_BUCKET: 'imgpipe-processed',
  IMAGES_TABLE: 'image-metadata',
  EVENTS_TABLE: 'image-events',
  GRANTS_TABLE: 'upload-grants',
  EVENT_BUS_NAME: 'imgpipe',
} as const;

/** An {@link UploadSigner} that signs nothing and keeps what it was asked. */
/** Signs downloads as `https://storage.test/<bucket>/<key>?expires=<iso>` and records each request. */
export class RecordingDownloadSigner implements DownloadSigner {
  readonly requests: SignDownloadInput[] = [];

  constructor(private readonly clock: ManualClock) {}

  async signDownload(input: SignDownloadInput): Promise<SignedDownload> {
    this.requests.push(input);
    const expiresAt = new Date(this.clock.now().getTime() + input.expiresInSeconds * 1000).toISOString();
    return { url: `https://storage.test/${input.bucket}/${input.key}?expires=${expiresAt}`, expiresAt };
  }
}

export class RecordingUploadSigner implements UploadSigner {
  readonly requests: SignUploadInput[] = [];

  constructor(private readonly clock: ManualClock) {}

  async sign(input: SignUploadInput): Promise<SignedUpload> {
    this.requests.push(structuredClone(input));
    const expires = new Date(this.clock.now().getTime() + input.expiresInSeconds * 1000);
    expires.setUTCMilliseconds(0);
    return {
      url: `https://${input.bucket}.s3.example.test/`,
      fields: { key: input.key, 'Content-Type': input.contentType, Policy: 'test-policy' },
      expiresAt: expires.toISOString(),
    };
  }
}

export interface HarnessOptions {
  /** Originals kept in versions, as on AWS (the local S3 server has none). */
  readonly versionedStore?: boolean;
}

export interface Harness {
  readonly config: IngestConfig;
  readonly clock: ManualClock;
  readonly signer: RecordingUploadSigner;
  readonly downloads: RecordingDownloadSigner;
  readonly store: InMemoryObjectStore;
  readonly publisher: RecordingEventPublisher;
  readonly readModel: InMemoryImageReadModel;
  readonly eventStore: InMemoryImageEventStore;
  readonly grants: InMemoryUploadGrantStore;
  readonly cdn: RecordingCdnInvalidator;
  readonly ports: IngestPorts;
  readonly services: IngestServices;
  /** An image as the metadata service leaves it after `ImageUploaded`: history and record. */
  seedImage(image: { userId: string; imageId: string; uploadedAt: string; filename?: string }): Promise<void>;
  /**
   * Uploads `body` as the browser does: asks `createUpload` for a grant (which records it),
   * stores the object under the granted key, and returns the grant and the notification's view
   * of the object (created a second after the grant), ready for `checkUpload`.
   */
  upload(
    userId: string,
    body: Uint8Array,
    options?: { filename?: string; contentType?: string },
  ): Promise<{ grant: CreateUploadResult; object: CreatedObject }>;
  /** Appends what was published to the history, as the metadata service would. */
  storePublished(): Promise<void>;
}

/** Ingest over in-memory ports, at 2025-06-01T12:00:00Z on a clock that moves only when told. */
export function createHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Harness {
  const config = loadIngestConfig({ ...TEST_ENV, ...env });
  const clock = new ManualClock('2025-06-01T12:00:00.000Z');
  const signer = new RecordingUploadSigner(clock);
  const downloads = new RecordingDownloadSigner(clock);
  const store = new InMemoryObjectStore({ versioned: options.versionedStore ?? false });
  const publisher = new RecordingEventPublisher();
  const readModel = new InMemoryImageReadModel();
  const eventStore = new InMemoryImageEventStore();
  const grants = new InMemoryUploadGrantStore();
  const cdn = new RecordingCdnInvalidator();
  const ports: IngestPorts = {
    signer,
    downloads,
    grants,
    ids: new UuidV7Generator(clock),
    clock,
    store,
    publisher,
    readModel,
    eventStore,
    cdn,
  };
  let storedCount = 0;
  const services = createIngestServices(config, ports);

  const append = async (entries: readonly PublishEntry[]) => {
    for (const entry of entries) {
      const detail = entry.detail as { eventId: string; occurredAt: string; data: { imageId: string } };
      const history = await eventStore.load(detail.data.imageId);
      await eventStore.append(detail.data.imageId, history.length, [
        {
          eventId: detail.eventId,
          source: entry.source,
          detailType: entry.detailType,
          occurredAt: detail.occurredAt,
          detail: structuredClone(detail) as unknown as Record<string, unknown>,
        },
      ]);
    }
  };

  return {
    config,
    clock,
    signer,
    downloads,
    store,
    publisher,
    readModel,
    eventStore,
    cdn,
    ports,
    grants,
    services,
    async seedImage({ userId, imageId, uploadedAt, filename = 'photo.jpg' }) {
      const data: DataInputOf<typeof ImageUploadedV1> = {
        imageId,
        userId,
        original: {
          bucket: config.originalsBucket,
          key: originalKey(userId, imageId, filename),
          size: 1234,
          contentHash: 'etag:0123456789abcdef',
          contentType: 'image/jpeg',
          filename,
        },
        format: 'jpeg',
        renditionsVersion: config.renditionsVersion,
        uploadedAt,
      };
      const envelope = createEnvelope(ImageUploadedV1, data, { correlationId: imageId, occurredAt: uploadedAt });
      await append([{ source: 'imgpipe.ingest', detailType: 'ImageUploaded', detail: envelope }]);
      await readModel.put(
        { imageId, userId, uploadedAt, originalKey: data.original.key, status: 'processing', revision: 1 },
        { expectedRevision: 0 },
      );
    },
    async upload(userId, body, { filename = 'photo.jpg', contentType = 'image/jpeg' } = {}) {
      const grant = await services.createUpload(userId, { filename, contentType, bytes: body.byteLength });
      const stored = await store.put({ bucket: config.originalsBucket, key: grant.key, body, contentType });
      const object: CreatedObject = {
        bucket: config.originalsBucket,
        key: grant.key,
        size: body.byteLength,
        ...(stored.etag ? { etag: stored.etag } : {}),
        ...(stored.versionId ? { versionId: stored.versionId } : {}),
        createdAt: new Date(clock.now().getTime() + 1000).toISOString(),
      };
      return { grant, object };
    },
    async storePublished() {
      await append(publisher.published.slice(storedCount));
      storedCount = publisher.published.length;
    },
  };
}
