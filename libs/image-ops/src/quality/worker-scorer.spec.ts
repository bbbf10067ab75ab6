import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MessageChannel, type Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { compress, compressStill } from '../compress';
import { REST_SCORER_FROM_PIXELS } from '../pipeline';
import { ImageOpsError } from '../errors';
import { testImage } from '../testing';
import { inThreadScorer, type Ssimulacra2Scorer } from './scorer';
import { toWire, type ScoringReply } from './scoring-protocol';
import type { RgbPixels } from './ssimulacra2';
import { createWorkerScorer, MAX_START_FAILURES, type WorkerScorer } from './worker-scorer';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

async function rgb(bytes: Buffer): Promise<RgbPixels> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A copy in an array of its own (the scorers take what they are given). */
const copy = (p: RgbPixels): RgbPixels => ({ ...p, data: new Uint8Array(p.data) });

async function scoreWith(scorer: Ssimulacra2Scorer, original: RgbPixels, distorted: RgbPixels): Promise<number> {
  const prepared = await scorer.prepare(copy(original));
  try {
    return await prepared.score(copy(distorted));
  } finally {
    prepared.release();
  }
}

/** What a rejection is, as a caller classifies it. */
async function failureOf(promise: Promise<unknown>): Promise<{ name: string; code?: string; retryable?: boolean; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImageOpsError) return { name: error.name, code: error.code, retryable: error.retryable, message: error.message };
    if (error instanceof Error) return { name: error.name, message: error.message };
  }
  throw new Error('expected a rejection');
}

