/**
 * Resident memory of `npm start` through a burst of uploads and after it (issue 13 item 4).
 *
 *   npx tsx tools/local/scripts/measure-rss.ts [--images 200] [--idle 60] [--upload-concurrency 16]
 *     [--concurrency <n>] [--via npm|node] [--ui] [--env NAME=VALUE]... [--node-flag <flag>]...
 *
 * Starts the real runtime as `npm start` does (`npm start -- --data-dir <temp> --port 0`;
 * `--via node` runs `node [--node-flag...] --import tsx tools/local/src/main.ts` without the start
 * script's environment: for trying a node flag, give it the script's `--env` and flags too), uploads `--images` varied test images through the API (a grant from
 * `POST /api/uploads`, then the presigned POST, as the browser does) with
 * `--upload-concurrency` uploads in flight (the runtime runs `--concurrency` executions at
 * once and queues the rest), waits until every image is processed or failed and the tree is
 * quiet (the AVIF step follows `ImageProcessed`), then `--idle` seconds with nothing to do. Meanwhile it samples the resident set (VmRSS) of the whole
 * process tree (npm, node and any child such as esbuild) every 250 ms, and prints the start,
 * peak and idle figures. A measurement, not a test: run it through the CPU lock
 * (`/tmp/imgpipe/t` on the shared machine); the figures depend on the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fixture, testImage, type TestImageKind } from '@imgpipe/image-ops/testing';
import { runningRuntime } from '../src/runtime';
import { RuntimeClient } from '../src/testing/http-client';
import { formatMiB, sampleTreeRss } from './measure-rss.sampling';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const SAMPLE_EVERY_MS = 250;

interface Upload {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

/**
 * The burst's images: the repo's test images (`@imgpipe/image-ops/testing`) in every input
 * format the pipeline takes, from a 480 x 320 HEIC (decoded in WebAssembly) to 12 MP JPEGs,
 * cycled through in this order.
 */
async function imageSet(): Promise<readonly Upload[]> {
  const made = async (kind: TestImageKind, width: number, height: number, ext: string, contentType: string) => ({
    name: `${kind}-${width}x${height}.${ext}`,
    contentType,
    bytes: await testImage(kind, { width, height }),
  });
  return [
    await made('jpeg', 4000, 3000, 'jpg', 'image/jpeg'),
    await made('jpeg', 3000, 2000, 'jpg', 'image/jpeg'),
    await made('jpeg-rotated', 2400, 1600, 'jpg', 'image/jpeg'),
    await made('jpeg', 1600, 1200, 'jpg', 'image/jpeg'),
    await made('png-alpha', 1600, 1200, 'png', 'image/png'),
    await made('webp', 2000, 1500, 'webp', 'image/webp'),
    await made('tiff', 1200, 900, 'tif', 'image/tiff'),
    await made('avif', 1200, 900, 'avif', 'image/avif'),
    await made('jpeg-cmyk', 1200, 900, 'jpg', 'image/jpeg'),
    await made('gif-animated', 320, 240, 'gif', 'image/gif'),
    { name: 'photo-480x320.heic', contentType: 'image/heic', bytes: fixture('photo-480x320.heic') },
    { name: 'photo-480x320.jpg', contentType: 'image/jpeg', bytes: fixture('photo-480x320.jpg') },
  ];
}

/**
 * Where the runtime's memory is: a preload (`NODE_OPTIONS=--require`) that, inside the runtime's
 * node process only (its argv names tools/local/src/main.ts; npm's node skips it), samples every
 * 250 ms V8's heap and external/arrayBuffers (`process.memoryUsage()`), the anonymous and
 * file-backed resident set (`/proc/self/smaps_rollup`), libvips' tracked pixel memory and
 * operations in flight (`sharp.cache()`, `sharp.counters()`), and appends each second's
 * largest-RSS sample to a JSON-lines file. Plain CommonJS, so it loads before tsx.
 */
