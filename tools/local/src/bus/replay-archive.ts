import { randomUUID } from 'node:crypto';
import { decodeNotifiedKey, parseObjectCreatedEvent, parseUploadKey } from '@imgpipe/ingest';
import { foldHistory } from '@imgpipe/contracts';
import type { ImageEventStore, StoredImageEvent } from '@imgpipe/platform';
import { EVENT_BUS_NAME, type RuleTarget } from '@imgpipe/workflow';
import type { EventArchive } from './archive';
import type { BusEvent, BusName } from './bus-event';

/** Which archived events to replay. */
export interface ReplayRequest {
  /** Inclusive, on the event's `time`: a `Date`, ISO 8601, `now`, or `-<n>s|m|h|d` (ago). */
  readonly from: Date | string;
  /** Exclusive; default now. */
  readonly to?: Date | string;
  /** Only these event names (`detail-type`), e.g. `ImageUploaded`. */
  readonly detailTypes?: readonly string[];
  /** Only this bus (default: both). */
  readonly bus?: BusName;
  /** The replay's name, carried by every replayed event as `replay-name` (default `replay-<uuid>`). */
  readonly name?: string;
}

/**
 * Why an archived event of the window was not replayed:
 * - `deleted`: its image's history folds to `deleted` (a replay must not bring it back);
 * - `unreadable-history`: its image's history could not be folded (an event no contract
 *   reads), so whether the image is deleted is unknown and it is left alone.
 */
export type ReplaySkipReason = 'deleted' | 'unreadable-history';

export interface ReplayResult {
  readonly replayName: string;
  readonly from: string;
  readonly to: string;
  /** Events put back on the bus. */
  readonly replayed: number;
  readonly byDetailType: Readonly<Record<string, number>>;
  /** Archived events of the window not put back on the bus. */
  readonly skipped: number;
  readonly skippedByReason: Readonly<Partial<Record<ReplaySkipReason, number>>>;
  /**
   * Events of deleted images whose history the event store had lost (a rebuild): given to
   * metadata alone, so the history comes back and still ends deleted (and the purge still
   * erases the original), never to the pipeline, ingest or notify.
   */
  readonly historyOnly: number;
}

export interface ReplayOptions {
  /**
   * The image histories (the event store). With them, the events of an image whose history
   * folds to `deleted` (the one fold, `foldHistory` of @imgpipe/contracts) are skipped, whatever the
   * event: a replay never regenerates, re-records or re-notifies a deleted image. When the
   * event store has no history of an image (its tables were lost), the archive's own copy of
   * the history is folded instead; a deleted image's events then go to metadata alone
   * (see {@link ReplayResult.historyOnly}).
   */
  readonly histories?: Pick<ImageEventStore, 'load'>;
}

/** Where replayed events go: the bus (its rules deliver them as they deliver any event). */
export interface ReplayTarget {
  /** `onlyTargets`: deliver to the matching rules with these targets only (EventBridge's replay `FilterArns`). */
  put(bus: BusName, event: BusEvent, options?: { readonly onlyTargets?: readonly RuleTarget[] }): Promise<unknown>;
}

/** The rule target that records an image's history: what a deleted image's lost history is rebuilt through. */
const HISTORY_TARGETS: readonly RuleTarget[] = ['metadata'];

const RELATIVE = /^-(\d+)(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time as the replay options take it.
 * @throws RangeError for text that is none of a date, `now` or `-<n>s|m|h|d`.
 */
export function parseReplayTime(value: Date | string, now: Date = new Date()): Date {
  if (value instanceof Date) return value;
  const text = value.trim();
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * (UNIT_MS[relative[2] ?? 's'] ?? 1000));
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new RangeError(`not a time: "${value}" (use ISO 8601, "now" or e.g. "-2h")`);
  return new Date(time);
}