describe('createWorkerScorer', () => {
  let scorer: WorkerScorer;
  const started: Worker[] = [];
  beforeAll(() => {
    scorer = createWorkerScorer({ onThreadStart: (worker) => started.push(worker) });
  });
  afterAll(() => scorer.close());

  it('starts no thread until the first prepare', () => {
    expect(scorer.running).toBe(0);
    expect(started).toHaveLength(0);
  });

  it.each(['q20.jpg', 'q45.jpg', 'q90.jpg'])('scores %s bit for bit as the in-thread path', async (file) => {
    const original = await rgb(fixture('source.png'));
    const distorted = await rgb(fixture(file));

    const [inThread, onWorker] = [await scoreWith(inThreadScorer, original, distorted), await scoreWith(scorer, original, distorted)];

    expect(Object.is(onWorker, inThread)).toBe(true);
    expect(scorer.running).toBe(1);
  });

  it('gives compress quality auto the same choice, score and bytes as the in-thread path', async () => {
    const image = await testImage('jpeg', { width: 640, height: 480 });
    const options = { formats: ['webp' as const], webp: { quality: 'auto' as const } };

    const inThread = await compress(image, options);
    const onWorker = await compress(image, { ...options, scorer });

    const [a, b] = [inThread.variants[0], onWorker.variants[0]];
    expect(b?.quality).toBe(a?.quality);
    expect(b?.ssimulacra2).toBe(a?.ssimulacra2);
    expect(Buffer.compare(b?.data ?? Buffer.alloc(0), a?.data ?? Buffer.alloc(1))).toBe(0);
  });

  it('transfers a whole array instead of copying it, and copies a view of part of a buffer', async () => {
    const original = await rgb(fixture('source.png'));
    const whole = copy(original);
    const big = new Uint8Array(original.data.length + 30);
    big.set(original.data, 30);
    const view: RgbPixels = { ...original, data: big.subarray(30) };

    const a = await scorer.prepare(whole);
    const b = await scorer.prepare(view);
    a.release();
    b.release();

    expect(whole.data.byteLength).toBe(0); // detached: moved to the thread
    expect(big.byteLength).toBe(original.data.length + 30); // the caller's buffer stays whole
    expect(Buffer.compare(Buffer.from(big.subarray(30)), Buffer.from(original.data))).toBe(0);
  });

  it('refuses bad sizes with the in-thread path classified errors', async () => {
    const original = await rgb(fixture('source.png'));
    const tiny: RgbPixels = { data: new Uint8Array(4 * 4 * 3), width: 4, height: 4 };
    const cropped = await rgb(await sharp(fixture('q90.jpg')).extract({ left: 0, top: 0, width: 64, height: 64 }).png().toBuffer());

    const expectedTiny = await failureOf(inThreadScorer.prepare(copy(tiny)));
    const expectedSize = await failureOf(scoreWith(inThreadScorer, original, cropped));

    expect(expectedTiny).toMatchObject({ name: 'ImageOpsError', code: 'PROCESSING_FAILED', retryable: false });
    expect(await failureOf(scorer.prepare(copy(tiny)))).toEqual(expectedTiny);
    expect(await failureOf(scoreWith(scorer, original, cropped))).toEqual(expectedSize);
    // The thread survives an error thrown in it.
    expect(await scoreWith(scorer, original, original)).toBe(100);
  });

  it('fails work on a thread that died as retryable, and replaces the thread', async () => {
    const original = await rgb(fixture('source.png'));
    const distorted = await rgb(fixture('q45.jpg'));
    const expected = await scoreWith(inThreadScorer, original, distorted);
    // Large enough (2 MP, ~1 s) that the thread is still scoring when it is ended.
    const big = await rgb(await sharp(fixture('source.png')).resize(1600, 1300, { fit: 'fill' }).png().toBuffer());
    const prepared = await scorer.prepare(copy(big));
    const pending = prepared.score(copy(big));
    const thread = started[started.length - 1] as Worker;

    await thread.terminate(); // as a crash or an out-of-memory end would

    expect(await failureOf(pending)).toMatchObject({ name: 'ImageOpsError', code: 'PROCESSING_FAILED', retryable: true });
    expect(await failureOf(prepared.score(copy(distorted)))).toMatchObject({ code: 'PROCESSING_FAILED', retryable: true });
    expect(scorer.running).toBe(0);
    const before = started.length;
    expect(await scoreWith(scorer, original, distorted)).toBe(expected);
    expect(started).toHaveLength(before + 1);
  });

  it('refuses work after close, retryable, with no thread left', async () => {
    const closing = createWorkerScorer();
    const original = await rgb(fixture('source.png'));
    await scoreWith(closing, original, original);

    await closing.close();

    expect(closing.running).toBe(0);
    expect(await failureOf(closing.prepare(copy(original)))).toMatchObject({ code: 'PROCESSING_FAILED', retryable: true });
  });

  it('ends a thread idle for idleMs, but not one holding an original, and starts another on demand', async () => {
    const starts: Worker[] = [];
    const idle = createWorkerScorer({ idleMs: 150, onThreadStart: (w) => starts.push(w) });
    const original = await rgb(fixture('source.png'));
    const distorted = await rgb(fixture('q45.jpg'));
    const expected = await scoreWith(inThreadScorer, original, distorted);
    try {
      const held = await idle.prepare(copy(original));
      await new Promise((r) => setTimeout(r, 600));
      expect(idle.running).toBe(1); // an original is held: the thread stays
      expect(await held.score(copy(distorted))).toBe(expected);
      held.release();
      await new Promise((r) => setTimeout(r, 600));
      expect(idle.running).toBe(0); // idle: ended

      expect(await scoreWith(idle, original, distorted)).toBe(expected);
      expect(starts).toHaveLength(2);
    } finally {
      await idle.close();
    }
  });

  it('answers pixels whose buffer was already handed over (detached) as in-thread does, and keeps nothing pending', async () => {
    const idle = createWorkerScorer({ idleMs: 150 });
    const original = await rgb(fixture('source.png'));
    const detached = (): RgbPixels => {
      const gone = copy(original);
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(null, [gone.data.buffer as ArrayBuffer]); // transferred: detached here
      port1.close();
      port2.close();
      if (gone.data.byteLength !== 0) throw new Error('the buffer was not detached');
      return gone;
    };
    try {
      expect(await scoreWith(idle, original, original)).toBe(100);
      const expected = await failureOf(inThreadScorer.prepare(detached()));

      expect(expected).toMatchObject({ name: 'ImageOpsError', code: 'PROCESSING_FAILED' });
      expect(await failureOf(idle.prepare(detached()))).toEqual(expected);
      // Nothing left waiting on the thread: it still ends when idle.
      await new Promise((r) => setTimeout(r, 600));
      expect(idle.running).toBe(0);
    } finally {
      await idle.close();
    }
  });

  it('never keeps a process alive: a script that scores and does not close exits by itself', async () => {
    const script = `
      const { createWorkerScorer } = require(${JSON.stringify(join(__dirname, 'worker-scorer.ts'))});
      const scorer = createWorkerScorer();
      const px = () => ({ data: new Uint8Array(32 * 32 * 3).fill(90), width: 32, height: 32 });
      scorer.prepare(px()).then((o) => o.score(px())).then((s) => process.stdout.write(String(s)));`;

    const { stdout } = await promisify(execFile)(process.execPath, ['--require', 'tsx/cjs', '-e', script], { timeout: 30_000 });

    expect(stdout).toBe('100');
  });
});

