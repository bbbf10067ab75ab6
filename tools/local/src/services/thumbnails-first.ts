import type { LocalTask } from '@imgpipe/workflow';

/**
 * How long a run's `Compress` waits, at most, for the same run's thumbnail branch to record its
 * thumbnails before it starts anyway (the local runtime only; on AWS the two are separate functions).
 */
export const THUMBNAILS_FIRST_MAX_WAIT_MS = 1000;

/** How long a finished thumbnail branch is remembered, so a `Compress` retry of its run does not wait again. */
const REMEMBER_MS = 60_000;

interface Gate {
  /** Settles when the run's thumbnail branch is done: its `RecordThumbnails` ended, or its `Thumbnail` task failed. */
  readonly done: Promise<void>;
  readonly open: () => void;
  forgetTimer?: ReturnType<typeof setTimeout>;
}

/**
 * The run the branch tasks share: the Parallel state hands both the same `{ uploaded, correlationId }`,
 * and `RecordThumbnails` gets the same two beside the thumbnails.
 */
function runKey(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { uploaded, correlationId } = input as { uploaded?: { imageId?: unknown; original?: { contentHash?: unknown } }; correlationId?: unknown };
  if (typeof uploaded?.imageId !== 'string') return undefined;
  return JSON.stringify([uploaded.imageId, uploaded.original?.contentHash ?? null, correlationId ?? null]);
}

/**
 * Thumbnails first (issue 13, "the first thing a user sees, early"), for the local runtime
 * only, where one process on a few cores runs both branches of the pipeline's Parallel state:
 * a run's `Compress` (the full-size decode and encodes, seconds of libvips on every core)
 * waits until the same run's thumbnail branch is done, at most {@link THUMBNAILS_FIRST_MAX_WAIT_MS}:
 * its `RecordThumbnails` ended (either way), or its `Thumbnail` task failed (the branch then
 * ends without recording). So the thumbnail task's decode, renditions and puts, and the
 * recording and publishing of `ThumbnailsGenerated` after them, do not share the cores and the
 * event loop with compress's start (its cold start, its read of the original, its decode).
 * On AWS the branches are two Lambda functions with their own CPUs and nothing here applies.
 *
 * The trade (tools/local/README.md, "Early thumbnails"): the thumbnails reach the page
 * sooner (a 13 MP JPEG: ~1.35 s -> ~0.76 s); `ImageProcessed` did not come measurably later
 * (compress alone on the cores runs faster by about what it waited). The wait is inside the
 * `Compress` task, so it counts against that state's TimeoutSeconds (25 s; the wait is
 * bounded to a second), and compress's own `processingMs` leaves it out (the latency bench
 * counts it as pipeline overhead). A task whose input names no run is not held.
 *
 * Waiting for `RecordThumbnails` too (issue 13 item 3, 2026-12-06): the thumbnail task's end ->
 * `ThumbnailsGenerated` on the bus went from 58 [42-80] to 44 [39-59] ms (medians [ranges], 8
 * interleaved e2e runs each way: the transition to `RecordThumbnails` no longer waits behind
 * compress's start on the event loop), `ImageProcessed` no later (tools/local/README.md, "The
 * server-side hops before the push").
 */
export class ThumbnailsFirst {
  private readonly gates = new Map<string, Gate>();

  constructor(private readonly maxWaitMs: number = THUMBNAILS_FIRST_MAX_WAIT_MS) {}

  /**
   * The thumbnail task: opens its run's gate when it fails (its branch ends without
   * `RecordThumbnails`). When it succeeds, `RecordThumbnails` comes next and opens it.
   */
  thumbnail(task: LocalTask): LocalTask {
    return async (input) => {
      const key = runKey(input);
      try {
        return await task(input);
      } catch (error) {
        if (key !== undefined) this.open(key);
        throw error;
      }
    };
  }

  /** The `RecordThumbnails` task: opens its run's gate when it ends, whatever the outcome. */
  recordThumbnails(task: LocalTask): LocalTask {
    return async (input) => {
      const key = runKey(input);
      try {
        return await task(input);
      } finally {
        if (key !== undefined) this.open(key);
      }
    };
  }

  /** The compress task: starts once its run's thumbnail branch is done (see the class), or after the bound. */
  compress(task: LocalTask): LocalTask {
    return async (input) => {
      const key = runKey(input);
      if (key !== undefined) await this.waitFor(key);
      return task(input);
    };
  }

  /** Runs whose gate is known (waiting or remembered); for tests. */
  get size(): number {
    return this.gates.size;
  }

  private gate(key: string): Gate {
    let gate = this.gates.get(key);
    if (!gate) {
      let open: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { done, open };
      this.gates.set(key, gate);
    }
    return gate;
  }

  private open(key: string): void {
    const gate = this.gate(key);
    gate.open();
    this.forgetLater(key, gate);
  }

  private async waitFor(key: string): Promise<void> {
    const gate = this.gate(key);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.maxWaitMs);
    });
    await Promise.race([gate.done, bound]);
    clearTimeout(timer);
    // A thumbnail task that never comes (its branch failed before it ran) leaves no gate behind.
    this.forgetLater(key, gate);
  }

  private forgetLater(key: string, gate: Gate): void {
    if (gate.forgetTimer !== undefined) clearTimeout(gate.forgetTimer);
    gate.forgetTimer = setTimeout(() => {
      if (this.gates.get(key) === gate) this.gates.delete(key);
    }, REMEMBER_MS);
    gate.forgetTimer.unref?.();
  }
}
