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
 * - Errors come back as the classes the in-thread path throws, their `cause` chain kept
 *   (`scoring-protocol.ts`). A thread that dies (a crash, out of memory, terminated) fails what
 *   it had pending, and the originals it held, with a retryable `ImageOpsError`
 *   (`PROCESSING_FAILED`); the next `prepare` starts a new thread.
 * - A message that cannot be read on arrival (`messageerror`, either way) fails the one request
 *   it was, retryable, and the thread keeps serving the others (see `scoring-protocol.ts`).
 * - A thread gets no pixels before it said it is ready. One that cannot start (a bad path, a
 *   throw while loading) is tried {@link MAX_START_FAILURES} times in a row, then the scorer
 *   scores on the calling thread from then on ({@link WorkerScorerOptions.onFallback} is told
 *   why). Chosen over failing the requests: the in-thread scores are bit for bit the same, so
 *   only where the CPU runs changes, where a failure would fail every image scored with
 *   `quality: 'auto'` (compress's too) for an optional offload.
 * - `rest()`: threads with nothing pending and no original held end now, not after `idleMs`:
 *   for a caller about to do memory-heavy work without scoring (the AVIF step's full-size encode).
 * - `close()` ends the threads; the scorer refuses work after it (the runtime's stop).
 *
 * A worker thread's own baseline (V8 isolate + tsx + the metric's module) is counted in the
 * process RSS: measured in tools/local/README.md ("Early thumbnails").
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ImageOpsError } from '../errors';
import { fromWire, type ScoringReply, type ScoringRequest } from './scoring-protocol';
import { inThreadScorer, type PreparedOriginal, type Ssimulacra2Scorer } from './scorer';
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
  /**
   * Told once, with the last start failure as `cause`, when threads could not start
   * {@link MAX_START_FAILURES} times in a row and the scorer turned to the calling thread.
   */
  readonly onFallback?: (error: ImageOpsError) => void;
  /** The script the threads run. Default the scoring thread's entry; tests name one that cannot start. @internal */
  readonly entry?: string;
}

/** Consecutive threads that ended before they were ready, after which the scorer scores in-thread. */
export const MAX_START_FAILURES = 3;

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
  /** Ends now, and waits for, every thread with nothing pending and no original held (the next `prepare` starts one). */
  rest(): Promise<void>;
  /** Threads running now (0 until the first `prepare`, and after one died until the next). */
  readonly running: number;
  /** Set once threads could not start {@link MAX_START_FAILURES} times in a row: scoring is in-thread since. */
  readonly fallback: ImageOpsError | undefined;
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
  /** The message's place among those posted to its thread (see `scoring-protocol.ts`). */
  seq: number;
  resolve: (score: number | undefined) => void;
  reject: (error: Error) => void;
}

/** A thread that ended before it was ready (`started` rejects with it). */
class StartFailure extends ImageOpsError {}

/** One worker thread and the requests it has not answered. */
class ScoringThread {
  private worker: Worker | undefined;
  /** Resolves once the running thread said it is ready; rejects if it ends first. */
  private ready: Promise<Worker> | undefined;
  /** Bumped when a thread ends: originals prepared before are gone with it. */
  generation = 0;
  private nextId = 0;
  /** Messages posted to the running thread (its `seq` counter). */
  private sent = 0;
  private readonly pending = new Map<number, Pending>();
  private lastError: unknown;
  /** Originals prepared on the running thread and not released yet. */
  private held = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Whether the running thread said it is ready. */
  private isReady = false;
  /** Threads in a row that ended before they were ready. */
  startFailures = 0;

  constructor(
    private readonly entry: string,
    private readonly idleMs: number,
    private readonly onStart?: (worker: Worker) => void,
  ) {}

  get alive(): boolean {
    return this.worker !== undefined;
  }

  get load(): number {
    return this.pending.size;
  }

  /** The running thread once ready, started if there is none. @throws StartFailure when it ends before. */
  started(): Promise<Worker> {
    return this.ready ?? this.start();
  }

