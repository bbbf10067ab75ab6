/**
 * Median upload-to-ImageProcessed latency of a ~13 MP JPEG through the local runtime, and
 * the pipeline's own overhead (that latency minus the image work, the union of the thumbnail
 * and compress tasks' intervals from the runtime's log; target < 50 ms).
 *
 *   npx tsx tools/local/scripts/bench-latency.ts [--runs 5] [--width 4160 --height 3120]
 *
 * A measurement, not a test: the numbers depend on the machine.
 */
import { parseArgs } from 'node:util';
import { testImage } from '@imgpipe/image-ops/testing';
import { benchLatency } from '../src/bench/latency';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      width: { type: 'string', default: '4160' },
      height: { type: 'string', default: '3120' },
    },
  });
  const width = Number(values.width);
  const height = Number(values.height);
  process.stderr.write(`making a ${width} x ${height} JPEG...\n`);
  const image = await testImage('jpeg', { width, height });
  const report = await benchLatency({
    image,
    width,
    height,
    runs: Number(values.runs),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const m = report.median;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  process.stdout.write(
    [
      `image: ${width} x ${height} JPEG (${(width * height / 1e6).toFixed(1)} MP, ${(report.image.bytes / 1024 / 1024).toFixed(1)} MiB), ${report.runs} runs, medians:`,
      `  upload POST to the local S3 server   ${ms(m.uploadPostMs)}`,
      `  upload stored -> ImageProcessed      ${ms(m.latencyMs)}   <- latency`,
      `  image work on the path               ${ms(m.imageWorkMs)}   (the tasks' intervals: thumbnails ${m.thumbnailMs}, compress ${m.compressMs}, hand-off ${m.handOffMs} between)`,
      report.overlappedRuns > 0
        ? `    overlap: in ${report.overlappedRuns} of ${report.runs} runs the thumbnail task ran past compress's start (thumbnails first waits 1 s at most); ` +
          `median ${ms(m.overlapMs)} counted once, not twice`
        : `    no overlap: compress started after the thumbnail task ended in every run`,
      `  pipeline overhead (latency - work)   ${ms(m.overheadMs)}   (target < 50 ms)`,
      `    of which: stored -> ImageUploaded  ${ms(m.ingestMs)}   (S3 notification, ingest check, bus)`,
      `              state machine + record   ${ms(m.pipelineOverheadMs)}`,
      `runtime start: ${report.startupMs} ms`,
      JSON.stringify({ bench: 'local-latency', ...report }),
      '',
    ].join('\n'),
  );
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
