import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
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

const FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAY_MS = 24 * 3600 * 1000;

/**
 * The bus archive: every event the local bus takes, appended as one JSON line to
 * `<dir>/<UTC day>.jsonl` (the day it was archived). Append-only; kept across restarts;
 * read back by replay and by the dashboard figures. Writes are serialised, so lines never
 * interleave; a line cut short by a crash is skipped on reading.
 */
export class EventArchive {
  private file: { day: string; handle: FileHandle } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(readonly directory: string) {}

  /** Appends one event; resolves once the line is written (not fsynced). */
  append(bus: BusName, event: BusEvent, now: Date = new Date()): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the event archive is closed'));
    const line = `${JSON.stringify({ bus, archivedAt: now.toISOString(), event } satisfies ArchivedEvent)}\n`;
    const day = now.toISOString().slice(0, 10);
    const write = this.chain.then(async () => {
      const handle = await this.handleFor(day);
      await handle.write(line);
    });
    // The next write waits for this one whether it succeeded or not.
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
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
    const handle = await open(join(this.directory, `${day}.jsonl`), 'a');
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