/**
 * Re-publishes the archived events between `from` and `to` (optionally only some event
 * names) to the bus, in archive order, each marked with `replay-name` as EventBridge marks
 * a replay's events. The bus's rules deliver them as usual: `ImageUploaded` runs the
 * pipeline again (reprocessing, e.g. under a new rendition set), every event reaches
 * metadata again (which records each once, by event id). Replayed events are not archived.
 * With `options.histories`, the events of deleted images are skipped (see {@link ReplayOptions}).
 *
 * @throws RangeError when the window is empty or a time cannot be read.
 * @example
 * await replayArchive(archive, bus, { from: '-1d', detailTypes: ['ImageUploaded'] }, { histories: eventStore });
 */
export async function replayArchive(
  archive: EventArchive,
  target: ReplayTarget,
  request: ReplayRequest,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const now = new Date();
  const from = parseReplayTime(request.from, now);
  const to = parseReplayTime(request.to ?? now, now);
  if (!(from.getTime() < to.getTime())) {
    throw new RangeError(`the replay window is empty: from ${from.toISOString()} is not before to ${to.toISOString()}`);
  }
  const replayName = request.name ?? `replay-${randomUUID()}`;
  const verdictOf = options.histories ? replayVerdicts(archive, options.histories) : () => Promise.resolve<Verdict>('replay');
  let replayed = 0;
  const byDetailType: Record<string, number> = {};
  let skipped = 0;
  const skippedByReason: Partial<Record<ReplaySkipReason, number>> = {};
  let historyOnly = 0;
  for await (const archived of archive.read({
    from,
    to,
    ...(request.detailTypes && request.detailTypes.length > 0 ? { detailTypes: request.detailTypes } : {}),
    ...(request.bus ? { bus: request.bus } : {}),
  })) {
    const verdict = await verdictOf(archived.event);
    const event: BusEvent = { ...archived.event, 'replay-name': replayName };
    if (verdict === 'history-only' && archived.bus === EVENT_BUS_NAME) {
      await target.put(archived.bus, event, { onlyTargets: HISTORY_TARGETS });
      historyOnly += 1;
      continue;
    }
    if (verdict !== 'replay') {
      // A history-only verdict on the default bus is S3's Object Created: nothing to record.
      const reason: ReplaySkipReason = verdict === 'history-only' ? 'deleted' : verdict;
      skipped += 1;
      skippedByReason[reason] = (skippedByReason[reason] ?? 0) + 1;
      continue;
    }
    await target.put(archived.bus, event);
    replayed += 1;
    byDetailType[event['detail-type']] = (byDetailType[event['detail-type']] ?? 0) + 1;
  }
  return { replayName, from: from.toISOString(), to: to.toISOString(), replayed, byDetailType, skipped, skippedByReason, historyOnly };
}

const SKIP_REASON_TEXT: Readonly<Record<ReplaySkipReason, string>> = {
  deleted: 'of deleted images',
  'unreadable-history': 'of images whose history could not be read',
};

/**
 * What a replay skipped, for a person: `''` when nothing, else e.g.
 * `; skipped 3 event(s) of deleted images`. The CLI and `npm start -- replay` print it.
 */
export function describeSkipped(result: Pick<ReplayResult, 'skipped' | 'skippedByReason'> & { readonly historyOnly?: number }): string {
  const rebuilt = result.historyOnly ? `; ${result.historyOnly} event(s) of deleted images to metadata only (their lost history)` : '';
  if (!result.skipped) return rebuilt;
  const parts = (Object.keys(SKIP_REASON_TEXT) as ReplaySkipReason[])
    .filter((reason) => (result.skippedByReason?.[reason] ?? 0) > 0)
    .map((reason) => `${result.skippedByReason[reason]} ${SKIP_REASON_TEXT[reason]}`);
  return `; skipped ${result.skipped} event(s)${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${rebuilt}`;
}

