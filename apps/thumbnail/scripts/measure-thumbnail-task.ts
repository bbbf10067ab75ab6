/**
 * The thumbnail task's own time, step by step (issue 13, "the first thing a user sees, early"):
 * the real use case (`createGenerateThumbnails`, the gallery set) on the real local peers
 * (s3rver behind the SigV4 gate, through the SDK, as `npm start` runs it), one process, several
 * runs of the same 13 MP JPEG. Run 0 is what the first upload after a start pays (nothing JIT-
 * compiled, no memory of the process touched yet), like the e2e's upload; the later runs are warm.
 * Each line: the task's timings as the service logs them, and the process's minor page faults and
 * CPU (user+system) during the run: on this machine a first touch of a 4 KiB page costs ~14 µs
 * (a 40 MB buffer's first fill ~120-155 ms, its second ~2 ms), so the faults explain most of what
 * a cold run costs more than a warm one.
 *
 *   npx tsx apps/thumbnail/scripts/measure-thumbnail-task.ts [--runs 4] [--concurrency N] [--file photo.jpg]
 *
 * It is a measurement: hold the measurement lock and run it `nice -n 10` on a shared machine.
 * Figures: tools/local/README.md, "Early thumbnails".
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { configureImageRuntime, GALLERY_RENDITION_SET, DEFAULT_INPUT_POLICY } from '@imgpipe/image-ops';
import { testImage } from '@imgpipe/image-ops/testing';
import { createAwsClients, S3ObjectStore } from '@imgpipe/platform';
import { LOCAL_REGION, startLocalS3, storeUploadedOriginal } from '@imgpipe/platform/testing';
import { createGenerateThumbnails, type ThumbnailTimings } from '../src/generate-thumbnails.use-case';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '4' }, concurrency: { type: 'string' }, file: { type: 'string' } },
});

async function main(): Promise<void> {
  const runs = Math.max(1, Number(values.runs));
  const original: Buffer = values.file ? await readFile(values.file) : await testImage('jpeg', { width: 4160, height: 3120 });
  const s3 = await startLocalS3({ buckets: ['originals', 'processed'] });
  const clients = createAwsClients({ region: LOCAL_REGION, endpoints: { s3: s3.endpoint }, credentials: s3.credentials });
  try {
    const store = new S3ObjectStore(clients.s3);
    const uploaded = await storeUploadedOriginal(store, { bytes: original, bucket: 'originals', filename: 'photo.jpg', contentType: 'image/jpeg', format: 'jpeg' });
    const settings = configureImageRuntime(values.concurrency ? { concurrency: Number(values.concurrency) } : {});
    console.log(`${original.byteLength} bytes; libvips ${settings.concurrency} thread(s) a pipeline; ${runs} runs in one process`);
    let timings: ThumbnailTimings | undefined;
    const generate = createGenerateThumbnails({
      store,
      originalsBucket: 'originals',
      processedBucket: 'processed',
      renditionSet: GALLERY_RENDITION_SET,
      background: '#ffffff',
      policy: DEFAULT_INPUT_POLICY,
      onTimings: (t) => (timings = t),
    });
    for (let run = 0; run < runs; run++) {
      const before = process.resourceUsage();
      const started = performance.now();
      const out = await generate(uploaded);
      const ms = performance.now() - started;
      const after = process.resourceUsage();
      const t = timings;
      const cpu = `${Math.round((after.userCPUTime - before.userCPUTime) / 1000)}+${Math.round((after.systemCPUTime - before.systemCPUTime) / 1000)}`;
      console.log(
        `run ${run}${run === 0 ? ' (cold)' : ''}: ${Math.round(ms)} ms; get ${t?.getMs}, decode ${t?.decodeMs}, placeholder ${t?.placeholderMs}, ` +
          `renditions ${t?.renditionsMs} ${JSON.stringify(t?.renditionMs)}, puts ${t?.putMs} ms; ` +
          `${after.minorPageFault - before.minorPageFault} minor faults, CPU ${cpu} ms; version ${out.version}`,
      );
    }
  } finally {
    clients.destroy();
    await s3.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
