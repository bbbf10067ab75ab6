/**
 * What the `malloc_trim` after every image task costs (tools/local/README.md, "Memory"):
 *
 *   MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576 node --expose-gc --max-semi-space-size=2 \
 *     --import tsx tools/local/scripts/measure-trim-cost.ts <each|end> [images]
 *
 * One process, no runtime: per image, compress (WebP + JPEG) and the rendition set in parallel,
 * as an execution's two tasks; `each` trims after every task (as the task wrapper does), `end`
 * once at the end. Prints CPU seconds, minor page faults, time spent in the trims, peak RSS and
 * RSS at the end. A measurement, not a test: run it under the measurement lock, and compare the
 * two modes back to back.
 */
import { readFileSync } from 'node:fs';
import { compress, configureImageRuntime, DEFAULT_RENDITION_SET, releaseFreedMemory, renditions } from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';

/** Minor faults and RSS (MiB) of this process, from /proc. */
function procFigures(): { minorFaults: number; rssMiB: number } {
  const fields = (readFileSync('/proc/self/stat', 'utf8').split(') ')[1] ?? '').split(' ');
  const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  return { minorFaults: Number(fields[7] ?? 0), rssMiB: Math.round(rssKiB / 1024) };
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'each';
  if (mode !== 'each' && mode !== 'end') throw new Error(`mode is each or end, got "${mode}"`);
  const count = Number(process.argv[3] ?? 8);
  configureImageRuntime();
  const images = [
    await testImage('jpeg', { width: 4000, height: 3000 }),
    await testImage('jpeg', { width: 3000, height: 2000 }),
    await testImage('png-alpha', { width: 1600, height: 1200 }),
    await testImage('jpeg', { width: 1600, height: 1200 }),
  ];
  let trimMs = 0;
  const trim = () => {
    const started = performance.now();
    releaseFreedMemory();
    trimMs += performance.now() - started;
  };
  // Warm-up: libvips' and the encoders' first use.
  await compress(images[3] as Uint8Array, { formats: ['webp', 'jpeg'] });
  releaseFreedMemory();
  trimMs = 0;
  const faultsBefore = procFigures().minorFaults;
  const cpuBefore = process.cpuUsage();
  let peakMiB = 0;
  for (let i = 0; i < count; i++) {
    const image = images[i % images.length] as Uint8Array;
    const afterTask = () => (mode === 'each' ? trim() : undefined);
    await Promise.all([compress(image, { formats: ['webp', 'jpeg'] }).then(afterTask), renditions(image, DEFAULT_RENDITION_SET).then(afterTask)]);
    peakMiB = Math.max(peakMiB, procFigures().rssMiB);
  }
  const endBeforeTrimMiB = procFigures().rssMiB;
  trim();
  const cpu = process.cpuUsage(cpuBefore);
  const after = procFigures();
  process.stdout.write(
    `${JSON.stringify({
      mode,
      images: count,
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      minorFaults: after.minorFaults - faultsBefore,
      trimMs: Math.round(trimMs),
      peakMiB,
      endBeforeTrimMiB,
      endMiB: after.rssMiB,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
