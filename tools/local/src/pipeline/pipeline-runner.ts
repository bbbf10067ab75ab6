import { availableParallelism } from 'node:os';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { LocalTaskHandlers } from '@imgpipe/workflow';

type JsonInput = Parameters<StateMachine['run']>[0];

/** Counts of executions, for the progress line. */
export interface RunnerCounts {
  readonly queued: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
}

/** How an execution ended. */
export interface ExecutionOutcome {
  readonly key: string;
  readonly status: 'succeeded' | 'failed' | 'aborted';
  readonly output?: unknown;
  readonly error?: unknown;
  readonly ms: number;
}

export interface PipelineRunnerOptions {
  /** The state machine, constructed once (executions are independent); may still be loading. */
  readonly machine: StateMachine | Promise<StateMachine>;
  /** Every Task state's local function (`toLocalTaskHandlers`). */
  readonly taskHandlers: LocalTaskHandlers;
  /** Executions at once; the rest wait in order (default 1). */
  readonly concurrency: number;
  /** Per-state retry pauses in ms instead of the definition's (tests: 0). */
  readonly retryIntervalOverrides?: Readonly<Record<string, number>>;
  readonly onSettled?: (outcome: ExecutionOutcome) => void;
  /** Called whenever a count changes. */
  readonly onChange?: (counts: RunnerCounts) => void;
}

/**
 * Executions at once when the caller does not choose: one per two cores, at least one. Each
 * execution runs Compress and Thumbnail in parallel, two image tasks that each use every
 * core's worth of libvips threads, so this keeps about one image task per core. More at once
 * add memory, not throughput, in the one process the local runtime is (a 200-image burst on 2
 * cores: tools/local/README.md, "Memory"). The others wait in the runner's queue, before
 * their execution starts, so the wait never counts against a Task state's TimeoutSeconds.
 */
