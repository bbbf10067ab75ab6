import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BusEvent, BusName } from './bus-event';

/** One line of the archive: the event as the bus delivered it, and which bus. */
export interface ArchivedEvent {
  readonly bus: BusName;
  /** When the archive took it (the event's own `time` may be earlier). */
  readonly archivedAt: string;
  readonly event: BusEvent;
}

/** Which archived events to read; times are ISO 8601 or anything `Date.parse` reads. */
export interface ArchiveQuery {
  /** Inclusive, on the event's `time`. */
  readonly from?: Date;
  /** Exclusive, on the event's `time`. */
  readonly to?: Date;
  /** Only these `detail-type`s. */
  readonly detailTypes?: readonly string[];
  /** Only events of this bus. */
  readonly bus?: BusName;
}

/**
 * Rewrites the `detail` of one archived event (e.g. `redactEvent` of @imgpipe/contracts):
 * given the event's `detail-type` and its `detail` as archived (a contract envelope for
 * imgpipe's events, S3's notification detail for `Object Created`), returns the detail to
 * keep. The `never` lets any redaction function be passed, whatever detail type it declares.
 */
export type EventRedaction = (detailType: string, detail: never) => unknown;

const FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAY_MS = 24 * 3600 * 1000;
/** A day file being rewritten; renamed over the day file once complete (never read as one). */
const REWRITE_SUFFIX = '.rewrite';

/**
 * The bus archive: every event the local bus takes, appended as one JSON line to
 * `<dir>/<UTC day>.jsonl` (the day it was archived). Kept across restarts; read back by
 * replay and by the dashboard figures. Writes are serialised, so lines never interleave; a
 * line cut short by a crash is skipped on reading.
 *
 * One line per `detail.eventId`: an event whose id is archived already (the same fact
 * published again by a replayed or rebuilt run, whose ids are deterministic) is not
 * appended twice. The ids are indexed once, from the files, by {@link EventArchive.prepare} as the
 * runtime starts, else on the first append (only the ids are kept in memory). Events without a `detail.eventId` (S3's) are always appended.
 * The only rewrite is {@link redactImage}.
 */
export class EventArchive {
  private file: { day: string; handle: FileHandle } | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** `detail.eventId` of every archived event; loaded by `prepare` or on the first append. */
  private eventIds: Set<string> | undefined;

  constructor(readonly directory: string) {}

