import {
  foldImageEvent,
  foldRecord,
  isOnRun,
  ImageVariantAddedV1,
  parseDetail,
  parseStoredEvent,
  UnknownEventError,
  type FoldOptions,
  type HistoryEvent,
  type ImageFoldRecord,
  type ImageFoldState,
  type ImageVariantAddedData,
} from '@imgpipe/contracts';
import { withAddedVariant } from '@imgpipe/delivery';
import type { ImageRecord, StoredImageEvent } from '@imgpipe/platform';
import { MetadataError } from './errors';

/** Where an image is in the pipeline: the read model's `status` (one definition, shared with the UI). */
export { IMAGE_STATUSES, type ImageStatus } from '@imgpipe/contracts/views';

/**
 * The one fold of an image's history lives in `@imgpipe/contracts` (fold.ts), so ingest and
 * the local runtime use the very same rules without importing this app; re-exported here for
 * the metadata service's own callers.
 */
export {
  foldHistory,
  foldImageEvent,
  isDeleted,
  parseStoredEvent,
  UnknownEventError,
  type ImageFailure,
  type ImageFoldState,
  type PipelineEvent,
  type UnprojectedData,
} from '@imgpipe/contracts';

/**
 * The attributes the projection writes into the `image-metadata` table besides the key
 * (`imageId`, `uploadedAt`, `userId`) and `revision`: the fold's record, plus the TTL.
 * Attributes the history has not told yet are absent, never `undefined` or `null`.
 */
export type ImageMetadata = Omit<ImageFoldRecord, 'imageId' | 'userId' | 'uploadedAt'> & {
  /** TTL (epoch seconds): `uploadedAt` + the retention, when one is configured. */
  readonly expiresAt?: number;
};

/** One item of the `image-metadata` table. `revision` is the number of events applied. */
export type ImageMetadataRecord = ImageRecord<ImageMetadata>;

export interface ProjectionOptions extends FoldOptions {
  /** Records expire this many days after upload (DynamoDB TTL); absent: never. */
  readonly retentionDays?: number;
}

const SECONDS_PER_DAY = 86_400;

/**
 * The fold of `@imgpipe/contracts` (`foldImageEvent`, event by event in sequence order) plus
 * the one rule it leaves to this service, which owns the delivery record's builders
 * (`@imgpipe/delivery`, which the contracts lib cannot import):
 *
 * - `ImageVariantAdded` (compress's AVIF step after `ImageProcessed`) adds its variant to the
 *   delivery record (`withAddedVariant`: `formats`, `negotiatedUrl`, `srcset`, `<picture>`
 *   rebuilt) only while the image is `processed` and its record is on the event's `version`.
 *   An event for a run the record has left (a reprocess recorded since), or after a delete,
 *   stays in the history and changes nothing; a later `ImageProcessed` brings its own record.
 *
 * `RecordMetadata` reads the history with it too, so a reprocess removes the AVIF it replaced.
 */
export function foldWithAddedVariants(
  history: readonly Pick<HistoryEvent, 'sequence' | 'detailType' | 'detail'>[],
  options: FoldOptions = {},
): ImageFoldState | undefined {
  const ordered = [...history].sort((a, b) => a.sequence - b.sequence);
  let state: ImageFoldState | undefined;
  for (const stored of ordered) {
    const event = parseStoredEvent(stored);
    state = foldImageEvent(state, event, options);
    if (event.detailType === 'Unprojected' && event.name === ImageVariantAddedV1.detailType && state) {
      state = withVariant(state, parseDetail(ImageVariantAddedV1, stored.detail).data);
    }
  }
  return state;
}

function withVariant(state: ImageFoldState, added: ImageVariantAddedData): ImageFoldState {
  const { delivery } = state;
  if (!delivery || !isOnRun(state, added.version)) return state;
  const { variant } = added;
  return {
    ...state,
    delivery: withAddedVariant(delivery, state, { key: variant.key, format: variant.format, width: variant.width, height: variant.height, size: variant.bytes }),
  };
}

/**
 * The read-model record of one image: a pure fold over its history, so the live path and
 * a rebuild from the event store always produce the same item. It is the one definition
 * of an image's status: the local runtime's figures and crash recovery use it too.
 *
 * - `ImageUploaded` -> `processing`, with the original's key, size, format and owner. The
 *   same upload again (same content hash and rendition set, e.g. the bus delivery arriving
 *   after the state machine recorded it) changes nothing.
 * - `ImageCompressed` -> `compressedKey`, `compressedSize`, `savingsPercent`.
 * - `ThumbnailsGenerated` -> `thumbnails` (rendition name -> key).
 * - `ImageProcessed` -> `processed`, `processingTimeMs` (and the outputs it summarises).
 * - `ImageVariantAdded` -> the variant in the delivery record, while it is on the event's run
 *   (see {@link foldWithAddedVariants}).
 * - `ImageProcessingFailed` -> `failed`, `failure { code, reason, stage }`.
 * - `ImageDeleted` -> `deleted`, `deletedAt`, `undoUntil` (v1: `deletedAt` + the configured
 *   window). Terminal: nothing after it changes the record (a late event of a run in flight,
 *   a replay) except
 *   - `ImageRestored` with `restoredAt` before `undoUntil` and before any purge -> `processing`
 *     again; the next upload and processing of the same original apply again;
 *   - `ImagePurged` -> stays `deleted`, with `purgedAt`: a tombstone without the original's
 *     key, file facts, variants or renditions. Final.
 * - An event of a contract the fold has no rule for changes nothing.
 *
 * The key is set by the first event: `uploadedAt` is its upload time when it is an
 * `ImageUploaded`, else its `occurredAt` (an upload ingest refused never had an
 * `ImageUploaded`); it never moves afterwards. `revision` is the history's length.
 *
 * @returns `undefined` for an empty history.
 * @throws {MetadataError} `UnknownEvent` (the fold's `UnknownEventError` as its cause), or a
 *   `ContractError`, for an event it cannot read.
 * @example
 * const record = projectImage(await store.load(imageId), { retentionDays: 365 });
 */
export function projectImage(
  history: readonly StoredImageEvent[],
  options: ProjectionOptions = {},
): ImageMetadataRecord | undefined {
  let state: ImageFoldState | undefined;
  try {
    state = foldWithAddedVariants(history, options);
  } catch (error) {
    if (!(error instanceof UnknownEventError)) throw error;
    throw new MetadataError({ code: 'UnknownEvent', message: error.message, cause: error });
  }
  if (!state) return undefined;

  const record = foldRecord(state);
  const expiresAt =
    options.retentionDays === undefined
      ? undefined
      : Math.floor(Date.parse(record.uploadedAt) / 1000) + options.retentionDays * SECONDS_PER_DAY;
  return { ...record, ...(expiresAt !== undefined ? { expiresAt } : {}), revision: history.length };
}