const PROBE_SOURCE = `'use strict';
(() => {
  if (!process.argv.some((a) => /tools[\\/]local[\\/]src[\\/]main\\.ts$/.test(a))) return;
  const fs = require('node:fs');
  const out = process.env.IMGPIPE_RSS_PROBE_OUT;
  const kiB = (text, name) => Number((new RegExp('^' + name + ':\\\\s+(\\\\d+) kB$', 'm').exec(text) || [])[1] || 0);
  const mib = (bytes) => Math.round(bytes / 1048576);
  let sharp;
  let best;
  const started = Date.now();
  const sample = () => {
    if (!sharp && Date.now() - started > 5000) {
      try { sharp = require(require.resolve('sharp', { paths: [process.cwd()] })); } catch { sharp = null; }
    }
    const m = process.memoryUsage();
    const smaps = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
    const vips = sharp ? sharp.cache().memory : undefined;
    const s = {
      t: Date.now(), rss: mib(m.rss), heapTotal: mib(m.heapTotal), heapUsed: mib(m.heapUsed),
      external: mib(m.external), arrayBuffers: mib(m.arrayBuffers),
      anon: Math.round(kiB(smaps, 'Anonymous') / 1024), file: Math.round((kiB(smaps, 'Rss') - kiB(smaps, 'Anonymous')) / 1024),
      vips: vips ? vips.current : null, vipsHigh: vips ? vips.high : null,
      inFlight: sharp ? sharp.counters().process + sharp.counters().queue : null,
    };
    if (!best || s.rss > best.rss) best = s;
  };
  const flush = () => { if (best) fs.appendFileSync(out, JSON.stringify(best) + '\\n'); best = undefined; };
  setInterval(sample, 250).unref();
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
})();
`;

/** One second's largest-RSS sample of the runtime's node process, as the probe wrote it (MiB). */
interface ProbeSample {
  readonly t: number;
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly anon: number;
  readonly file: number;
  readonly vips: number | null;
  readonly vipsHigh: number | null;
  readonly inFlight: number | null;
}

function describeProbe(s: ProbeSample): string {
  return `node RSS ${s.rss} MiB = anon ${s.anon} + file ${s.file}; V8 heap ${s.heapUsed}/${s.heapTotal} MiB, external ${s.external} MiB (arrayBuffers ${s.arrayBuffers}); libvips tracked ${s.vips ?? '?'} MiB (high ${s.vipsHigh ?? '?'}), ${s.inFlight ?? '?'} sharp ops in flight`;
}

