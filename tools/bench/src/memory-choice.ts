/**
 * `npx tsx tools/bench/src/memory-choice.ts [--measure <photo.jpg> <megapixels>]`:
 * how much memory compress and thumbnail should get on Lambda, from the bench's CPU model.
 *
 * For 13 MP and 24 MP originals at 2048, 3008 and 4096 MB it prints latency and cost per image,
 * with libvips running as many threads as Lambda shows vCPUs at that memory
 * ({@link estimateThreadedInvocation}), then picks for each function the cheapest memory whose
 * 24 MP latency stays within {@link STEP_LATENCY_BUDGET_MS}. docs/deploy.md carries the table
 * (memory-choice.spec.ts keeps it equal to this output), and the constructs' memory follows
 * the choice (infra's service-stacks spec reads it from docs/deploy.md).
 *
 * The work figures are {@link MEASURED_WORK}: CPU time per megapixel and the share of it libvips
 * spreads over threads, measured here with `--measure` on a real 13.4 MP photograph (the bench's
 * photo set) through image-ops' own `compress` and `renditions`, once with one libvips thread
 * and once with two. `--measure` prints fresh figures; the spec uses the recorded ones (cheap).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadCompressConfig } from '@imgpipe/compress';
import { compress, configureImageRuntime, renditions, splitRenditionSet } from '@imgpipe/image-ops';
import { loadThumbnailConfig } from '@imgpipe/thumbnail';
import { estimateThreadedInvocation, type ThreadedWork } from './cost-model';

/** The memory sizes compared (issue 12): 2 GB, the old 3008 MB maximum, 4 GB. */
export const MEMORY_OPTIONS_MB = [2048, 3008, 4096] as const;
/** The original sizes compared: a phone photo and a large camera photo. */
export const MEGAPIXELS = [13, 24] as const;
export type PipelineFunction = 'compress' | 'thumbnail';

/**
 * How long compress or thumbnail may take on a 24 MP original: the two run side by side, and
 * the design's P95 from upload to processed is 5 s, of which validation, the state machine,
 * recording and publishing take about 0.5 s and S3 transfers of a 24 MP original about 1 s.
 */
export const STEP_LATENCY_BUDGET_MS = 3_000;

/**
 * Measured on this machine (x86_64, Node 20, sharp 0.35.5 / libvips 8.18.7) with `--measure` on
 * Dragonfly_by_Bolly.jpg (4224x3168, 13.4 MP JPEG) from the bench's photo set, medians of 3 runs,
 * twice; the parallel fraction is Amdahl's from the wall time with 1 and 2 threads, and the one
 * kept is the higher (the 2 cores are shared with other work, so it is noise-bound), the most
 * favourable to more memory; the choice is the same at 0 (memory-choice.spec.ts).
 * - thumbnail (2026-12-06 03:27, 03:30 and 03:30 UTC, load average ~2): its share of the default
 *   set since issue 13 item 3 (`splitRenditionSet`'s `early`: the gallery's four renditions up to
 *   `EARLY_RENDITION_MAX_SIDE`, in JPEG and WebP at effort 2, decoded at 1/4 scale): 22, 23 and 25
 *   CPU ms per MP, parallel fraction 0.95, 0 and 0. With the whole gallery set (its 1600 px
 *   `display` too, which allowed no shrink-on-load) it was 34 and 39 (2026-12-05 19:53 and 20:03
 *   UTC, fraction 0.16 and 0.61); the same session as the figures above, interleaved, gave 36
 *   (whole set) and 17 (early share) ms per MP, medians of 7. The figure before those (21)
 *   measured image-ops' bare default set (three JPEG squares), not what the function runs.
 * - compress (2026-12-05 12:29 UTC): 121 and 113 CPU ms per MP, fraction 0.33 and 0.03, measured
 *   with WebP alone. With the service's JPEG fallback beside it (what `--measure` runs now) the
 *   runs of 2026-12-05 19:53 and 20:03 gave 195 and 181 ms per MP (fraction 0.33 and 0.15), and
 *   with the set's large renditions too (issue 13 item 3: the gallery's `display`, made from
 *   compress's full-size decode) the three of 2026-12-06 gave 204, 198 and 215 (fraction 0.07,
 *   0.16, 0.21; the `display` rendition alone about +5 %, interleaved: 170 -> 179). That puts 24 MP
 *   past the 3 s budget at 2048 MB and would move the choice to 4096 MB: not recorded here, because
 *   the function's memory is a deployment decision (docs/deploy.md says so beside the table); the
 *   capacity model (infra/src/capacity.ts) uses the full configuration's figure.
 * One bench core is taken as one Lambda (Graviton) vCPU: confirm with Power Tuning (docs/deploy.md).
 */
export const MEASURED_WORK: Readonly<Record<PipelineFunction, { readonly cpuMsPerMp: number; readonly parallelFraction: number }>> = {
  compress: { cpuMsPerMp: 117, parallelFraction: 0.33 },
  thumbnail: { cpuMsPerMp: 23, parallelFraction: 0.95 },
};

/** One row of the table. */
export interface MemoryRow {
  readonly fn: PipelineFunction;
  readonly megapixels: number;
  readonly memoryMb: number;
  readonly threads: number;
  readonly latencyMs: number;
  readonly usdPerMillionImages: number;
}

/** The work of `fn` on an original of `megapixels`. */
export function workFor(fn: PipelineFunction, megapixels: number, measured = MEASURED_WORK): ThreadedWork {
  return { cpuMs: measured[fn].cpuMsPerMp * megapixels, parallelFraction: measured[fn].parallelFraction };
}

