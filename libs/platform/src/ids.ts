import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './ports/clock.port';
import type { IdGenerator } from './ports/id-generator.port';

const MAX_COUNTER = 0xfff;

/**
 * UUID version 7 (RFC 9562), written by hand from `crypto.randomBytes` and the clock:
 * 48 bits of Unix milliseconds, a 12-bit counter that keeps ids made in the same millisecond
 * in order (RFC 9562 section 6.2, method 1, seeded at random below 2048), and 62 random bits.
 *
 * Why v7 rather than `crypto.randomUUID()` (v4) or a ULID: the ids sort by creation time as
 * plain strings (newest-first listings, S3 prefixes grouped by time), they are still UUIDs,
 * so they pass the contracts' `eventId: z.uuid()`, and they only use `[0-9a-f-]`, which is
 * safe in object keys and URLs. A ULID would sort too but is not a UUID.
 *
 * Ids stay strictly increasing even if the clock steps back (the last time is kept).
 */
export class UuidV7Generator implements IdGenerator {
  private lastMs = -1;
  private counter = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly random: (size: number) => Uint8Array = randomBytes,
  ) {}

  next(): string {
    let ms = this.clock.now().getTime();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter += 1;
      if (this.counter > MAX_COUNTER) {
        ms += 1;
        this.counter = this.seed();
      }
    } else {
      this.counter = this.seed();
    }
    this.lastMs = ms;

    const bytes = new Uint8Array(16);
    let time = ms;
    for (let i = 5; i >= 0; i -= 1) {
      bytes[i] = time % 256;
      time = Math.floor(time / 256);
    }
    bytes[6] = 0x70 | (this.counter >> 8);
    bytes[7] = this.counter & 0xff;
    const rand = this.random(8);
    bytes[8] = 0x80 | ((rand[0] ?? 0) & 0x3f);
    bytes.set(rand.subarray(1, 8), 9);

    const hex = Buffer.from(bytes).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  private seed(): number {
    const r = this.random(2);
    return (((r[0] ?? 0) << 8) | (r[1] ?? 0)) & 0x7ff;
  }
}

/** The Unix milliseconds a UUID v7 carries. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

const shared = new UuidV7Generator();

/** A new UUID v7 from the process-wide generator. */
export function newId(): string {
  return shared.next();
}
