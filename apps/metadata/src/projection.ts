import {
  findContract,
  parseDetail,
  type EnvelopeOf,
  type FailureCode,
  type FailureStage,
  type ImageCompressedV1,
  type ImageDeletedV1,
  type ImageProcessedV1,
  type ImageProcessingFailedV1,
  type ImageUploadedV1,
  type InputFormat,
  type ThumbnailsGeneratedV1,
} from '@imgpipe/contracts';
import type { ImageStatus } from '@imgpipe/contracts/views';
import type { ImageRecord, StoredImageEvent } from '@imgpipe/platform';
import { MetadataError } from './errors';

/** Where an image is in the pipeline: the read model's `status` (one definition, shared with the UI). */
export { IMAGE_STATUSES, type ImageStatus } from '@imgpipe/contracts/views';

/** Why the last pipeline run of an image failed. */
export interface ImageFailure {
  readonly code: FailureCode;
  readonly reason: string;
  readonly stage: FailureStage;
}

/**
 * The attributes the projection writes into the `image-metadata` table besides the key
 * (`imageId`, `uploadedAt`, `userId`) and `revision`. Attributes the history has not told
 * yet are absent, never `undefined` or `null`.
 */
export interface ImageMetadata {
  readonly status: ImageStatus;
  readonly originalKey?: string;
  readonly originalSize?: number;
  /** The original's real format. */
  readonly format?: InputFormat;
  /** Of the full-size image (orientation applied). */
  readonly width?: number;
  readonly height?: number;
  /** The rendition set of the last upload or processing run. */
  readonly renditionsVersion?: string;
  /** Key of the primary full-size variant. */
  readonly compressedKey?: string;
  readonly compressedSize?: number;
  readonly savingsPercent?: number;
  /** Rendition name -> object key. */
  readonly thumbnails?: Readonly<Record<string, string>>;
  /** Wall time of the pipeline run, upload to record. */
  readonly processingTimeMs?: number;
  /** Set while `status` is `failed`. */
  readonly failure?: ImageFailure;
  readonly deletedAt?: string;
  /** `occurredAt` of the last event applied. */
  readonly updatedAt: string;
  /** TTL (epoch seconds): `uploadedAt` + the retention, when one is configured. */
  readonly expiresAt?: number;
}

/** One item of the `image-metadata` table. `revision` is the number of events applied. */
export type ImageMetadataRecord = ImageRecord<ImageMetadata>;

export interface ProjectionOptions {
  /** Records expire this many days after upload (DynamoDB TTL); absent: never. */
  readonly retentionDays?: number;
}

/** A stored event parsed by its contract, narrowed on `detailType`. */
export type PipelineEvent =
  | { readonly detailType: 'ImageUploaded'; readonly envelope: EnvelopeOf<typeof ImageUploadedV1> }
  | { readonly detailType: 'ImageCompressed'; readonly envelope: EnvelopeOf<typeof ImageCompressedV1> }
  | { readonly detailType: 'ThumbnailsGenerated'; readonly envelope: EnvelopeOf<typeof ThumbnailsGeneratedV1> }
  | { readonly detailType: 'ImageProcessed'; readonly envelope: EnvelopeOf<typeof ImageProcessedV1> }
  | { readonly detailType: 'ImageProcessingFailed'; readonly envelope: EnvelopeOf<typeof ImageProcessingFailedV1> }
  | { readonly detailType: 'ImageDeleted'; readonly envelope: EnvelopeOf<typeof ImageDeletedV1> };

/**
 * Parses a stored event's `detail` with the contract its `detailType` and `detail.version`
 * name.
 *
 * @throws {MetadataError} `UnknownEvent` when no contract has that name and version.
 * @throws {ContractError} when the detail does not fit its contract.
 */
