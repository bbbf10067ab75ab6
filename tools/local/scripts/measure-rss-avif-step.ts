/**
 * Memory of the AVIF step's image work alone, in one process (tools/local/README.md, "Memory"):
 *
 *   MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576 node --expose-gc --max-semi-space-size=2 \
 *     --optimize-for-size --import tsx tools/local/scripts/measure-rss-avif-step.ts [steps] [--collect]
 *
 * Runs `compressStill` (AVIF, auto quality to WebP's target, effort as the step's default) on a
 * 12 MP JPEG `steps` times (default 3) with the scoring worker thread, as the local runtime's AVIF
 * step does, and prints every 0.2 s V8's heap, `external` and `arrayBuffers`
 * (`process.memoryUsage()`) beside the anonymous resident memory (`/proc/self/smaps_rollup`).
 * `--collect` forces a V8 collection at each sample, to tell memory still held from a count V8
 * has not settled yet. A measurement, not a test: run it under the measurement lock.
 */
import { readFileSync } from 'node:fs';
import { compressStill, configureImageRuntime, DEFAULT_AUTO_QUALITY } from '@imgpipe/image-ops';
import { createWorkerScorer } from '@imgpipe/image-ops/scoring-worker';
import { testImage } from '@imgpipe/image-ops/testing';
import { DEFAULT_AVIF_EFFORT } from '@imgpipe/compress';

const SAMPLE_EVERY_MS = 200;

const mib = (bytes: number): number => Math.round(bytes / 1048576);

/** Anonymous resident memory of this process, MiB. */
function anonMiB(): number {
  return Math.round(Number(/^Anonymous:\s+(\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0) / 1024);
}

async function main(): Promise<void> {
  const steps = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
  const collectEachSample = process.argv.includes('--collect');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc');
  configureImageRuntime();
  const scorer = createWorkerScorer();
  const image = await testImage('jpeg', { width: 4000, height: 3000 });
  const started = Date.now();
  let phase = 'start';
  const sample = (): void => {
    if (collectEachSample) gc();
    const m = process.memoryUsage();
    const t = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `${t} s ${phase}: heap ${mib(m.heapUsed)}/${mib(m.heapTotal)} MiB, external ${mib(m.external)} (arrayBuffers ${mib(m.arrayBuffers)}), anon ${anonMiB()} MiB\n`,
    );
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  try {
    for (let step = 0; step < steps; step++) {
      phase = `step ${step}`;
      gc();
      const made = await compressStill(new Uint8Array(image), {
        formats: ['avif'],
        avif: { quality: 'auto', effort: DEFAULT_AVIF_EFFORT },
        autoQuality: { avif: { target: DEFAULT_AUTO_QUALITY.webp.target } },
        scorer,
      });
      phase = `after step ${step}`;
      process.stdout.write(`step ${step}: ${made.kind === 'encoded' ? `${made.variant.size} bytes at quality ${made.variant.quality}` : made.kind}\n`);
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
  } finally {
    clearInterval(timer);
    await scorer.close();
  }
}

void main();
