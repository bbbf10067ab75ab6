import { randomUUID } from 'node:crypto';
import { decodeNotifiedKey, parseObjectCreatedEvent, parseUploadKey } from '@imgpipe/ingest';
import { projectImage } from '@imgpipe/metadata';
import type { ImageEventStore } from '@imgpipe/platform';
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
}

export interface ReplayOptions {
  /**
   * The image histories (the event store). With them, the events of an image whose history
   * folds to `deleted` (metadata's own fold, `projectImage`) are skipped, whatever the
   * event: a replay never regenerates, re-records or re-notifies a deleted image.
   */
  readonly histories?: Pick<ImageEventStore, 'load'>;
}

/** Where replayed events go: the bus (its rules deliver them as they deliver any event). */
export interface ReplayTarget {
  put(bus: BusName, event: BusEvent): Promise<unknown>;
}

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
  const skipReason = options.histories ? skipReasons(options.histories) : () => Promise.resolve(undefined);
  let replayed = 0;
  const byDetailType: Record<string, number> = {};
  let skipped = 0;
  const skippedByReason: Partial<Record<ReplaySkipReason, number>> = {};
  for await (const archived of archive.read({
    from,
    to,
    ...(request.detailTypes && request.detailTypes.length > 0 ? { detailTypes: request.detailTypes } : {}),
    ...(request.bus ? { bus: request.bus } : {}),
  })) {
    const reason = await skipReason(archived.event);
    if (reason) {
      skipped += 1;
      skippedByReason[reason] = (skippedByReason[reason] ?? 0) + 1;
      continue;
    }
    const event: BusEvent = { ...archived.event, 'replay-name': replayName };
    await target.put(archived.bus, event);
    replayed += 1;
    byDetailType[event['detail-type']] = (byDetailType[event['detail-type']] ?? 0) + 1;
  }
  return { replayName, from: from.toISOString(), to: to.toISOString(), replayed, byDetailType, skipped, skippedByReason };
}

const SKIP_REASON_TEXT: Readonly<Record<ReplaySkipReason, string>> = {
  deleted: 'of deleted images',
  'unreadable-history': 'of images whose history could not be read',
};

/**
 * What a replay skipped, for a person: `''` when nothing, else e.g.
 * `; skipped 3 event(s) of deleted images`. The CLI and `npm start -- replay` print it.
 */
export function describeSkipped(result: Pick<ReplayResult, 'skipped' | 'skippedByReason'>): string {
  if (!result.skipped) return '';
  const parts = (Object.keys(SKIP_REASON_TEXT) as ReplaySkipReason[])
    .filter((reason) => (result.skippedByReason?.[reason] ?? 0) > 0)
    .map((reason) => `${result.skippedByReason[reason]} ${SKIP_REASON_TEXT[reason]}`);
  return `; skipped ${result.skipped} event(s)${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * The image an archived event is about: `detail.data.imageId` for imgpipe's events; for
 * S3's `Object Created`, the image segment of its key. Reading the key here can only
 * withhold a replay (of a deleted image's upload), never grant anything: ownership is
 * ingest's to prove.
 */
function imageIdOf(event: BusEvent): string | undefined {
  const imageId = (event.detail as { data?: { imageId?: unknown } } | null)?.data?.imageId;
  if (typeof imageId === 'string') return imageId;
  if (event['detail-type'] !== 'Object Created') return undefined;
  try {
    return parseUploadKey(decodeNotifiedKey(parseObjectCreatedEvent(event).key))?.imageId;
  } catch {
    return undefined;
  }
}

/** Whether (and why) to skip an event, from its image's history; each history is loaded once a replay. */
function skipReasons(histories: Pick<ImageEventStore, 'load'>): (event: BusEvent) => Promise<ReplaySkipReason | undefined> {
  const verdicts = new Map<string, Promise<ReplaySkipReason | undefined>>();
  const verdict = async (imageId: string): Promise<ReplaySkipReason | undefined> => {
    const history = await histories.load(imageId);
    try {
      return projectImage(history)?.status === 'deleted' ? 'deleted' : undefined;
    } catch {
      return 'unreadable-history';
    }
  };
  return (event) => {
    const imageId = imageIdOf(event);
    if (imageId === undefined) return Promise.resolve(undefined);
    let known = verdicts.get(imageId);
    if (!known) verdicts.set(imageId, (known = verdict(imageId)));
    return known;
  };
}