/** The probe's file, read back: the sample at node's peak, the largest of each part, the last. */
async function probeSummary(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const samples = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ProbeSample);
  if (samples.length === 0) return ['  (no probe samples)'];
  const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
  const max = (key: keyof ProbeSample) => Math.max(...samples.map((s) => Number(s[key] ?? 0)));
  const last = samples[samples.length - 1] as ProbeSample;
  return [
    `  at node's peak:   ${describeProbe(peak)}`,
    `  largest of each:  heapTotal ${max('heapTotal')}, external ${max('external')}, arrayBuffers ${max('arrayBuffers')}, anon ${max('anon')}, libvips ${max('vipsHigh')} MiB`,
    `  at the end:       ${describeProbe(last)}`,
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment variables that shape memory, as the runtime process really has them. */
async function allocatorEnvironment(pid: number): Promise<string> {
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  const names = ['MALLOC_ARENA_MAX', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'LD_PRELOAD', 'UV_THREADPOOL_SIZE'];
  const set = environ.split('\0').filter((entry) => names.some((n) => entry.startsWith(`${n}=`)));
  return set.length > 0 ? set.join(' ') : '(none of MALLOC_*, LD_PRELOAD, UV_THREADPOOL_SIZE set)';
}

/** Samples the tree under `root` until stopped; remembers the peak and the last sample. */
class RssRecorder {
  peakKiB = 0;
  lastKiB = 0;
  /** Each process's own peak (by name and pid), and the tree at the tree's peak. */
  readonly processPeaks = new Map<string, number>();
  treeAtPeak = '';
  lastCpuSeconds = 0;
  readonly timeline: Array<{ atMs: number; kiB: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(private readonly root: number) {}

  sample(): number {
    const { totalKiB, cpuSeconds, processes } = sampleTreeRss(this.root);
    this.lastKiB = totalKiB;
    this.lastCpuSeconds = cpuSeconds;
    if (totalKiB > this.peakKiB) this.treeAtPeak = processes.map((p) => `${p.name} ${formatMiB(p.rssKiB)}`).join(', ');
    this.peakKiB = Math.max(this.peakKiB, totalKiB);
    for (const p of processes) {
      const key = `${p.name}[${p.pid}]`;
      this.processPeaks.set(key, Math.max(this.processPeaks.get(key) ?? 0, p.rssKiB));
    }
    this.timeline.push({ atMs: Math.round(performance.now() - this.started), kiB: totalKiB });
    return totalKiB;
  }

  start(): void {
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function untilRunning(dataDir: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = await runningRuntime(dataDir);
    if (running) return running;
    if (child.exitCode !== null) throw new Error(`the runtime exited with code ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error(`the runtime was not ready within ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function uploadAll(client: RuntimeClient, images: readonly Upload[], count: number, inFlight: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const image = images[next % images.length] as Upload;
      next += 1;
      await client.upload(image.bytes, image.name, image.contentType);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

interface Stats {
  readonly processed: number;
  readonly failed: number;
}

async function untilFinished(client: RuntimeClient, count: number, timeoutMs: number, log: (line: string) => void): Promise<Stats> {
  const deadline = Date.now() + timeoutMs;
  let reported = -1;
  for (;;) {
    const stats = await client.api<Stats>('GET', '/stats');
    const done = stats.processed + stats.failed;
    if (done >= count) return stats;
    if (done !== reported && done % 25 === 0) log(`  ${done}/${count} finished`);
    reported = done;
    if (Date.now() > deadline) throw new Error(`only ${done} of ${count} images finished within ${timeoutMs} ms`);
    await sleep(1000);
  }
}

/**
 * Waits until the tree is quiet: under a tenth of a core over 5 s. Images count as finished
 * once `ImageProcessed` is recorded, but work follows it (the AVIF step): that is burst too.
 */
async function untilQuiet(recorder: RssRecorder, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  recorder.sample();
  for (;;) {
    const before = recorder.lastCpuSeconds;
    await sleep(5000);
    recorder.sample();
    const used = recorder.lastCpuSeconds - before;
    if (used < 0.5) return;
    if (Date.now() > deadline) throw new Error(`the runtime was still busy ${timeoutMs} ms after the last image finished`);
    log(`  follow-up work: ${used.toFixed(1)} CPU s in the last 5 s, ${formatMiB(recorder.lastKiB)}`);
  }
}

interface Options {
  readonly count: number;
  readonly idleMs: number;
  readonly inFlight: number;
  readonly concurrency: string | undefined;
  readonly via: 'npm' | 'node';
  readonly ui: boolean;
  readonly extraEnv: Readonly<Record<string, string>>;
  /** With `--via node`: node flags before `--import tsx` (a V8 flag NODE_OPTIONS refuses, say). */
  readonly nodeFlags: readonly string[];
  /** Where to keep the probe's samples (JSON lines, one a second); a temporary file by default. */
  readonly probeOut: string | undefined;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '200' },
      idle: { type: 'string', default: '60' },
      'upload-concurrency': { type: 'string', default: '16' },
      concurrency: { type: 'string' },
      via: { type: 'string', default: 'npm' },
      ui: { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
      'node-flag': { type: 'string', multiple: true, default: [] },
      'probe-out': { type: 'string' },
    },
  });
  const count = Number(values.images);
  const idleMs = Number(values.idle) * 1000;
  const inFlight = Number(values['upload-concurrency']);
  if (![count, idleMs, inFlight].every((n) => Number.isInteger(n) && n >= 0) || inFlight < 1) {
    throw new Error('--images, --idle and --upload-concurrency take whole numbers (--upload-concurrency at least 1)');
  }
  if (values.via !== 'npm' && values.via !== 'node') throw new Error(`--via is npm or node, got "${values.via}"`);
  const extraEnv = Object.fromEntries(
    values.env.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--env takes NAME=VALUE, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const nodeFlags = values['node-flag'];
  if (nodeFlags.length > 0 && values.via !== 'node') throw new Error('--node-flag needs --via node (npm start sets its own flags)');
  return { count, idleMs, inFlight, concurrency: values.concurrency, via: values.via, ui: values.ui, extraEnv, nodeFlags, probeOut: values['probe-out'] };
}

/** `npm start -- <serve args>` (or node without the start script's environment) on `dataDir`. */
function startServe(options: Options, dataDir: string, probe: { script: string; out: string }, log: (line: string) => void): ChildProcess & { pid: number } {
  const serveArgs = ['--data-dir', dataDir, '--port', '0', ...(options.ui ? [] : ['--no-ui'])];
  if (options.concurrency !== undefined) serveArgs.push('--concurrency', options.concurrency);
  const [command, args] =
    options.via === 'npm'
      ? ['npm', ['start', '--silent', '--', ...serveArgs]]
      : [process.execPath, [...options.nodeFlags, '--import', 'tsx', 'tools/local/src/main.ts', ...serveArgs]];
  log(`starting: ${command} ${args.join(' ')}`);
  // One synthetic user uploads the whole burst: ingest's per-user upload limit (120 a minute)
  // would turn it into a trickle, so it is off unless `--env RATE_LIMIT_UPLOADS=...` says otherwise.
  // The probe joins any NODE_OPTIONS given (`--env NODE_OPTIONS=--max-semi-space-size=4` tries a V8 flag).
  const nodeOptions = [options.extraEnv['NODE_OPTIONS'] ?? process.env['NODE_OPTIONS'], `--require=${probe.script}`].filter(Boolean).join(' ');
  const env = { ...process.env, RATE_LIMIT_UPLOADS: 'off', ...options.extraEnv, NODE_OPTIONS: nodeOptions, IMGPIPE_RSS_PROBE_OUT: probe.out };
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child as ChildProcess & { pid: number };
}

/** Idles `idleMs`, sampling every 10 s; returns the last sample and the lowest one while idle. */
async function idle(recorder: RssRecorder, idleMs: number, log: (line: string) => void): Promise<{ idleKiB: number; idleMinKiB: number }> {
  const idleFrom = recorder.timeline.length;
  const idleEnd = Date.now() + idleMs;
  while (Date.now() < idleEnd) {
    await sleep(Math.min(10_000, idleEnd - Date.now()));
    recorder.sample();
    log(`  idle ${Math.round((idleMs - (idleEnd - Date.now())) / 1000)} s: ${formatMiB(recorder.lastKiB)}`);
  }
  const idleKiB = recorder.sample();
  return { idleKiB, idleMinKiB: Math.min(idleKiB, ...recorder.timeline.slice(idleFrom).map((s) => s.kiB)) };
}

interface Figures {
  readonly environment: string;
  readonly startKiB: number;
  readonly burstPeakKiB: number;
  readonly afterBurstKiB: number;
  readonly idleKiB: number;
  readonly idleMinKiB: number;
  readonly tree: string;
  readonly peaks: string;
  readonly breakdown: readonly string[];
  readonly burstMs: number;
  readonly burstCpuSeconds: number;
  readonly stats: Stats;
}

function report(options: Options, f: Figures): string {
  return [
    `RSS of the npm start process tree (${options.via}), ${options.count} images, ${options.inFlight} uploads in flight, ${f.environment}:`,
    `  start (ready + 5 s)        ${formatMiB(f.startKiB)}`,
    `  peak (burst)               ${formatMiB(f.burstPeakKiB)}`,
    `  end of burst               ${formatMiB(f.afterBurstKiB)}`,
    `  idle (after ${options.idleMs / 1000} s)          ${formatMiB(f.idleKiB)}   (lowest while idle ${formatMiB(f.idleMinKiB)})`,
    `  processes at the end: ${f.tree}`,
    `  each process's peak: ${f.peaks}`,
    ...f.breakdown,
    `  burst ${f.burstMs} ms, ${f.burstCpuSeconds.toFixed(1)} CPU s (user + system, the tree), ${f.stats.processed} processed, ${f.stats.failed} failed`,
    JSON.stringify({
      bench: 'local-rss',
      via: options.via,
      images: options.count,
      uploadConcurrency: options.inFlight,
      environment: f.environment,
      startMiB: Math.round(f.startKiB / 1024),
      peakMiB: Math.round(f.burstPeakKiB / 1024),
      endOfBurstMiB: Math.round(f.afterBurstKiB / 1024),
      idleMiB: Math.round(f.idleKiB / 1024),
      burstMs: f.burstMs,
      burstCpuSeconds: Number(f.burstCpuSeconds.toFixed(1)),
      processed: f.stats.processed,
      failed: f.stats.failed,
    }),
    '',
  ].join('\n');
}

/** Ready, burst, idle: the figures of one runtime already started in `dataDir`. */
async function measure(options: Options, images: readonly Upload[], dataDir: string, probeOut: string, child: ChildProcess & { pid: number }, recorder: RssRecorder, log: (line: string) => void): Promise<Figures> {
  const startedAt = performance.now();
  const running = await untilRunning(dataDir, child, 120_000);
  const readyMs = Math.round(performance.now() - startedAt);
  // aws-local-stepfunctions and the services load after the runtime answers: let them.
  await sleep(5000);
  const startKiB = recorder.sample();
  const environment = await allocatorEnvironment(running.pid);
  log(`ready in ${readyMs} ms (runtime pid ${running.pid}); start RSS ${formatMiB(startKiB)}; ${environment}`);

  const client = await RuntimeClient.signIn(running.url, 'rss');
  const cpuAtStart = recorder.lastCpuSeconds;
  const burstStarted = performance.now();
  log(`uploading ${options.count} images (${images.length} kinds), ${options.inFlight} at a time...`);
  await uploadAll(client, images, options.count, options.inFlight);
  const uploadedMs = Math.round(performance.now() - burstStarted);
  const stats = await untilFinished(client, options.count, 30 * 60_000, log);
  const processedMs = Math.round(performance.now() - burstStarted);
  await untilQuiet(recorder, 30 * 60_000, log);
  const burstMs = Math.round(performance.now() - burstStarted);
  const burstPeakKiB = recorder.peakKiB;
  const afterBurstKiB = recorder.sample();
  const burstCpuSeconds = recorder.lastCpuSeconds - cpuAtStart;
  log(`burst done in ${burstMs} ms (uploads ${uploadedMs} ms, all processed ${processedMs} ms, then quiet): ${stats.processed} processed, ${stats.failed} failed; idling ${options.idleMs / 1000} s...`);

  const { idleKiB, idleMinKiB } = await idle(recorder, options.idleMs, log);
  const tree = sampleTreeRss(child.pid).processes.map((p) => `${p.name}[${p.pid}] ${formatMiB(p.rssKiB)}`).join(', ');
  const peaks = [
    ...[...recorder.processPeaks].map(([name, kiB]) => `${name} ${formatMiB(kiB)}`),
    `(the tree at its peak: ${recorder.treeAtPeak})`,
  ].join(', ');
  const breakdown = await probeSummary(probeOut);
  return { environment, startKiB, burstPeakKiB, afterBurstKiB, idleKiB, idleMinKiB, tree, peaks, breakdown, burstMs, burstCpuSeconds, stats };
}

async function run(): Promise<void> {
  const options = readOptions();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log('making the test images...');
  const images = await imageSet();
  const dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-rss-'));
  const probeDir = await mkdtemp(join(tmpdir(), 'imgpipe-rss-probe-'));
  const probe = { script: join(probeDir, 'probe.cjs'), out: resolve(options.probeOut ?? join(probeDir, 'samples.jsonl')) };
  await writeFile(probe.script, PROBE_SOURCE);
  const child = startServe(options, dataDir, probe, log);
  const recorder = new RssRecorder(child.pid);
  recorder.start();
  try {
    process.stdout.write(report(options, await measure(options, images, dataDir, probe.out, child, recorder, log)));
  } finally {
    recorder.stop();
    const running = await runningRuntime(dataDir);
    // The runtime's own graceful stop; npm then exits with it.
    if (running) process.kill(running.pid, 'SIGTERM');
    else child.kill('SIGTERM');
    await new Promise<void>((done) => (child.exitCode !== null ? done() : child.once('exit', () => done())));
    await rm(dataDir, { recursive: true, force: true });
    await rm(probeDir, { recursive: true, force: true });
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
