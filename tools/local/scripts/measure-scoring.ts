/**
 * How much SSIMULACRA2 scoring blocks the local runtime's event loop, on the calling thread
 * and on the worker thread (`LocalRuntimeOptions.scoring`), and what the API's latency is
 * while a 13 MP image's AVIF step (quality search + encode) runs. Prints:
 *
 * 1. the worker thread's own RSS (started, then after a proxy-sized score);
 * 2. the scores one image costs (the AVIF step's search, WebP's with COMPRESS_QUALITY=auto):
 *    how many, and how long each blocks the thread that runs it; and one 2 MP measure sample;
 * 3. per mode, a real runtime (s3rver, dynalite, the bus): from `ImageProcessed` to the end of
 *    the AVIF step, the event loop's longest stall and its time in stalls over 50 ms
 *    (a 5 ms timer's gaps, and perf_hooks.monitorEventLoopDelay), and `GET /api/images`
 *    timed in a loop (p50 / p95 / max); with the same loop on the idle runtime first.
 *
 *   nice -n 10 flock /tmp/imgpipe/measure.lock npx tsx tools/local/scripts/measure-scoring.ts [--image photo.jpg]
 *
 * A measurement, not a test: the numbers depend on the machine and its load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { compress, DEFAULT_AUTO_QUALITY, measureSsimulacra2 } from '@imgpipe/image-ops';
import { inThreadScorer, type Ssimulacra2Scorer } from '@imgpipe/image-ops/scorer';
import { createWorkerScorer } from '@imgpipe/image-ops/scoring-worker';
import { testImage } from '@imgpipe/image-ops/testing';
import { DEFAULT_AVIF_EFFORT } from '@imgpipe/compress';
import { startLocalRuntime } from '../src/runtime';
import { RuntimeClient } from '../src/testing/http-client';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** The bench's 13.1 MP phone photo, when `npm run bench` has fetched it. */
const BENCH_PHOTO = join(__dirname, '../../../.cache/bench/extracted/gdk-pixbuf-tests/usr/libexec/installed-tests/gdk-pixbuf/issue70.jpg');

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** A scorer that times each call on the calling thread (each is one uninterrupted block). */
function timedInThread(blocks: { what: string; ms: number }[]): Ssimulacra2Scorer {
  return {
    async prepare(original) {
      let t = performance.now();
      const prepared = await inThreadScorer.prepare(original);
      blocks.push({ what: `prepare ${original.width}x${original.height}`, ms: performance.now() - t });
      return {
        async score(distorted) {
          t = performance.now();
          const score = await prepared.score(distorted);
          blocks.push({ what: 'score', ms: performance.now() - t });
          return score;
        },
        release: () => prepared.release(),
      };
    },
  };
}

async function workerBaseline(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await sleep(200);
  const before = process.memoryUsage().rss;
  const scorer = createWorkerScorer();
  const px = (w: number, h: number) => ({ data: new Uint8Array(w * h * 3).map((_, i) => (i * 37) % 251), width: w, height: h });
  const tiny = await scorer.prepare(px(16, 16));
  await tiny.score(px(16, 16));
  await sleep(200);
  const started = process.memoryUsage().rss;
  const proxy = await scorer.prepare(px(512, 384));
  await proxy.score(px(512, 384));
  const afterScore = process.memoryUsage().rss;
  proxy.release();
  tiny.release();
  await scorer.close();
  gc?.();
  await sleep(300);
  const closed = process.memoryUsage().rss;
  console.log(`worker thread RSS: +${mib(started - before)} started (tsx + the metric's module), +${mib(afterScore - before)} after a 512x384 proxy's prepare + score, +${mib(closed - before)} after close`);
}

async function blocksPerImage(image: Buffer): Promise<void> {
  for (const [label, options] of [
    ['AVIF step (quality auto, target WebP\'s)', { formats: ['avif' as const], avif: { quality: 'auto' as const, effort: DEFAULT_AVIF_EFFORT }, autoQuality: { avif: { target: DEFAULT_AUTO_QUALITY.webp.target } } }],
    ['WebP with COMPRESS_QUALITY=auto', { formats: ['webp' as const], webp: { quality: 'auto' as const } }],
  ] as const) {
    const blocks: { what: string; ms: number }[] = [];
    const t = performance.now();
    await compress(image, { ...options, formats: [...options.formats], scorer: timedInThread(blocks) });
    const total = blocks.reduce((s, b) => s + b.ms, 0);
    console.log(
      `${label}: ${blocks.length} blocks, ${total.toFixed(0)} ms of ${(performance.now() - t).toFixed(0)} ms: ${blocks.map((b) => `${b.what} ${b.ms.toFixed(0)}`).join(', ')}`,
    );
  }
  const blocks: { what: string; ms: number }[] = [];
  const webp = (await compress(image, { formats: ['webp'] })).variants[0]?.data ?? Buffer.alloc(0);
  await measureSsimulacra2(image, webp, undefined, timedInThread(blocks));
  console.log(`measureSsimulacra2 (bench only, 2 MP sample): ${blocks.map((b) => `${b.what} ${b.ms.toFixed(0)} ms`).join(', ')}`);
}