  /**
   * Appends one event unless an event with its `detail.eventId` is archived already.
   * Resolves once the line is written (not fsynced): `true` when it was appended, `false`
   * when it was a duplicate.
   */
  append(bus: BusName, event: BusEvent, now: Date = new Date()): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('the event archive is closed'));
    const line = `${JSON.stringify({ bus, archivedAt: now.toISOString(), event } satisfies ArchivedEvent)}\n`;
    const day = now.toISOString().slice(0, 10);
    const eventId = detailEventId(event);
    return this.exclusive(async () => {
      const ids = (this.eventIds ??= await this.indexEventIds());
      if (eventId !== undefined && ids.has(eventId)) return false;
      const handle = await this.handleFor(day);
      await handle.write(line);
      if (eventId !== undefined) ids.add(eventId);
      return true;
    });
  }

  /**
   * Indexes the archived ids and opens `now`'s day file at once instead of on the first append.
   * A runtime calls it as it starts, so the first event it takes (an upload's "Object Created",
   * which the bus archives before ingest sees it) does not wait for the directory listing, the
   * reading of the day files and the open (issue 13 item 3: 5-29 ms of the first upload after a
   * start). Appends queue behind it; calling it again does nothing more. Resolves when done.
   */
  prepare(now: Date = new Date()): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the event archive is closed'));
    const day = now.toISOString().slice(0, 10);
    return this.exclusive(async () => {
      this.eventIds ??= await this.indexEventIds();
      await this.handleFor(day);
    });
  }

  /**
   * Rewrites every archived event of `imageId` (`detail.data.imageId`, or S3's
   * `Object Created` of a key with that image id as a path segment) through `redact`, e.g.
   * when the image is purged and its personal data (the filename in its keys) must go.
   * Each day file holding such an event is rewritten whole to a new file that is then
   * renamed over it, so a reader sees the old file or the new one, never half of each; it
   * runs in turn with appends, so no append is lost to the rename.
   *
   * @returns how many events were rewritten.
   * @example
   * await archive.redactImage(imageId, redactEvent);
   */
  redactImage(imageId: string, redact: EventRedaction): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the event archive is closed'));
    return this.exclusive(async () => {
      // Appends reopen the (renamed) day file.
      await this.file?.handle.close();
      this.file = undefined;
      let rewritten = 0;
      for (const day of await this.days()) rewritten += await this.redactDay(day, imageId, redact);
      return rewritten;
    });
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => undefined);
    await this.file?.handle.close();
    this.file = undefined;
  }

  /** The archived events matching `query`, oldest file first, in the order they were written. */
  async *read(query: ArchiveQuery = {}): AsyncGenerator<ArchivedEvent> {
    const from = query.from?.getTime() ?? -Infinity;
    const to = query.to?.getTime() ?? Infinity;
    const types = query.detailTypes ? new Set(query.detailTypes) : undefined;
    for (const day of await this.days()) {
      // Events are archived when they happen or later, never earlier: a day before `from`
      // holds nothing at or after it... except events stamped in the future, which are rare
      // enough to read anyway when the day is within one day of the window.
      const start = Date.parse(`${day}T00:00:00.000Z`);
      if (start + 2 * DAY_MS <= from) continue;
      const lines = createInterface({ input: createReadStream(join(this.directory, `${day}.jsonl`)), crlfDelay: Infinity });
      for await (const line of lines) {
        const archived = parseLine(line);
        if (!archived) continue;
        if (query.bus && archived.bus !== query.bus) continue;
        if (types && !types.has(archived.event['detail-type'])) continue;
        const time = Date.parse(archived.event.time);
        if (!(time >= from && time < to)) continue;
        yield archived;
      }
    }
  }

  /** Runs `task` after every write before it, whether they succeeded or not. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The `detail.eventId`s of every archived event. */
  private async indexEventIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const day of await this.days()) {
      const lines = createInterface({ input: createReadStream(join(this.directory, `${day}.jsonl`)), crlfDelay: Infinity });
      for await (const line of lines) {
        const eventId = eventIdOfLine(line);
        if (eventId !== undefined) ids.add(eventId);
      }
    }
    return ids;
  }

  private async redactDay(day: string, imageId: string, redact: EventRedaction): Promise<number> {
    const path = join(this.directory, `${day}.jsonl`);
    const text = await readFile(path, 'utf8');
    // Most days hold nothing of the image: skip them without parsing a line.
    if (!text.includes(imageId)) return 0;
    let rewritten = 0;
    const lines = text.split('\n').map((line) => {
      const archived = parseLine(line);
      if (!archived || !isOfImage(archived.event, imageId)) return line;
      rewritten += 1;
      const detail = redact(archived.event['detail-type'], archived.event.detail as never);
      return JSON.stringify({ ...archived, event: { ...archived.event, detail } } satisfies ArchivedEvent);
    });
    if (rewritten === 0) return 0;
    const temporary = `${path}${REWRITE_SUFFIX}`;
    const handle = await open(temporary, 'w');
    try {
      await handle.write(lines.join('\n'));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return rewritten;
  }

  private async days(): Promise<string[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    return names
      .map((name) => FILE.exec(name)?.[1])
      .filter((day): day is string => day !== undefined)
      .sort();
  }

  private async handleFor(day: string): Promise<FileHandle> {
    if (this.file?.day === day) return this.file.handle;
    await this.file?.handle.close();
    await mkdir(this.directory, { recursive: true });
    const handle = await open(join(this.directory, `${day}.jsonl`), 'a+');
    // A line cut short by a crash would swallow the next one: end it first.
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await handle.write('\n');
    }
    this.file = { day, handle };
    return handle;
  }
}

function parseLine(line: string): ArchivedEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as Partial<ArchivedEvent>;
    const event = value.event;
    if (
      (value.bus === 'imgpipe' || value.bus === 'default') &&
      typeof value.archivedAt === 'string' &&
      event &&
      typeof event === 'object' &&
      typeof event['detail-type'] === 'string' &&
      typeof event.time === 'string'
    ) {
      return value as ArchivedEvent;
    }
  } catch {
    // A line cut short by a crash: skip it.
  }
  return undefined;
}

/** `detail.eventId` of an event, when it has one (imgpipe's events do; S3's do not). */
function detailEventId(event: BusEvent): string | undefined {
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null) return undefined;
  const eventId = (detail as { eventId?: unknown }).eventId;
  return typeof eventId === 'string' && eventId !== '' ? eventId : undefined;
}

function eventIdOfLine(line: string): string | undefined {
  const archived = parseLine(line);
  return archived ? detailEventId(archived.event) : undefined;
}

/** Whether an archived event is about `imageId`: its `data.imageId`, or a segment of S3's object key. */
function isOfImage(event: BusEvent, imageId: string): boolean {
  const detail = event.detail as { data?: { imageId?: unknown }; object?: { key?: unknown } } | null;
  if (detail?.data?.imageId === imageId) return true;
  const key = detail?.object?.key;
  return typeof key === 'string' && key.split(/\/|%2F/i).includes(imageId);
}