/**
 * The image an archived event is about: `detail.data.imageId` for imgpipe's events; for
 * S3's `Object Created`, the image segment of its key. Reading the key here can only
 * withhold a replay (of a deleted image's upload), never grant anything: ownership is
 * ingest's to prove.
 */
export function imageIdOf(event: BusEvent): string | undefined {
  const imageId = (event.detail as { data?: { imageId?: unknown } } | null)?.data?.imageId;
  if (typeof imageId === 'string') return imageId;
  if (event['detail-type'] !== 'Object Created') return undefined;
  try {
    return parseUploadKey(decodeNotifiedKey(parseObjectCreatedEvent(event).key))?.imageId;
  } catch {
    return undefined;
  }
}

/** What a replay does with one archived event. */
type Verdict = 'replay' | 'history-only' | ReplaySkipReason;

/** Image lifecycle events after which an image may be deleted: the archive's hint to fold its copy of a lost history. */
const DELETION_EVENTS: ReadonlySet<string> = new Set(['ImageDeleted', 'ImagePurged']);

function foldStatus(history: readonly StoredImageEvent[]): Verdict | 'deleted-image' {
  try {
    return foldHistory(history)?.status === 'deleted' ? 'deleted-image' : 'replay';
  } catch {
    return 'unreadable-history';
  }
}

/**
 * The archive's own copy of the histories of the images it saw deleted (or purged), in
 * archive order, shaped as the event store keeps them: what a replay folds when the event
 * store has lost an image's history. Two reads of the archive, once a replay, only when needed.
 */
async function archivedHistoriesOfDeleted(archive: EventArchive): Promise<Map<string, StoredImageEvent[]>> {
  const deleted = new Set<string>();
  for await (const { event } of archive.read({ bus: EVENT_BUS_NAME })) {
    const imageId = imageIdOf(event);
    if (imageId !== undefined && DELETION_EVENTS.has(event['detail-type'])) deleted.add(imageId);
  }
  const histories = new Map<string, StoredImageEvent[]>();
  if (deleted.size === 0) return histories;
  for await (const { event } of archive.read({ bus: EVENT_BUS_NAME })) {
    const imageId = imageIdOf(event);
    if (imageId === undefined || !deleted.has(imageId)) continue;
    const detail = event.detail as Readonly<Record<string, unknown>>;
    const history = histories.get(imageId) ?? [];
    history.push({
      imageId,
      sequence: history.length + 1,
      eventId: typeof detail['eventId'] === 'string' ? detail['eventId'] : event.id,
      source: event.source,
      detailType: event['detail-type'],
      occurredAt: typeof detail['occurredAt'] === 'string' ? detail['occurredAt'] : event.time,
      detail,
    });
    histories.set(imageId, history);
  }
  return histories;
}

/**
 * What to do with each archived event, from its image's history (loaded once a replay):
 * the event store's when it has one, else the archive's own copy. A deleted image's events
 * are skipped; with the event store's history lost they go to metadata only.
 */
function replayVerdicts(archive: EventArchive, histories: Pick<ImageEventStore, 'load'>): (event: BusEvent) => Promise<Verdict> {
  const verdicts = new Map<string, Promise<Verdict>>();
  let archived: Promise<Map<string, StoredImageEvent[]>> | undefined;
  const verdict = async (imageId: string): Promise<Verdict> => {
    const stored = await histories.load(imageId);
    if (stored.length > 0) {
      const status = foldStatus(stored);
      return status === 'deleted-image' ? 'deleted' : status;
    }
    archived ??= archivedHistoriesOfDeleted(archive);
    const copy = (await archived).get(imageId);
    if (!copy) return 'replay';
    const status = foldStatus(copy);
    return status === 'deleted-image' ? 'history-only' : status;
  };
  return (event) => {
    const imageId = imageIdOf(event);
    if (imageId === undefined) return Promise.resolve('replay');
    let known = verdicts.get(imageId);
    if (!known) verdicts.set(imageId, (known = verdict(imageId)));
    return known;
  };
}