interface LoopFigures {
  gets: number[];
  maxStallMs: number;
  stalledMs: number;
  histogramMaxMs: number;
  histogramP99Ms: number;
}

/** Times `GET /api/images` in a loop and the event loop's stalls until `done` settles. */
async function observe(client: RuntimeClient, done: Promise<unknown>): Promise<LoopFigures> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let finished = false;
  void done.finally(() => (finished = true));
  let last = performance.now();
  let maxStallMs = 0;
  let stalledMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const gap = now - last - 5;
    last = now;
    maxStallMs = Math.max(maxStallMs, gap);
    if (gap > 50) stalledMs += gap;
  }, 5);
  const gets: number[] = [];
  while (!finished) {
    const t = performance.now();
    await client.api('GET', '/images');
    gets.push(performance.now() - t);
    await sleep(20);
  }
  clearInterval(timer);
  histogram.disable();
  return { gets, maxStallMs, stalledMs, histogramMaxMs: histogram.max / 1e6, histogramP99Ms: histogram.percentile(99) / 1e6 };
}

function print(label: string, f: LoopFigures): void {
  const sorted = [...f.gets].sort((a, b) => a - b);
  console.log(
    `${label}: GET /api/images x${sorted.length} p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(1)} ms; ` +
      `event loop: longest stall ${f.maxStallMs.toFixed(0)} ms, ${f.stalledMs.toFixed(0)} ms in stalls > 50 ms (monitorEventLoopDelay max ${f.histogramMaxMs.toFixed(0)} ms, p99 ${f.histogramP99Ms.toFixed(0)} ms)`,
  );
}

async function duringAvifStep(image: Buffer, scoring: 'in-thread' | 'worker'): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-scoring-'));
  const runtime = await startLocalRuntime({ dataDir, port: 0, web: false, concurrency: 1, scoring, env: { ...process.env, RATE_LIMIT_READS: 'off' } });
  try {
    const client = await RuntimeClient.signIn(runtime.url, 'scoring-user');
    print(`${scoring.padEnd(9)} idle runtime, 3 s`, await observe(client, sleep(3000)));
    const processed = new Promise<void>((resolve) => {
      const off = runtime.onEvent((_bus, event) => {
        if (event['detail-type'] !== 'ImageProcessed') return;
        off();
        resolve();
      });
    });
    const ended = new Promise<string>((resolve) => {
      const off = runtime.onEvent((_bus, event) => {
        if (event['detail-type'] !== 'ImageVariantAdded') return;
        off();
        resolve('ImageVariantAdded');
      });
    });
    const { imageId } = await client.upload(image, 'photo.jpg', 'image/jpeg');
    await processed;
    const started = performance.now();
    const avifStep = Promise.race([ended, runtime.idle().then(() => 'idle')]);
    const figures = await observe(client, avifStep);
    const how = await avifStep;
    print(`${scoring.padEnd(9)} AVIF step of ${imageId}, ${(performance.now() - started).toFixed(0)} ms (until ${how})`, figures);
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  const { values } = parseArgs({ options: { image: { type: 'string' }, only: { type: 'string' } } });
  const path = values.image ?? (existsSync(BENCH_PHOTO) ? BENCH_PHOTO : undefined);
  const image = path ? readFileSync(path) : await testImage('jpeg', { width: 4160, height: 3120 });
  console.log(`image: ${path ?? 'synthetic 4160 x 3120 JPEG'} (${mib(image.length)}), node ${process.version}`);
  if (!values.only || values.only === 'worker') await workerBaseline();
  if (!values.only || values.only === 'blocks') await blocksPerImage(image);
  if (!values.only || values.only === 'runtime') {
    for (const scoring of ['in-thread', 'worker'] as const) await duringAvifStep(image, scoring);
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