/**
 * The messages of an error's `cause` chain, outermost first. By shape, not `instanceof Error`:
 * a worker's own errors are made in node's realm, not the test's.
 */
function causes(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error as { message?: unknown; cause?: unknown } | undefined; typeof e?.message === 'string'; e = e.cause as typeof e) out.push(e.message);
  return out;
}

describe('createWorkerScorer: messages that cannot be read, threads that cannot start, rest', () => {
  let original: RgbPixels;
  let distorted: RgbPixels;
  let expected: number;
  beforeAll(async () => {
    original = await rgb(fixture('source.png'));
    distorted = await rgb(fixture('q45.jpg'));
    expected = await scoreWith(inThreadScorer, original, distorted);
  });

  it('fails the request whose reply could not be read (messageerror), retryable, and keeps serving', async () => {
    const starts: Worker[] = [];
    const scorer = createWorkerScorer({ onThreadStart: (w) => starts.push(w) });
    try {
      const prepared = await scorer.prepare(copy(original));
      const pending = prepared.score(copy(distorted));
      // What node emits when a message from the thread cannot be deserialised here.
      await new Promise((r) => setImmediate(r));
      starts[0]?.emit('messageerror', new Error('could not deserialize the reply'));

      expect(await failureOf(pending)).toMatchObject({ name: 'ImageOpsError', code: 'PROCESSING_FAILED', retryable: true });
      await expect(pending.catch(causes)).resolves.toEqual([expect.stringContaining('could not be read'), 'could not deserialize the reply']);
      // The same thread serves on: the late real answer is dropped, the next score is answered.
      expect(await prepared.score(copy(distorted))).toBe(expected);
      prepared.release();
      expect(starts).toHaveLength(1);
    } finally {
      await scorer.close();
    }
  });

  it('fails the request the thread could not read (its place in the order), with the cause, and keeps serving', async () => {
    const starts: Worker[] = [];
    const scorer = createWorkerScorer({ onThreadStart: (w) => starts.push(w) });
    try {
      const prepared = await scorer.prepare(copy(original)); // message 0
      const pending = prepared.score(copy(distorted)); // message 1
      await new Promise((r) => setImmediate(r));
      // The thread's answer to a message it could not read (scoring-service.ts), as it would arrive.
      const unreadable: ScoringReply = { type: 'unreadable', seq: 1, error: toWire(new Error('Unable to deserialize cloned data')) };
      starts[0]?.emit('message', unreadable);

      expect(await failureOf(pending)).toMatchObject({ code: 'PROCESSING_FAILED', retryable: true });
      await expect(pending.catch(causes)).resolves.toEqual([expect.stringContaining('could not read a request'), 'Unable to deserialize cloned data']);
      expect(await prepared.score(copy(distorted))).toBe(expected);
      prepared.release();
    } finally {
      await scorer.close();
    }
  });

  it.each([
    ['a path that does not exist', () => join(tmpdir(), 'imgpipe-no-such-scoring-entry.cjs'), /Cannot find module/],
    ['an entry that throws while loading', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'imgpipe-scorer-')), 'throws.cjs');
      writeFileSync(file, "throw new Error('boom while loading');");
      return file;
    }, /boom while loading/],
  ])('after %s fails to start: scores in-thread (bit for bit), non-retryable fallback with the cause, no more starts', async (_, entryOf, why) => {
    const starts: Worker[] = [];
    const fallbacks: ImageOpsError[] = [];
    const scorer = createWorkerScorer({ entry: entryOf(), onThreadStart: (w) => starts.push(w), onFallback: (e) => fallbacks.push(e) });
    try {
      expect(await scoreWith(scorer, original, distorted)).toBe(expected);
      expect(await scoreWith(scorer, original, distorted)).toBe(expected);

      expect(starts).toHaveLength(MAX_START_FAILURES);
      expect(fallbacks).toHaveLength(1);
      expect(scorer.fallback).toBe(fallbacks[0]);
      expect(fallbacks[0]).toMatchObject({ code: 'PROCESSING_FAILED', retryable: false });
      expect(causes(fallbacks[0]).join(' <- ')).toMatch(why);
      expect(scorer.running).toBe(0);
    } finally {
      await scorer.close();
    }
  });

  it('when the Worker constructor itself throws (here: a path it refuses), counts it as a start failure: scores in-thread after the fallback, the cause kept', async () => {
    const starts: Worker[] = [];
    const fallbacks: ImageOpsError[] = [];
    // Not absolute and not './'-relative: `new Worker` throws ERR_WORKER_PATH synchronously, as it would out of threads.
    const scorer = createWorkerScorer({ entry: 'imgpipe-no-such-scoring-entry.cjs', onThreadStart: (w) => starts.push(w), onFallback: (e) => fallbacks.push(e) });
    try {
      expect(await scoreWith(scorer, original, distorted)).toBe(expected);
      expect(await scoreWith(scorer, original, distorted)).toBe(expected);

      expect(starts).toHaveLength(0);
      expect(fallbacks).toHaveLength(1);
      expect(scorer.fallback).toBe(fallbacks[0]);
      expect(fallbacks[0]).toMatchObject({ code: 'PROCESSING_FAILED', retryable: false });
      expect(causes(fallbacks[0]).join(' <- ')).toMatch(/could not be created <- .*must be an absolute path/);
      expect(scorer.running).toBe(0);
    } finally {
      await scorer.close();
    }
  });

  it('rest() ends an idle thread at once, but not one holding an original', async () => {
    const scorer = createWorkerScorer({ idleMs: 60_000 });
    try {
      const held = await scorer.prepare(copy(original));
      await scorer.rest();
      expect(scorer.running).toBe(1);
      expect(await held.score(copy(distorted))).toBe(expected);
      held.release();

      await scorer.rest();

      expect(scorer.running).toBe(0);
      expect(await scoreWith(scorer, original, distorted)).toBe(expected);
    } finally {
      await scorer.close();
    }
  });

  it('compressStill lets the scoring thread go before a large full-size encode (REST_SCORER_FROM_PIXELS), and keeps it for a small one', async () => {
    const scorer = createWorkerScorer({ idleMs: 60_000 });
    const options = { formats: ['avif' as const], avif: { quality: 'auto' as const, effort: 0 }, scorer };
    try {
      const small = await compressStill(await testImage('jpeg', { width: 400, height: 300 }), options);
      const runningAfterSmall = scorer.running;
      const side = Math.ceil(Math.sqrt(REST_SCORER_FROM_PIXELS));
      const large = await compressStill(await testImage('jpeg', { width: side, height: side }), options);

      expect([small.kind, large.kind]).toEqual(['encoded', 'encoded']);
      expect(runningAfterSmall).toBe(1);
      expect(scorer.running).toBe(0);
    } finally {
      await scorer.close();
    }
  });
});
