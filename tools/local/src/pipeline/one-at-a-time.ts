/**
 * Runs steps one at a time, in the order they come, where a step that cannot be cancelled may
 * overrun (the local AVIF step: a libvips encode past its timeout goes on). A step that calls its
 * `overran` lets the next start beside it, but only one overrunning step at a time is passed by:
 * while one still runs, a second that overruns holds the queue until it ends, so slow encodes
 * under load cannot pile up beside each other (each AVIF encoder holds ~300 MiB at 12 MP).
 * Hand-written: a promise chain with one counter, which no queue package models.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();
  private overrunning = 0;

  /** How many steps run past their hold now, the queue passing them by (at most one) or not. */
  get overrunningNow(): number {
    return this.overrunning;
  }

  /**
   * Queues `step`; it starts once the one before it ended or was passed by.
   * @param step is handed `overran`: calling it (any number of times) marks the step as past its
   *   hold; the next step then starts unless another overrunning step is still running.
   */
  run<T>(step: (overran: () => void) => Promise<T>): Promise<T> {
    let passBy!: () => void;
    const passed = new Promise<void>((resolve) => (passBy = resolve));
    let over = false;
    const overran = (): void => {
      if (over) return;
      over = true;
      if (this.overrunning === 0) passBy();
      this.overrunning += 1;
    };
    const go = (): Promise<T> =>
      Promise.resolve()
        .then(() => step(overran))
        .finally(() => {
          if (over) this.overrunning -= 1;
        });
    const next = this.tail.then(go, go);
    this.tail = Promise.race([next.catch(() => undefined), passed]);
    return next;
  }
}
