/** The time, as a port, so use cases and tests agree on "now". */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };
