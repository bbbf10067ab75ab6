import { parseUploadKey } from '@imgpipe/ingest';
import { foldHistory, foldImageEvent, parseStoredEvent, type FoldOptions, type ImageFoldState } from '@imgpipe/contracts';
import { ORIGINALS_PREFIX, type ImageEventStore, type ObjectStore, type StoredImageEvent } from '@imgpipe/platform';
import { LOCAL_ACCOUNT, LOCAL_EVENT_REGION, type BusEntry, type BusEvent } from '../bus/bus-event';

export interface RecoveryDeps {
  readonly eventStore: ImageEventStore;
  readonly store: ObjectStore;
  readonly originalsBucket: string;
  /** Starts the pipeline on an `ImageUploaded` event (the `image-uploaded-to-pipeline` rule's target). */
  readonly runPipeline: (event: BusEvent) => void;
  /** Puts an S3 "Object Created" event on the default bus (S3's notification, again). */
  readonly announceObject: (entry: BusEntry) => Promise<void>;
  /** Whether S3 announced this original itself since the start (a fresh upload, not a lost one). */
  readonly announcedSinceStart?: (key: string) => boolean;
  /** Metadata's projection options (the undo window of v1 deletes), to fold histories as the read model does. */
  readonly projection?: FoldOptions;
  /**
   * The imgpipe events that survive the tables (the bus archive), folded by
   * {@link deletedImagesIn}: an original of an image they say is deleted is not announced
   * again when its history is gone (its original is only kept for the undo window).
   */
  readonly survivingEvents?: () => AsyncIterable<{ readonly 'detail-type': string; readonly detail: unknown }>;
}

export interface RecoveryResult {
  /** Images still processing by metadata's fold (their run owes an outcome): run again. */
  readonly rerun: readonly string[];
  /** Originals with no history at all (the process died before ingest saw them): announced again. */
  readonly reannounced: readonly string[];
}

/**
 * The `ImageUploaded` an image's pipeline run still owes an outcome to: its last
 * `ImageUploaded`, when metadata's fold (`foldHistory`, the one definition of an image's
 * status) says the image is still `processing`. A processed, failed, deleted or purged image
 * owes nothing: a late event after a delete does not make it unfinished, and a restored
 * image is (its original goes through the pipeline again). A history the fold cannot read
 * is left alone (its image's record cannot be projected either; the read side reports it).
 */
export function unfinishedUpload(
  history: readonly StoredImageEvent[],
  options: FoldOptions = {},
): StoredImageEvent | undefined {
  let status: string | undefined;
  try {
    status = foldHistory(history, options)?.status;
  } catch {
    return undefined;
  }
  if (status !== 'processing') return undefined;
  return [...history].sort((a, b) => b.sequence - a.sequence).find((event) => event.detailType === 'ImageUploaded');
}

/** The event the bus delivered for a stored `ImageUploaded` (its id is the envelope's). */
export function toPipelineInput(event: StoredImageEvent): BusEvent {
  return {
    version: '0',
    id: event.eventId,
    'detail-type': event.detailType,
    source: event.source,
    account: LOCAL_ACCOUNT,
    time: event.occurredAt,
    region: LOCAL_EVENT_REGION,
    resources: [],
    detail: event.detail,
  };
}

/**
 * Crash safety, run on every start. Work in flight when the process stopped (or died) is
 * picked up again; every step is idempotent (deterministic event ids, idempotent tasks),
 * so running an image twice records it once.
 * 1. Every image metadata's fold says is still `processing` (see {@link unfinishedUpload}:
 *    never a deleted or purged image) is run through the pipeline again from its last
 *    `ImageUploaded`.
 * 2. Every original under `uploads/` whose image has no history at all (stored, but the
 *    process died before ingest checked it) is announced again as "Object Created" —
 *    unless S3 announced it itself since the start (an upload arriving during recovery).
 */
export async function recoverUnfinishedWork(deps: RecoveryDeps): Promise<RecoveryResult> {
  const known = new Set<string>();
  const rerun: string[] = [];
  for await (const imageId of deps.eventStore.scanImageIds()) {
    known.add(imageId);
    const upload = unfinishedUpload(await deps.eventStore.load(imageId), deps.projection);
    if (upload) {
      deps.runPipeline(toPipelineInput(upload));
      rerun.push(imageId);
    }
  }

  const reannounced: string[] = [];
  let deleted: ReadonlySet<string> | undefined;
  for (const key of await deps.store.list(deps.originalsBucket, ORIGINALS_PREFIX)) {
    const parts = parseUploadKey(key);
    if (!parts || known.has(parts.imageId) || deps.announcedSinceStart?.(key)) continue;
    // With the tables lost, a deleted image's kept original has no history either: announcing
    // it would make a new upload of an image its owner deleted.
    deleted ??= deps.survivingEvents ? await deletedImagesIn(deps.survivingEvents(), deps.projection) : new Set();
    if (deleted.has(parts.imageId)) continue;
    // Ingest may have published ImageUploaded just now; only a history still empty counts.
    if ((await deps.eventStore.load(parts.imageId)).length > 0) continue;
    const head = await deps.store.head({ bucket: deps.originalsBucket, key });
    if (!head) continue;
    await deps.announceObject({
      source: 'aws.s3',
      detailType: 'Object Created',
      resources: [`arn:aws:s3:::${deps.originalsBucket}`],
      detail: {
        version: '0',
        bucket: { name: deps.originalsBucket },
        object: { key, size: head.size, ...(head.etag ? { etag: head.etag.replace(/"/g, '') } : {}) },
        reason: 'PostObject',
        requester: 'imgpipe-local-recovery',
      },
    });
    reannounced.push(parts.imageId);
  }
  return { rerun, reannounced };
}

/**
 * The ids of the images metadata's fold says are deleted (or purged) after `events`, in the
 * order given (the archive's, oldest first). Events that are not an image's (S3
 * notifications) or that no contract accepts are skipped.
 */
export async function deletedImagesIn(
  events: AsyncIterable<{ readonly 'detail-type': string; readonly detail: unknown }>,
  options: FoldOptions = {},
): Promise<Set<string>> {
  const states = new Map<string, ImageFoldState>();
  for await (const event of events) {
    const detail = event.detail;
    if (typeof detail !== 'object' || detail === null) continue;
    let parsed;
    try {
      parsed = parseStoredEvent({ detailType: event['detail-type'], detail: detail as Record<string, unknown> });
    } catch {
      continue;
    }
    const imageId = parsed.envelope.data.imageId;
    if (typeof imageId !== 'string') continue;
    const state = foldImageEvent(states.get(imageId), parsed, options);
    if (state) states.set(imageId, state);
  }
  return new Set([...states].filter(([, state]) => state.status === 'deleted').map(([imageId]) => imageId));
}

/** What {@link historiesWithArchive} reads of an archived event. */
export interface SurvivingEvent {
  readonly id?: string;
  readonly source?: string;
  readonly time?: string;
  readonly 'detail-type': string;
  readonly detail: unknown;
}

/**
 * Image histories for ingest's proven-upload rule (`UploadHistories`): the event store's,
 * or, for an image the event store has no history of (its tables were lost), the copy the bus
 * archive keeps (its events in archive order, numbered from 1). So an original whose grant
 * went with the tables is still found to be its image's accepted upload, and kept.
 */
export function historiesWithArchive(
  eventStore: Pick<ImageEventStore, 'load'>,
  survivingEvents: () => AsyncIterable<SurvivingEvent>,
): Pick<ImageEventStore, 'load'> {
  return {
    async load(imageId: string): Promise<StoredImageEvent[]> {
      const stored = await eventStore.load(imageId);
      if (stored.length > 0) return stored;
      const archived: StoredImageEvent[] = [];
      for await (const event of survivingEvents()) {
        const detail = event.detail;
        if (typeof detail !== 'object' || detail === null) continue;
        const envelope = detail as { eventId?: unknown; occurredAt?: unknown; data?: { imageId?: unknown } };
        if (envelope.data?.imageId !== imageId || typeof envelope.eventId !== 'string') continue;
        archived.push({
          imageId,
          sequence: archived.length + 1,
          eventId: envelope.eventId,
          source: event.source ?? '',
          detailType: event['detail-type'],
          occurredAt: typeof envelope.occurredAt === 'string' ? envelope.occurredAt : (event.time ?? ''),
          detail: detail as Record<string, unknown>,
        });
      }
      return archived;
    },
  };
}
