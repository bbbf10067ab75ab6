import type { Clock } from './clock.port';

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
