/**
 * `@imgpipe/image-ops/scoring-worker`: an {@link Ssimulacra2Scorer} that scores on worker
 * threads, for a process whose event loop serves others while images are scored (the local
 * runtime: one node process for the UI/API, the S3 and DynamoDB peers and every service).
 * Lambda keeps {@link inThreadScorer}: one invocation per container, nobody else waiting.
 *
 * - The metric is not copied: the thread runs {@link Ssimulacra2Reference} (ssimulacra2.ts),
 *   so scores are bit for bit the in-thread ones (`worker-scorer.spec.ts`).
 * - Threads start lazily (the first `prepare`), at most `threads` (default 1: on 2 cores the
 *   other core belongs to libvips and the event loop), and hold the process open only while
 *   a request is pending (`unref` when idle): an idle scorer never keeps a process alive.
 *   A thread idle for `idleMs` ends, and its memory goes back (measured in tools/local/README.md).
 * - Pixels are transferred, not copied, when the array is a whole `ArrayBuffer` (a view of
 *   part of one is copied first: cloning a view would clone its whole buffer).
 * - Errors come back as the classes the in-thread path throws (`scoring-protocol.ts`). A
 *   thread that dies (a crash, out of memory, terminated) fails what it had pending, and the
 *   originals it held, with a retryable `ImageOpsError` (`PROCESSING_FAILED`); the next
 *   `prepare` starts a new thread.
 * - `close()` ends the threads; the scorer refuses work after it (the runtime's stop).
 *
 * A worker thread's own baseline (V8 isolate + tsx + the metric's module) is counted in the
 * process RSS: measured in tools/local/README.md ("Early thumbnails").
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ImageOpsError } from '../errors';
import { fromWire, type ScoringReply, type ScoringRequest } from './scoring-protocol';
import type { PreparedOriginal, Ssimulacra2Scorer } from './scorer';
import { checkSize, type RgbPixels } from './ssimulacra2';

/** Options of {@link createWorkerScorer}. */
export interface WorkerScorerOptions {
  /** Scoring threads at most (default 1). An original is scored on the thread that prepared it. */
  readonly threads?: number;
  /** Told of every thread started (a replacement too), for logs and tests. */
  readonly onThreadStart?: (worker: Worker) => void;
  /**
   * A thread with nothing pending and no original held ends after this long (default
   * {@link DEFAULT_SCORER_IDLE_MS}); the next `prepare` starts another. An idle scorer so
   * costs no memory: the thread's ~16 MiB, and what its heap grew to, go back to the system.
   */
  readonly idleMs?: number;
}

/**
 * Default {@link WorkerScorerOptions.idleMs}: longer than the gap between two images of a
 * burst (a thread's start, ~0.1-0.3 s of tsx and module loading, is paid once a burst), short
 * enough that an idle runtime gives the memory back soon.
 */
export const DEFAULT_SCORER_IDLE_MS = 30_000;

/** A {@link Ssimulacra2Scorer} on worker threads, with the threads' lifetime. */
export interface WorkerScorer extends Ssimulacra2Scorer {
  /** Ends every thread (pending work fails, retryable); later calls are refused. Safe to call twice. */
  close(): Promise<void>;
  /** Threads running now (0 until the first `prepare`, and after one died until the next). */
  readonly running: number;
}

const ENTRY = join(__dirname, 'ssimulacra2.worker-entry.cjs');

function scorerFailure(message: string, cause?: unknown): ImageOpsError {
  return new ImageOpsError({ code: 'PROCESSING_FAILED', message, retryable: true, ...(cause === undefined ? {} : { cause }) });
}

/** The pixels as a message and the buffer to transfer: the array's own buffer when it is all of it, else a copy's. */
function handOver(pixels: RgbPixels): { pixels: RgbPixels; transfer: ArrayBuffer[] } {
  const { data, width, height } = pixels;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && Object.prototype.toString.call(data.buffer) === '[object ArrayBuffer]';
  // `new Uint8Array(view)` copies (a Buffer's `slice` would not: it is `subarray` there).
  const owned = whole ? data : new Uint8Array(data);
  return { pixels: { data: owned, width, height }, transfer: [owned.buffer as ArrayBuffer] };
}

interface Pending {
  resolve: (score: number | undefined) => void;
  reject: (error: Error) => void;
}

