import { randomUUID } from 'node:crypto';
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

export interface ReplayResult {
  readonly replayName: string;
  readonly from: string;
  readonly to: string;
  /** Events put back on the bus. */
  readonly replayed: number;
  readonly byDetailType: Readonly<Record<string, number>>;
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
 *
 * @throws RangeError when the window is empty or a time cannot be read.
 * @example
 * await replayArchive(archive, bus, { from: '-1d', detailTypes: ['ImageUploaded'] });
 */
export async function replayArchive(archive: EventArchive, target: ReplayTarget, request: ReplayRequest): Promise<ReplayResult> {
  const now = new Date();
  const from = parseReplayTime(request.from, now);
  const to = parseReplayTime(request.to ?? now, now);
  if (!(from.getTime() < to.getTime())) {
    throw new RangeError(`the replay window is empty: from ${from.toISOString()} is not before to ${to.toISOString()}`);
  }
  const replayName = request.name ?? `replay-${randomUUID()}`;
  let replayed = 0;
  const byDetailType: Record<string, number> = {};
  for await (const archived of archive.read({
    from,
    to,
    ...(request.detailTypes && request.detailTypes.length > 0 ? { detailTypes: request.detailTypes } : {}),
    ...(request.bus ? { bus: request.bus } : {}),
  })) {
    const event: BusEvent = { ...archived.event, 'replay-name': replayName };
    await target.put(archived.bus, event);
    replayed += 1;
    byDetailType[event['detail-type']] = (byDetailType[event['detail-type']] ?? 0) + 1;
  }
  return { replayName, from: from.toISOString(), to: to.toISOString(), replayed, byDetailType };
}
