/** The time, as a port, so use cases and tests agree on "now". */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that only moves when told to, for tests.
 *
 * @example
 * const clock = new ManualClock('2025-01-01T00:00:00.000Z');
 * clock.advance(1000);
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = 0) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(to: Date | string | number): void {
    this.current = new Date(to).getTime();
  }
}
