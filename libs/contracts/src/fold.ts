/**
 * The ONE fold of an image's history: its status and facts after its events, and the
 * lifecycle rules of deletion (`ImageDeleted` terminal, a timely `ImageRestored`, `ImagePurged`
 * final). Every consumer imports it from here: metadata's read-model projection
 * (`projectImage`), ingest's API (delete, restore, a grantless upload's proven history), and
 * the local runtime's figures, crash recovery and replay. Contracts and zod only: nothing here
 * pulls the AWS SDK into a bundle.
 */
import type { EnvelopeOf, EventEnvelope } from './contract';
import { parseDetail } from './envelope';
import type { ImageCompressedV1, ImageCompressedV2 } from './events/image-compressed.contract';
import type { ImageDeletedV1, ImageDeletedV2 } from './events/image-deleted.contract';
import type { ImageProcessedV1, ImageProcessedV2 } from './events/image-processed.contract';
import type { FailureCode, FailureStage, ImageProcessingFailedV1 } from './events/image-processing-failed.contract';
import type { ImagePurgedV1 } from './events/image-purged.contract';
import type { ImageRestoredV1 } from './events/image-restored.contract';
import type { ImageUploadedData, ImageUploadedV1 } from './events/image-uploaded.contract';
import { primaryRenditionKeys, type ThumbnailsGeneratedV1, type ThumbnailsGeneratedV2, type ThumbnailsGeneratedV3 } from './events/thumbnails-generated.contract';
import type { InputFormat } from './fields';
import { ImgpipeError } from './imgpipe-error';
import { DEFAULT_UNDO_WINDOW_SECONDS, undoDeadline } from './lifecycle';
import { findContract } from './registry';
import type { ImageRecordView, ImageStatus } from './views';

/** An event of an image's history as a store keeps it (the platform's `StoredImageEvent` fits). */
export interface HistoryEvent {
  /** 1 for the image's first event, then 2, 3, ... */
  readonly sequence: number;
  /** The event name (EventBridge `detail-type`). */
  readonly detailType: string;
  /** The event's `detail` (envelope and data) as published. */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A history holds an event no contract of this build reads (written by a newer version). Never retryable. */
export class UnknownEventError extends ImgpipeError<'UnknownEvent'> {
  override readonly name = 'UnknownEventError';