  /** Sends `request` (minus its id) to the ready thread; resolves with the reply's score and the thread's generation. */
  async request(
    request: Omit<Extract<ScoringRequest, { id: number }>, 'id'>,
    transfer: ArrayBuffer[],
    /** For a score: the generation that holds its original; another thread would not know it. */
    expected?: number,
  ): Promise<{ score: number | undefined; generation: number }> {
    const gone = () => scorerFailure('the SSIMULACRA2 worker thread that held this original ended');
    if (expected !== undefined && expected !== this.generation) throw gone();
    const worker = await this.started();
    const generation = this.generation;
    if (expected !== undefined && expected !== generation) throw gone();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    const score = await new Promise<number | undefined>((resolve, reject) => {
      const seq = this.sent;
      this.pending.set(id, { seq, resolve, reject });
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ ...request, id } as ScoringRequest, transfer);
        this.sent++;
      } catch (error) {
        // Not sent (a buffer in `transfer` already detached, say): nothing will answer it.
        this.pending.delete(id);
        if (this.pending.size === 0) worker.unref();
        this.idleLater();
        reject(scorerFailure('the pixels could not be handed to the SSIMULACRA2 worker thread', error));
      }
    });
    return { score, generation };
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
    this.sent++;
    this.held--;
    this.idleLater();
  }

  /** Ends the thread now if it has nothing pending and nothing held; resolves once it is gone. */
  async rest(): Promise<void> {
    const worker = this.worker;
    // A thread still starting is left alone: a `prepare` is waiting for it.
    if (!worker || !this.isReady || this.pending.size > 0 || this.held > 0) return;
    clearTimeout(this.idleTimer);
    this.letGo(worker);
    await worker.terminate();
  }

  /** Ends the thread after `idleMs` with nothing pending and nothing held (a new request cancels it). */
  private idleLater(): void {
    const worker = this.worker;
    if (!worker || this.pending.size > 0 || this.held > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.pending.size > 0 || this.held > 0) return;
      this.letGo(worker);
      void worker.terminate();
    }, this.idleMs).unref();
  }

  /**
   * Lets go of the thread before it ends, so a request in the meantime starts a new one
   * instead of going to the dying thread (whose 'exit' is then ignored: `ended`).
   */
  private letGo(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = undefined;
    this.isReady = false;
    this.generation++;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker) await worker.terminate();
  }

  private start(): Promise<Worker> {
    // Referenced while it starts (a `prepare` waits for it), unreferenced once ready and idle.
    let worker: Worker;
    try {
      worker = new Worker(this.entry);
    } catch (error) {
      // The constructor itself refused (no threads or memory left, a path it will not take): a
      // start failure like a thread that ends before it is ready, so it counts toward the fallback.
      this.startFailures++;
      return Promise.reject(new StartFailure({ code: 'PROCESSING_FAILED', message: 'the SSIMULACRA2 worker thread could not be created', cause: error }));
    }
    this.worker = worker;
    this.isReady = false;
    this.sent = 0;
    const ready = new Promise<Worker>((resolve, reject) => {
      worker.on('message', (reply: ScoringReply) => {
        if (reply.type !== 'ready') return this.settle(reply);
        if (this.worker === worker) this.isReady = true;
        if (this.pending.size === 0) worker.unref();
        this.startFailures = 0;
        resolve(worker);
      });
      // 'error' (an uncaught throw in the thread) is followed by 'exit': fail the pending work there.
      worker.on('error', (error) => (this.lastError = error));
      worker.on('messageerror', (error) => this.unreadableReply(error));
      worker.on('exit', (code) => {
        // Not ready: the thread could not start; nothing was sent to it.
        if (this.worker === worker && !this.isReady) {
          this.startFailures++;
          const cause = this.lastError;
          const message = `the SSIMULACRA2 worker thread ended (exit code ${code}) before it was ready`;
          reject(new StartFailure({ code: 'PROCESSING_FAILED', message, ...(cause === undefined ? {} : { cause }) }));
        }
        this.ended(worker, code);
      });
    });
    // Whoever asked for the thread awaits `ready`; this only keeps a rejection nobody awaits quiet.
    ready.catch(() => undefined);
    this.ready = ready;
    this.onStart?.(worker);
    return ready;
  }

  private settle(reply: Exclude<ScoringReply, { type: 'ready' }>): void {
    const entry =
      reply.type === 'unreadable' ? [...this.pending].find(([, p]) => p.seq === reply.seq) : ([reply.id, this.pending.get(reply.id)] as const);
    const [id, pending] = entry ?? [];
    if (id === undefined || !pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.type === 'done') pending.resolve(reply.score);
    else if (reply.type === 'failed') pending.reject(fromWire(reply.error));
    else pending.reject(scorerFailure('the SSIMULACRA2 worker thread could not read a request', fromWire(reply.error)));
    this.idleLater();
  }

  /**
   * A reply that could not be read here: the thread answers its requests in the order they
   * were posted, so it is the answer to the oldest request pending (`scoring-protocol.ts`).
   */
  private unreadableReply(error: unknown): void {
    const oldest = this.pending.entries().next();
    if (oldest.done) return;
    const [id, pending] = oldest.value;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    pending.reject(scorerFailure('a reply of the SSIMULACRA2 worker thread could not be read', error));
    this.idleLater();
  }

  private ended(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = undefined;
    this.isReady = false;
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
  const entry = options.entry ?? ENTRY;
  const threads = Array.from({ length: count }, () => new ScoringThread(entry, idleMs, options.onThreadStart));
  let closed = false;
  let nextRef = 0;
  let fallback: ImageOpsError | undefined;
  const refuseWhenClosed = (): void => {
    if (closed) throw scorerFailure('the SSIMULACRA2 worker scorer is closed (the runtime is stopping)');
  };
  /** The thread, ready; undefined once threads could not start MAX_START_FAILURES times in a row (then in-thread). */
  const readyThread = async (thread: ScoringThread): Promise<ScoringThread | undefined> => {
    for (;;) {
      if (fallback) return undefined;
      try {
        await thread.started();
        return thread;
      } catch (error) {
        if (!(error instanceof StartFailure)) throw error;
        refuseWhenClosed();
        if (thread.startFailures < MAX_START_FAILURES) continue;
        fallback ??= new ImageOpsError({
          code: 'PROCESSING_FAILED',
          message: `the SSIMULACRA2 worker thread could not start ${MAX_START_FAILURES} times in a row: scoring on the calling thread from now on`,
          retryable: false,
          cause: error,
        });
        options.onFallback?.(fallback);
        return undefined;
      }
    }
  };
  return {
    get running() {
      return threads.filter((t) => t.alive).length;
    },
    get fallback() {
      return fallback;
    },
    async prepare(original) {
      refuseWhenClosed();
      // Checked here, as in-thread: pixels that cannot be sent (a detached buffer) fail the same way.
      checkSize('original', original);
      // The least busy thread, a running one before one that would have to start.
      const least = [...threads].sort((a, b) => a.load - b.load || Number(b.alive) - Number(a.alive))[0] as ScoringThread;
      // Nothing is handed over before the thread is ready, so the pixels are still here for the fallback.
      const thread = await readyThread(least);
      if (!thread) return inThreadScorer.prepare(original);
      const ref = nextRef++;
      const message = handOver(original);
      // The generation of the thread that answered: one that ends after answering must not lend its successor this id.
      const { generation } = await thread.request({ type: 'prepare', ref, pixels: message.pixels }, message.transfer);
      thread.hold(generation);
      let released = false;
      return {
        async score(distorted) {
          refuseWhenClosed();
          if (released) throw new RangeError('ssimulacra2: this original was released');
          if (thread.generation !== generation) throw scorerFailure('the SSIMULACRA2 worker thread that held this original ended');
          checkSize('distorted image', distorted);
          const candidate = handOver(distorted);
          const reply = await thread.request({ type: 'score', ref, pixels: candidate.pixels }, candidate.transfer, generation);
          if (reply.score === undefined) throw scorerFailure('the SSIMULACRA2 worker thread answered a score request without a score');
          return reply.score;
        },
        release() {
          if (released) return;
          released = true;
          thread.release(ref, generation);
        },
      } satisfies PreparedOriginal;
    },
    async rest() {
      await Promise.all(threads.map((t) => t.rest()));
    },
    async close() {
      closed = true;
      await Promise.all(threads.map((t) => t.stop()));
    },
  };
}