/** Every function x size x memory. */
export function memoryTable(measured = MEASURED_WORK): MemoryRow[] {
  return (['compress', 'thumbnail'] as const).flatMap((fn) =>
    MEGAPIXELS.flatMap((megapixels) =>
      MEMORY_OPTIONS_MB.map((memoryMb) => {
        const estimate = estimateThreadedInvocation(workFor(fn, megapixels, measured), memoryMb);
        return { fn, megapixels, memoryMb, threads: estimate.threads, latencyMs: estimate.wallMs, usdPerMillionImages: estimate.usdPerInvocation * 1e6 };
      }),
    ),
  );
}

/**
 * The memory for `fn`: the cheapest (per 24 MP image) whose 24 MP latency is within the
 * budget; when none is, the fastest.
 */
export function chooseMemory(rows: readonly MemoryRow[], fn: PipelineFunction): number {
  const large = rows.filter((r) => r.fn === fn && r.megapixels === Math.max(...MEGAPIXELS));
  const within = large.filter((r) => r.latencyMs <= STEP_LATENCY_BUDGET_MS).sort((a, b) => a.usdPerMillionImages - b.usdPerMillionImages);
  const fastest = [...large].sort((a, b) => a.latencyMs - b.latencyMs);
  const chosen = within[0] ?? fastest[0];
  if (!chosen) throw new Error(`no rows for ${fn}`);
  return chosen.memoryMb;
}

/** The Markdown table and the choice, as docs/deploy.md carries them between the memory markers. */
export function renderMemoryChoice(rows: readonly MemoryRow[] = memoryTable(), measured = MEASURED_WORK): string {
  const lines = [
    '| function | original | memory | libvips threads | latency | cost per 1M images |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.fn} | ${r.megapixels} MP | ${r.memoryMb} MB | ${r.threads} | ${(r.latencyMs / 1000).toFixed(2)} s | $${r.usdPerMillionImages.toFixed(2)} |`,
    ),
    '',
    ...(['compress', 'thumbnail'] as const).map((fn) => {
      const work = measured[fn];
      return `- ${fn}: **${chooseMemory(rows, fn)} MB** (${work.cpuMsPerMp} CPU ms per MP, ${Math.round(work.parallelFraction * 100)} % of it on every thread; the cheapest size whose 24 MP latency is within ${STEP_LATENCY_BUDGET_MS / 1000} s)`;
    }),
  ];
  return lines.join('\n');
}

/** CPU and wall milliseconds of `run`, median of `runs`. */
async function timed(run: () => Promise<unknown>, runs: number): Promise<{ cpuMs: number; wallMs: number }> {
  const samples: Array<{ cpuMs: number; wallMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await run();
    const used = process.cpuUsage(cpu);
    samples.push({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start });
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return { cpuMs: median(samples.map((s) => s.cpuMs)), wallMs: median(samples.map((s) => s.wallMs)) };
}

/** Measures {@link MEASURED_WORK}'s figures on one photograph (needs 2 free cores for the parallel fraction). */
export async function measureWork(photo: string, megapixels: number, runs = 3): Promise<typeof MEASURED_WORK> {
  const input = new Uint8Array(readFileSync(photo));
  // What the functions run with their defaults, from their own config loaders: compress's formats
  // (WebP and the JPEG fallback), profile and quality; the rendition set (the gallery: five renditions
  // in JPEG and WebP, split between the two tasks). Not image-ops' bare defaults (WebP only; three JPEG squares).
  const env = { AWS_REGION: 'us-east-1', ORIGINALS_BUCKET: 'measure', PROCESSED_BUCKET: 'measure' };
  const compressOptions = loadCompressConfig(env).options;
  // Each task's share of the set (issue 13): compress makes the large renditions from its decode.
  const { early, late } = splitRenditionSet(loadThumbnailConfig(env).renditionSet);
  const jobs: Record<PipelineFunction, () => Promise<unknown>> = {
    compress: () => compress(input, compressOptions, undefined, late ? { renditionSet: late } : undefined),
    thumbnail: () => renditions(input, early),
  };
  const result: Record<PipelineFunction, { cpuMsPerMp: number; parallelFraction: number }> = {
    compress: { cpuMsPerMp: 0, parallelFraction: 0 },
    thumbnail: { cpuMsPerMp: 0, parallelFraction: 0 },
  };
  for (const fn of ['compress', 'thumbnail'] as const) {
    configureImageRuntime({ concurrency: 1 });
    const one = await timed(jobs[fn], runs);
    configureImageRuntime({ concurrency: 2 });
    const two = await timed(jobs[fn], runs);
    // Amdahl with 2 threads: wall2 / wall1 = (1 - p) + p / 2.
    const p = Math.min(1, Math.max(0, 2 * (1 - two.wallMs / one.wallMs)));
    result[fn] = { cpuMsPerMp: Math.round(one.cpuMs / megapixels), parallelFraction: Math.round(p * 100) / 100 };
  }
  return result;
}

if (require.main === module) {
  void (async () => {
    const at = process.argv.indexOf('--measure');
    if (at >= 0) {
      const photo = process.argv[at + 1];
      const mp = Number(process.argv[at + 2]);
      if (!photo || !(mp > 0)) throw new Error('usage: memory-choice.ts --measure <photo.jpg> <megapixels>');
      if (cpus().length < 2) console.warn('memory-choice: fewer than 2 cores; the parallel fraction cannot be measured');
      const measured = await measureWork(photo, mp);
      console.log(JSON.stringify(measured, null, 2));
      console.log(renderMemoryChoice(memoryTable(measured), measured));
    } else {
      console.log(renderMemoryChoice());
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