export function parseStoredEvent(event: Pick<StoredImageEvent, 'detailType' | 'detail'>): PipelineEvent {
  const version = event.detail['version'];
  const contract = typeof version === 'number' ? findContract(event.detailType, version) : undefined;
  if (!contract) {
    throw new MetadataError(
      'UnknownEvent',
      `no contract for ${event.detailType} v${String(version)}: this service cannot project it`,
    );
  }
  switch (contract.detailType) {
    case 'ImageUploaded':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
    case 'ImageCompressed':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
    case 'ThumbnailsGenerated':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
    case 'ImageProcessed':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
    case 'ImageProcessingFailed':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
    case 'ImageDeleted':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Draft = Mutable<Omit<ImageMetadataRecord, 'revision'>> & {
  /** `contentHash` + `renditionsVersion` of the upload being processed, to spot a redelivered upload. */
  upload?: string;
};

const SECONDS_PER_DAY = 86_400;

/**
 * The read-model record of one image: a pure fold over its history, so the live path and
 * a rebuild from the event store always produce the same item.
 *
 * - `ImageUploaded` -> `processing`, with the original's key, size, format and owner. The
 *   same upload again (same content hash and rendition set, e.g. the bus delivery arriving
 *   after the state machine recorded it) changes nothing.
 * - `ImageCompressed` -> `compressedKey`, `compressedSize`, `savingsPercent`.
 * - `ThumbnailsGenerated` -> `thumbnails` (rendition name -> key).
 * - `ImageProcessed` -> `processed`, `processingTimeMs` (and the outputs it summarises).
 * - `ImageProcessingFailed` -> `failed`, `failure { code, reason, stage }`.
 * - `ImageDeleted` -> `deleted`; the record stays, and nothing after it changes it again.
 *
 * The key is set by the first event: `uploadedAt` is its upload time when it is an
 * `ImageUploaded`, else its `occurredAt` (an upload ingest refused never had an
 * `ImageUploaded`); it never moves afterwards. `revision` is the history's length.
 *
 * @returns `undefined` for an empty history.
 * @throws {MetadataError} `UnknownEvent`, or a `ContractError`, for an event it cannot read.
 * @example
 * const record = projectImage(await store.load(imageId), { retentionDays: 365 });
 */
export function projectImage(
  history: readonly StoredImageEvent[],
  options: ProjectionOptions = {},
): ImageMetadataRecord | undefined {
  const ordered = [...history].sort((a, b) => a.sequence - b.sequence);
  let draft: Draft | undefined;
  for (const stored of ordered) {
    const event = parseStoredEvent(stored);
    draft = apply(draft ?? start(event), event);
  }
  if (!draft) return undefined;

  const { upload: _upload, ...record } = draft;
  if (options.retentionDays !== undefined) {
    record.expiresAt = Math.floor(Date.parse(record.uploadedAt) / 1000) + options.retentionDays * SECONDS_PER_DAY;
  }
  return { ...record, revision: ordered.length };
}

function start(event: PipelineEvent): Draft {
  const { data, occurredAt } = event.envelope;
  return {
    imageId: data.imageId,
    userId: data.userId,
    uploadedAt: event.detailType === 'ImageUploaded' ? event.envelope.data.uploadedAt : occurredAt,
    status: 'processing',
    updatedAt: occurredAt,
  };
}

function apply(draft: Draft, event: PipelineEvent): Draft {
  const updatedAt = event.envelope.occurredAt;
  // A deleted image's record is final: a late event of a run still in flight changes nothing.
  if (draft.status === 'deleted') return { ...draft, updatedAt };

  switch (event.detailType) {
    case 'ImageUploaded': {
      const data = event.envelope.data;
      const upload = `${data.original.contentHash} ${data.renditionsVersion}`;
      if (draft.upload === upload) return { ...draft, updatedAt };
      const { failure: _failure, ...rest } = draft;
      return {
        ...rest,
        upload,
        status: 'processing',
        originalKey: data.original.key,
        originalSize: data.original.size,
        format: data.format,
        ...(data.width !== undefined ? { width: data.width } : {}),
        ...(data.height !== undefined ? { height: data.height } : {}),
        renditionsVersion: data.renditionsVersion,
        updatedAt,
      };
    }
    case 'ImageCompressed': {
      const data = event.envelope.data;
      return {
        ...draft,
        originalKey: data.originalKey,
        originalSize: data.originalSize,
        compressedKey: data.compressedKey,
        compressedSize: data.compressedSize,
        savingsPercent: data.savingsPercent,
        width: data.width,
        height: data.height,
        updatedAt,
      };
    }
    case 'ThumbnailsGenerated': {
      const data = event.envelope.data;
      return {
        ...draft,
        thumbnails: Object.fromEntries(data.renditions.map((r) => [r.name, r.key])),
        renditionsVersion: data.renditionsVersion,
        updatedAt,
      };
    }
    case 'ImageProcessed': {
      const data = event.envelope.data;
      const { failure: _failure, ...rest } = draft;
      return {
        ...rest,
        status: 'processed',
        originalKey: data.originalKey,
        originalSize: data.originalSize,
        compressedKey: data.compressedKey,
        compressedSize: data.compressedSize,
        savingsPercent: data.savingsPercent,
        thumbnails: { ...data.thumbnails },
        processingTimeMs: data.processingTimeMs,
        width: data.width,
        height: data.height,
        format: data.format,
        renditionsVersion: data.renditionsVersion,
        updatedAt,
      };
    }
    case 'ImageProcessingFailed': {
      const data = event.envelope.data;
      // The image itself is done; only announcing it failed. It stays processed, and the
      // failure is kept so the history and the UI can say what went wrong.
      const announcementOnly = draft.status === 'processed' && data.stage === 'notify';
      return {
        ...draft,
        status: announcementOnly ? 'processed' : 'failed',
        originalKey: data.originalKey,
        failure: { code: data.code, reason: data.reason, stage: data.stage },
        updatedAt,
      };
    }
    case 'ImageDeleted':
      return { ...draft, status: 'deleted', deletedAt: event.envelope.data.deletedAt, updatedAt };
  }
}