  constructor(message: string) {
    super({ code: 'UnknownEvent', message, retryable: false });
  }
}

/** Why the last pipeline run of an image failed. */
export interface ImageFailure {
  readonly code: FailureCode;
  readonly reason: string;
  readonly stage: FailureStage;
}

/**
 * What the fold knows of one image: THE image record of `views.ts` (`ImageRecordView`, the
 * one declaration of its fields, which the API returns and every client reads), with this
 * build's own vocabulary for the format and the failure, and `updatedAt` always set.
 * Attributes the history has not told yet are absent.
 */
export interface ImageFoldRecord extends ImageRecordView {
  readonly status: ImageStatus;
  /** The original's real format. */
  readonly format?: InputFormat;
  /** Set while `status` is `failed`. */
  readonly failure?: ImageFailure;
  /** `occurredAt` of the last event applied. */
  readonly updatedAt: string;
}

export interface FoldOptions {
  /**
   * The undo window of an `ImageDeleted` v1, which carries no `undoUntil` (default
   * `DEFAULT_UNDO_WINDOW_SECONDS`); v2 deletes say their own.
   */
  readonly undoWindowSeconds?: number;
}

/** A stored event parsed by its contract, narrowed on `detailType`. */
export type PipelineEvent =
  | { readonly detailType: 'ImageUploaded'; readonly envelope: EnvelopeOf<typeof ImageUploadedV1> }
  | { readonly detailType: 'ImageCompressed'; readonly envelope: EnvelopeOf<typeof ImageCompressedV1 | typeof ImageCompressedV2> }
  | { readonly detailType: 'ThumbnailsGenerated'; readonly envelope: EnvelopeOf<typeof ThumbnailsGeneratedV1 | typeof ThumbnailsGeneratedV2 | typeof ThumbnailsGeneratedV3> }
  | { readonly detailType: 'ImageProcessed'; readonly envelope: EnvelopeOf<typeof ImageProcessedV1 | typeof ImageProcessedV2> }
  | { readonly detailType: 'ImageProcessingFailed'; readonly envelope: EnvelopeOf<typeof ImageProcessingFailedV1> }
  | { readonly detailType: 'ImageDeleted'; readonly envelope: EnvelopeOf<typeof ImageDeletedV1 | typeof ImageDeletedV2> }
  | { readonly detailType: 'ImageRestored'; readonly envelope: EnvelopeOf<typeof ImageRestoredV1> }
  | { readonly detailType: 'ImagePurged'; readonly envelope: EnvelopeOf<typeof ImagePurgedV1> }
  /** A contract the fold has no rule for (recorded in the history, changes no status). */
  | { readonly detailType: 'Unprojected'; readonly name: string; readonly envelope: EventEnvelope<UnprojectedData> };

/** What the fold reads of an event it has no rule for. */
export interface UnprojectedData {
  readonly imageId?: string;
  readonly userId?: string;
}

/**
 * Parses a stored event's `detail` with the contract its `detailType` and `detail.version`
 * name.
 *
 * @throws {UnknownEventError} when no contract has that name and version.
 * @throws {ContractError} when the detail does not fit its contract.
 */
export function parseStoredEvent(event: Pick<HistoryEvent, 'detailType' | 'detail'>): PipelineEvent {
  const version = event.detail['version'];
  const contract = typeof version === 'number' ? findContract(event.detailType, version) : undefined;
  if (!contract) {
    throw new UnknownEventError(`no contract for ${event.detailType} v${String(version)}: this service cannot project it`);
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
    case 'ImageRestored':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
    case 'ImagePurged':
      return { detailType: contract.detailType, envelope: parseDetail(contract, event.detail) };
    default: {
      // A contract added after this fold (it is still validated): kept in the history, no status change.
      const known: { detailType: string } = contract;
      const envelope = parseDetail(contract as never, event.detail) as EventEnvelope<UnprojectedData>;
      return { detailType: 'Unprojected', name: known.detailType, envelope };
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The fold's state for one image: the record being built, plus what the fold remembers
 * between events (none of it is stored in the read model; `projectImage` drops it).
 */
export type ImageFoldState = Mutable<ImageFoldRecord> & {
  /** `contentHash` + `renditionsVersion` of the upload being processed, to spot a redelivered upload. */
  upload?: string;
  /**
   * How many times a delete was undone (`ImageRestored` applied). A run after a restore
   * records its events under ids of this generation, so they are not taken for the
   * pre-delete run's (see `runEventId`).
   */
  generation?: number;
  /** The data of the last `ImageUploaded` applied: what a restore sends through the pipeline again. */
  lastUpload?: ImageUploadedData;
  /** Set while `status` is `deleted` (kept by the tombstone): the id of the `ImageDeleted` in force. */
  deletedBy?: string;
  /** The last `ImageRestored` applied (a timely one): a later delete's id derives from it. */
  lastRestore?: { readonly eventId: string; readonly restoredAt: string };
};

/** The fold's bookkeeping: what {@link ImageFoldState} holds beyond {@link ImageFoldRecord}. */
export const FOLD_BOOKKEEPING = ['upload', 'generation', 'lastUpload', 'deletedBy', 'lastRestore'] as const;

// FOLD_BOOKKEEPING names every key the state has beyond the record (a compile error otherwise).
const BOOKKEEPING_COVERED: [Exclude<keyof ImageFoldState, keyof ImageFoldRecord>] extends [(typeof FOLD_BOOKKEEPING)[number]] ? true : never = true;
void BOOKKEEPING_COVERED;

/**
 * The keys of an image's fold state that the fold reads to make the next state, beyond copying
 * them forward: `status` (a deleted image takes only a timely restore or the purge; a `notify`
 * failure leaves a processed image processed), `upload` (a redelivered `ImageUploaded` is told by
 * it), `undoUntil` (a restore past it changes nothing), `purgedAt` (nothing brings a purged image
 * back) and `generation` (a restore counts on from it; a run's event ids are named by it,
 * metadata's `runEventId`). Every other key the fold sets, copies forward, merges (`thumbnails`) or
 * drops, and never decides by.
 *
 * A state picked to these keys folds any later event to the same `status` and the same values of
 * these keys as the whole state (fold.spec.ts): a consumer that needs no record of a settled
 * image (the local runtime's figures) keeps only these, plus what it reads itself.
 */
export const FOLD_DECISION_KEYS = ['status', 'upload', 'undoUntil', 'purgedAt', 'generation'] as const satisfies readonly (keyof ImageFoldState)[];

/**
 * The state cut down to `keys` (at least {@link FOLD_DECISION_KEYS}, so the fold decides later
 * events as from the whole state): what a consumer keeps of a settled image. Not a whole
 * `ImageFoldState` (no identity, no record); the cast stands for "the fold reads none of the rest".
 */
export function pickFoldState(state: ImageFoldState, keys: readonly (keyof ImageFoldState)[]): ImageFoldState {
  const kept: Partial<Record<keyof ImageFoldState, unknown>> = {};
  for (const key of keys) if (state[key] !== undefined) kept[key] = state[key];
  return kept as ImageFoldState;
}

/**
 * The record a fold's state stands for: the state without its {@link FOLD_BOOKKEEPING}. The read
 * model's record (metadata's `projectImage`) and the local runtime's live updates are built with it.
 */
export function foldRecord(state: ImageFoldState): ImageFoldRecord {
  const record: Partial<ImageFoldState> = { ...state };
  for (const key of FOLD_BOOKKEEPING) delete record[key];
  return record as ImageFoldRecord;
}

/**
 * The fold's state after a whole history (in sequence order, whatever the array order).
 *
 * @returns `undefined` for a history without an event naming its image.
 */
export function foldHistory(
  history: readonly Pick<HistoryEvent, 'sequence' | 'detailType' | 'detail'>[],
  options: FoldOptions = {},
): ImageFoldState | undefined {
  const ordered = [...history].sort((a, b) => a.sequence - b.sequence);
  let state: ImageFoldState | undefined;
  for (const stored of ordered) state = foldImageEvent(state, parseStoredEvent(stored), options);
  return state;
}

/**
 * One step of the fold: the state after `event` (a new object; `state` is not changed).
 * For consumers that see events one at a time (the local runtime's figures); a history is
 * folded with {@link foldHistory}.
 */
export function foldImageEvent(
  state: ImageFoldState | undefined,
  event: PipelineEvent,
  options: FoldOptions = {},
): ImageFoldState | undefined {
  const current = state ?? start(event);
  return current ? apply(current, event, options) : undefined;
}

/** Whether the image is deleted (and not restored since) in this state: work finishing now is discarded. */
export function isDeleted(state: Pick<ImageFoldState, 'status'> | undefined): boolean {
  return state?.status === 'deleted';
}

/**
 * Whether the image's record is processed on the run `version` names: the one rule for a
 * follow-up variant of that run (`ImageVariantAdded`) — the step that makes it, the bus
 * consumer that appends it and the fold that adds it to the delivery record all ask this.
 */
export function isOnRun(state: Pick<ImageFoldState, 'status' | 'delivery'> | undefined, version: string): boolean {
  return state?.status === 'processed' && state.delivery?.version === version;
}

function start(event: PipelineEvent): ImageFoldState | undefined {
  const { data, occurredAt } = event.envelope;
  if (typeof data.imageId !== 'string' || typeof data.userId !== 'string') return undefined;
  return {
    imageId: data.imageId,
    userId: data.userId,
    uploadedAt: event.detailType === 'ImageUploaded' ? event.envelope.data.uploadedAt : occurredAt,
    status: 'processing',
    updatedAt: occurredAt,
  };
}

function apply(draft: ImageFoldState, event: PipelineEvent, options: FoldOptions): ImageFoldState {
  const updatedAt = event.envelope.occurredAt;
  if (draft.status === 'deleted') return applyAfterDelete(draft, event, updatedAt);

  switch (event.detailType) {
    case 'ImageUploaded': {
      const data = event.envelope.data;
      const upload = `${data.original.contentHash} ${data.renditionsVersion}`;
      if (draft.upload === upload) return { ...draft, updatedAt };
      const { failure: _failure, ...rest } = draft;
      return {
        ...rest,
        upload,
        lastUpload: data,
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
      // Recorded as soon as the thumbnail branch ends (issue 13): a `processing` record shows
      // its renditions and placeholder before the full-size encode ends. Status unchanged.
      // Merged, not replaced: since the set is split it lists the thumbnail task's share only, and
      // a rerun over a processed record keeps naming the large renditions (compress's, still
      // stored) until its `ImageProcessed` names the whole set.
      const { placeholder: _placeholder, ...rest } = draft;
      return {
        ...rest,
        thumbnails: { ...draft.thumbnails, ...primaryRenditionKeys(data.renditions) },
        ...('placeholder' in data ? { placeholder: data.placeholder } : {}),
        renditionsVersion: data.renditionsVersion,
        updatedAt,
      };
    }
    case 'ImageProcessed': {
      const data = event.envelope.data;
      // A v1 event carries no delivery record: one from an earlier run would name keys this run replaced.
      const { failure: _failure, delivery: _delivery, ...rest } = draft;
      return {
        ...rest,
        ...('delivery' in data ? { delivery: data.delivery } : {}),
        ...('delivery' in data && data.delivery.placeholder ? { placeholder: data.delivery.placeholder } : {}),
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
    case 'ImageDeleted': {
      const data = event.envelope.data;
      const undoUntil =
        'undoUntil' in data ? data.undoUntil : undoDeadline(data.deletedAt, options.undoWindowSeconds ?? DEFAULT_UNDO_WINDOW_SECONDS);
      return { ...draft, status: 'deleted', deletedAt: data.deletedAt, undoUntil, deletedBy: event.envelope.eventId, updatedAt };
    }
    case 'ImagePurged':
      // A purge without a delete before it (a history out of order): it is still final.
      return tombstone(draft, event.envelope.data.purgedAt, updatedAt);
    case 'ImageRestored':
    case 'Unprojected':
      // Nothing to undo; an event the fold has no rule for.
      return { ...draft, updatedAt };
  }
}

/** A deleted image: only a timely restore or the purge change it. */
function applyAfterDelete(draft: ImageFoldState, event: PipelineEvent, updatedAt: string): ImageFoldState {
  if (event.detailType === 'ImagePurged') {
    return draft.purgedAt ? { ...draft, updatedAt } : tombstone(draft, event.envelope.data.purgedAt, updatedAt);
  }
  if (event.detailType === 'ImageRestored') {
    const restoredAt = Date.parse(event.envelope.data.restoredAt);
    const inTime = draft.undoUntil === undefined || restoredAt < Date.parse(draft.undoUntil);
    if (draft.purgedAt || !inTime) return { ...draft, updatedAt };
    const { deletedAt: _deletedAt, undoUntil: _undoUntil, deletedBy: _deletedBy, upload: _upload, failure: _failure, ...rest } = draft;
    // Back through the pipeline: the same upload is a new run (its marker is cleared).
    return {
      ...rest,
      status: 'processing',
      generation: (draft.generation ?? 0) + 1,
      lastRestore: { eventId: event.envelope.eventId, restoredAt: event.envelope.data.restoredAt },
      updatedAt,
    };
  }
  // A late event of a run in flight, a replay: recorded in the history, changes nothing.
  return { ...draft, updatedAt };
}

/** What is left of a purged image: its key, owner and dates; nothing about the file. */
function tombstone(draft: ImageFoldState, purgedAt: string, updatedAt: string): ImageFoldState {
  return {
    imageId: draft.imageId,
    userId: draft.userId,
    uploadedAt: draft.uploadedAt,
    status: 'deleted',
    ...(draft.deletedAt !== undefined ? { deletedAt: draft.deletedAt } : {}),
    ...(draft.undoUntil !== undefined ? { undoUntil: draft.undoUntil } : {}),
    ...(draft.deletedBy !== undefined ? { deletedBy: draft.deletedBy } : {}),
    purgedAt,
    ...(draft.generation !== undefined ? { generation: draft.generation } : {}),
    updatedAt,
  };
}