/** One worker thread and the requests it has not answered. */
class ScoringThread {
  private worker: Worker | undefined;
  /** Bumped when a thread ends: originals prepared before are gone with it. */
  generation = 0;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private lastError: unknown;
  /** Originals prepared on the running thread and not released yet. */
  private held = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly onStart?: (worker: Worker) => void,
  ) {}

  get alive(): boolean {
    return this.worker !== undefined;
  }

  get load(): number {
    return this.pending.size;
  }

  /** Sends `request` (minus its id) and resolves with the reply's score. */
  request(request: Omit<Extract<ScoringRequest, { id: number }>, 'id'>, transfer: ArrayBuffer[]): Promise<number | undefined> {
    const worker = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ ...request, id } as ScoringRequest, transfer);
      } catch (error) {
        // Not sent (a buffer in `transfer` already detached, say): nothing will answer it.
        this.pending.delete(id);
        if (this.pending.size === 0) worker.unref();
        this.idleLater();
        reject(scorerFailure('the pixels could not be handed to the SSIMULACRA2 worker thread', error));
      }
    });
  }

  /** Counts an original prepared on the thread of `generation` as held. */
  hold(generation: number): void {
    if (generation !== this.generation) return;
    this.held++;
    clearTimeout(this.idleTimer);
  }

  /** Tells the thread of `generation` to drop an original (no reply; nothing if that thread is gone). */
  release(ref: number, generation: number): void {
    if (!this.worker || generation !== this.generation) return;
    this.worker.postMessage({ type: 'release', ref } satisfies ScoringRequest);
    this.held--;
    this.idleLater();
  }

  /** Ends the thread after `idleMs` with nothing pending and nothing held (a new request cancels it). */
  private idleLater(): void {
    const worker = this.worker;
    if (!worker || this.pending.size > 0 || this.held > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      // Let go of the thread before it ends, so a request in the meantime starts a new one
      // instead of going to the dying thread (whose 'exit' is then ignored: `ended`).
      if (this.worker !== worker || this.pending.size > 0 || this.held > 0) return;
      this.worker = undefined;
      this.generation++;
      void worker.terminate();
    }, this.idleMs).unref();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(ENTRY);
    worker.unref();
    worker.on('message', (reply: ScoringReply) => this.settle(reply));
    // 'error' (an uncaught throw in the thread) is followed by 'exit': fail the pending work there.
    worker.on('error', (error) => (this.lastError = error));
    worker.on('exit', (code) => this.ended(worker, code));
    this.worker = worker;
    this.onStart?.(worker);
    return worker;
  }

  private settle(reply: ScoringReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.type === 'done') pending.resolve(reply.score);
    else pending.reject(fromWire(reply.error));
    this.idleLater();
  }

  private ended(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.generation++;
    this.held = 0;
    clearTimeout(this.idleTimer);
    const cause = this.lastError;
    this.lastError = undefined;
    const failed = [...this.pending.values()];
    this.pending.clear();
    const error = scorerFailure(`the SSIMULACRA2 worker thread ended (exit code ${code}) before it answered`, cause);
    for (const pending of failed) pending.reject(error);
  }
}

/**
 * SSIMULACRA2 on worker threads: see the module comment.
 *
 * @example
 * ```ts
 * const scorer = createWorkerScorer();
 * const result = await compress(bytes, { avif: { quality: 'auto' }, formats: ['avif'] }, policy, { scorer });
 * await scorer.close();
 * ```
 */
export function createWorkerScorer(options: WorkerScorerOptions = {}): WorkerScorer {
  const count = options.threads ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`threads must be a positive integer, got ${count}`);
  const idleMs = options.idleMs ?? DEFAULT_SCORER_IDLE_MS;
  const threads = Array.from({ length: count }, () => new ScoringThread(idleMs, options.onThreadStart));
  let closed = false;
  let nextRef = 0;
  const refuseWhenClosed = (): void => {
    if (closed) throw scorerFailure('the SSIMULACRA2 worker scorer is closed (the runtime is stopping)');
  };
  return {
    get running() {
      return threads.filter((t) => t.alive).length;
    },
    async prepare(original) {
      refuseWhenClosed();
      // The least busy thread, a running one before one that would have to start.
      const thread = [...threads].sort((a, b) => a.load - b.load || Number(b.alive) - Number(a.alive))[0] as ScoringThread;
      // Checked here, as in-thread: pixels that cannot be sent (a detached buffer) fail the same way.
      checkSize('original', original);
      const ref = nextRef++;
      const message = handOver(original);
      // Read before the request: a thread that ends after answering must not lend its successor this id.
      const generation = thread.generation;
      await thread.request({ type: 'prepare', ref, pixels: message.pixels }, message.transfer);
      thread.hold(generation);
      let released = false;
      return {
        async score(distorted) {
          refuseWhenClosed();
          if (released) throw new RangeError('ssimulacra2: this original was released');
          if (thread.generation !== generation) throw scorerFailure('the SSIMULACRA2 worker thread that held this original ended');
          checkSize('distorted image', distorted);
          const candidate = handOver(distorted);
          const score = await thread.request({ type: 'score', ref, pixels: candidate.pixels }, candidate.transfer);
          if (score === undefined) throw scorerFailure('the SSIMULACRA2 worker thread answered a score request without a score');
          return score;
        },
        release() {
          if (released) return;
          released = true;
          thread.release(ref, generation);
        },
      } satisfies PreparedOriginal;
    },
    async close() {
      closed = true;
      await Promise.all(threads.map((t) => t.stop()));
    },
  };
}