export function defaultExecutionsAtOnce(cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

interface Pending {
  readonly key: string;
  readonly input: unknown;
}

/** Image work after the pipeline, waiting its turn. */
interface FollowUp {
  readonly start: () => void;
  readonly refuse: (error: Error) => void;
  /** Executions started while it waited. */
  passedBy: number;
}

/** How long a follow-up may hold the runner ({@link PipelineRunner.followUp}). */
export interface FollowUpOptions {
  /**
   * After this many ms the executions queued behind the follow-up start although it still runs
   * (a hung encode must not stop the pipeline); default: it holds them until it ends.
   */
  readonly holdMs?: number;
  /** Called once when {@link holdMs} is over and the work has not ended. */
  readonly onHoldExpired?: () => void;
}

/**
 * How many executions may start ahead of a waiting follow-up (the AVIF step) before it takes the
 * next turn. Executions go first because an upload's thumbnails and ImageProcessed are what a
 * user waits for (issue 13); the bound keeps a steady stream of uploads from starving the AVIF
 * steps, which then run between every few executions instead of after the stream ends.
 */
export const FOLLOW_UP_MAX_PASSED = 4;

interface Running {
  readonly key: string;
  readonly abort: () => void;
  readonly done: Promise<void>;
}

/**
 * Starts executions of the pipeline state machine (aws-local-stepfunctions) with bounded
 * concurrency: a burst of uploads waits in a FIFO queue instead of decoding every image at
 * once. An execution already queued or running under the same key (the `ImageUploaded`
 * event id) is not started twice; a later one is, as EventBridge would deliver it again.
 */
export class PipelineRunner {
  private readonly queue: Pending[] = [];
  private readonly running = new Map<string, Running>();
  /** Image work after the pipeline ({@link PipelineRunner.followUp}), waiting, and how much runs now. */
  private readonly followUps: FollowUp[] = [];
  /** Follow-up work running now, settled or not: what {@link PipelineRunner.idle} waits on beside executions. */
  private readonly followUpsRunning = new Set<Promise<unknown>>();
  /**
   * The running follow-up that holds the executions back (at most one): the one in
   * {@link followUpsRunning} until it ends or its {@link FollowUpOptions.holdMs} is over.
   */
  private readonly followUpsHolding = new Set<Promise<unknown>>();
  private succeeded = 0;
  private failed = 0;
  private accepting = true;

  constructor(private readonly options: PipelineRunnerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
  }

  get counts(): RunnerCounts {
    return { queued: this.queue.length, running: this.running.size, succeeded: this.succeeded, failed: this.failed };
  }

  /** Queues an execution; false when one with this key is already queued or running, or after stop. */
  submit(key: string, input: unknown): boolean {
    if (!this.accepting || this.running.has(key) || this.queue.some((p) => p.key === key)) return false;
    this.queue.push({ key, input });
    this.changed();
    this.startNext();
    return true;
  }

  /**
   * Runs image work that follows the pipeline (the AVIF step after `ImageProcessed`) alone, in
   * the runner's place, after the executions queued before or while it waits (at most
   * {@link FOLLOW_UP_MAX_PASSED} of them start ahead of it), and before any queued while it runs
   * (until `options.holdMs` is over, if given: then they start beside it, since an encode cannot be
   * cancelled): in one process the encodes of a follow-up and of an execution would otherwise add up.
   * The wait is outside any state machine, so it counts against no TimeoutSeconds. Work still
   * waiting when the runner stops is refused (the bus then counts a failed delivery).
   */
  followUp<T>(work: () => Promise<T>, options: FollowUpOptions = {}): Promise<T> {
    if (!this.accepting) return Promise.reject(new Error('the pipeline runner is stopping'));
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        let holdOver: NodeJS.Timeout | undefined;
        const running: Promise<unknown> = Promise.resolve()
          .then(work)
          .then(resolve, reject)
          .finally(() => {
            clearTimeout(holdOver);
            this.followUpsRunning.delete(running);
            this.followUpsHolding.delete(running);
            this.startNext();
          });
        this.followUpsRunning.add(running);
        this.followUpsHolding.add(running);
        if (options.holdMs !== undefined) {
          // A libvips encode cannot be cancelled: past its hold the work goes on (and idle() still
          // waits on it), but the executions queued behind it no longer do.
          holdOver = setTimeout(() => {
            if (!this.followUpsHolding.delete(running)) return;
            options.onHoldExpired?.();
            this.startNext();
          }, options.holdMs);
          holdOver.unref();
        }
      };
      this.followUps.push({ start, refuse: reject, passedBy: 0 });
      this.startNext();
    });
  }

  /**
   * Resolves when nothing is queued or running, follow-up work included. Each turn waits on what
   * runs now, so it never spins: executions held behind a running follow-up have no promise of
   * their own to wait on, and an empty `allSettled` would resolve at once, forever, starving the
   * event loop the follow-up needs to end.
   */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0 || this.followUps.length > 0 || this.followUpsRunning.size > 0) {
      const now = [...[...this.running.values()].map((r) => r.done), ...this.followUpsRunning];
      if (now.length > 0) await Promise.allSettled(now);
      else await new Promise<void>((turn) => setImmediate(turn));
    }
  }

  /**
   * Takes no more work and drops the queue; waits up to `graceMs` for running executions,
   * then aborts the rest (their images are run again on the next start).
   * @returns how many executions were abandoned (queued or aborted).
   */
  async stop(graceMs: number): Promise<number> {
    this.accepting = false;
    const dropped = this.queue.splice(0).length;
    for (const waiting of this.followUps.splice(0)) waiting.refuse(new Error('the pipeline runner stopped'));
    const running = [...this.running.values()];
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const finished = Promise.allSettled(running.map((r) => r.done)).then(() => 'done' as const);
    const result = await Promise.race([finished, graceOver]);
    clearTimeout(timer);
    let aborted = 0;
    if (result === 'timeout') {
      for (const r of this.running.values()) {
        r.abort();
        aborted += 1;
      }
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
    }
    this.changed();
    return dropped + aborted;
  }

  /**
   * Fills free slots with queued executions; follow-up work runs alone, one at a time, once no
   * execution runs and none is queued (or once it is due: {@link FOLLOW_UP_MAX_PASSED}), and
   * holds the executions queued meanwhile until it ends:
   * the AVIF step's encoder (~20 MiB a megapixel) is the runtime's peak, and beside an
   * execution's encodes (`--concurrency 2`, or one execution per two cores on a larger machine)
   * the two would add up (tools/local/README.md, "Memory").
   */
  private startNext(): void {
    while (this.accepting && this.followUpsHolding.size === 0) {
      const next = this.queue[0];
      // A follow-up that executions have passed FOLLOW_UP_MAX_PASSED times goes next: under a
      // steady stream of uploads it would otherwise wait without end.
      const due = (this.followUps[0]?.passedBy ?? 0) >= FOLLOW_UP_MAX_PASSED;
      if (next && !due) {
        if (this.running.size >= this.options.concurrency) return;
        this.queue.shift();
        for (const waiting of this.followUps) waiting.passedBy += 1;
        this.start(next);
        continue;
      }
      if (this.running.size > 0) return;
      const followUp = this.followUps.shift();
      if (!followUp) return;
      followUp.start();
    }
  }

  private start({ key, input }: Pending): void {
    const started = performance.now();
    let aborted = false;
    let abortExecution: (() => void) | undefined;
    const settle = (outcome: Omit<ExecutionOutcome, 'key' | 'ms'>) => {
      if (outcome.status === 'succeeded') this.succeeded += 1;
      else if (outcome.status === 'failed') this.failed += 1;
      this.options.onSettled?.({ key, ms: Math.round(performance.now() - started), ...outcome });
    };
    const run = async (): Promise<void> => {
      const machine = await this.options.machine;
      if (aborted) return settle({ status: 'aborted' });
      const execution = machine.run(input as JsonInput, {
        overrides: {
          taskResourceLocalHandlers: this.options.taskHandlers,
          ...(this.options.retryIntervalOverrides ? { retryIntervalOverrides: { ...this.options.retryIntervalOverrides } } : {}),
        },
        noThrowOnAbort: true,
      });
      abortExecution = execution.abort;
      try {
        const output = await execution.result;
        settle(aborted ? { status: 'aborted' } : { status: 'succeeded', output });
      } catch (error) {
        settle({ status: 'failed', error });
      }
    };
    const entry: Running = {
      key,
      abort: () => {
        aborted = true;
        abortExecution?.();
      },
      done: run().finally(() => {
        this.running.delete(key);
        this.changed();
        this.startNext();
      }),
    };
    this.running.set(key, entry);
    this.changed();
  }

  private changed(): void {
    this.options.onChange?.(this.counts);
  }
}
