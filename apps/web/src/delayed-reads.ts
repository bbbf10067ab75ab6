/**
 * Reads of images put off for a while (issue 13): a stored upload waits for the live stream's
 * first word on it, a change that carried its image's record puts off the read of the history.
 * At most one pending read per image: asking again restarts its wait.
 */
export interface DelayedReads {
  /** Reads `imageId` in `delayMs`, in place of a read of it still pending. */
  after(imageId: string, delayMs: number): void;
  /** Drops the pending read of `imageId`, if any. */
  cancel(imageId: string): void;
  /** Drops every pending read (on sign-out). */
  dispose(): void;
  /** How many reads are pending. */
  readonly pending: number;
}

/**
 * @example
 * const uploadsTold = createDelayedReads((id) => void images.request(id));
 * uploadsTold.after(imageId, 1000); // read it unless the stream says something first
 * live.onImage = (change) => uploadsTold.cancel(change.imageId);
 */
export function createDelayedReads(read: (imageId: string) => void): DelayedReads {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const cancel = (imageId: string) => {
    clearTimeout(timers.get(imageId));
    timers.delete(imageId);
  };
  return {
    after(imageId, delayMs) {
      cancel(imageId);
      timers.set(
        imageId,
        setTimeout(() => {
          timers.delete(imageId);
          read(imageId);
        }, delayMs),
      );
    },
    cancel,
    dispose() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
    get pending() {
      return timers.size;
    },
  };
}
