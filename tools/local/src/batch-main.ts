import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  configureImageRuntime,
  readRenditionSet,
  resolveCompressOptions,
  resolveInputPolicy,
  type CompressOptions,
  type CompressOptionsInput,
} from '@imgpipe/image-ops';
import { runBatch, type BatchRow } from './batch';
import { parseCommandLineArgs } from './command-line';
import { formatBytes, formatTable } from './table';

export const BATCH_USAGE = `usage: npm start -- <files or folders> [options]

Runs the compress and thumbnail services over local images, writing the outputs to
./out/compressed/... and ./out/thumbnails/..., and prints a table.

options:
  --out <dir>            output folder (default: ./out)
  --concurrency <n>      images at once (default: the number of cores, ${availableParallelism()})
  --renditions <set>     default | marketplace | a JSON file declaring a set (default: default)
  --formats <list>       full-size formats, comma separated: webp,avif,jpeg (default: webp)
  --profile <p>          default | fast (WebP effort 4 or 2)
  --quality <q>          WebP quality 1-100 (default: 80)
  --max-bytes <n>        refuse originals larger than this (default: 25 MiB)
  --max-pixels <n>       refuse images with more pixels than this
  --max-frames <n>       refuse animations with more frames than this
  -h, --help             this text

Exit code: 0 when every file was processed, 1 when any file was refused or failed.`;

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/**
 * The offline batch mode: `npm start -- <files or folders> [options]`. Returns the exit
 * code: 0 when every file was processed, 1 when any was refused or failed, 2 on bad usage.
 */
export async function batchMain(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLineArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'out' },
      concurrency: { type: 'string' },
      renditions: { type: 'string', default: 'default' },
      formats: { type: 'string', default: 'webp' },
      profile: { type: 'string', default: 'default' },
      quality: { type: 'string' },
      'max-bytes': { type: 'string' },
      'max-pixels': { type: 'string' },
      'max-frames': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${BATCH_USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write(`${BATCH_USAGE}\n`);
    return 2;
  }

  const renditionSet = readRenditionSet(values.renditions);
  const quality = positiveInt('quality', values.quality);
  // Validated once, up front: a bad --formats or --profile is one clear error, not one per file.
  const compress = validCompressOptions({
    formats: values.formats.split(',').map((f) => f.trim()) as CompressOptions['formats'],
    profile: values.profile as CompressOptions['profile'],
    ...(quality === undefined ? {} : { webp: { quality } }),
  });
  const policy = resolveInputPolicy({
    ...(values['max-bytes'] ? { maxBytes: positiveInt('max-bytes', values['max-bytes']) } : {}),
    ...(values['max-pixels'] ? { maxPixels: positiveInt('max-pixels', values['max-pixels']) } : {}),
    ...(values['max-frames'] ? { maxFrames: positiveInt('max-frames', values['max-frames']) } : {}),
  });
  const concurrency = positiveInt('concurrency', values.concurrency) ?? availableParallelism();
  configureImageRuntime();

  const outDir = resolve(values.out);
  const started = performance.now();
  const tty = process.stderr.isTTY;
  const rows = await runBatch(positionals, {
    outDir,
    concurrency,
    renditionSet,
    compress,
    policy,
    onProgress: (done, total, row) => {
      const text = `[${done}/${total}] ${row.status.padEnd(9)} ${row.file}`;
      process.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
    },
  });
  if (tty) process.stderr.write('\r\x1b[K');
  const seconds = (performance.now() - started) / 1000;

  process.stdout.write(`${renderRows(rows)}\n\n`);
  const ok = rows.filter((r) => r.status === 'processed');
  const original = ok.reduce((sum, r) => sum + r.originalBytes, 0);
  const webp = ok.reduce((sum, r) => sum + (r.webpBytes ?? 0), 0);
  process.stdout.write(
    `${ok.length} of ${rows.length} processed in ${seconds.toFixed(1)} s` +
      (ok.length ? `; ${formatBytes(original)} -> ${formatBytes(webp)} WebP (${(100 - (webp / original) * 100).toFixed(1)}% saved)` : '') +
      `; outputs in ${outDir}\n`,
  );
  const bad = rows.filter((r) => r.status !== 'processed');
  for (const row of bad) process.stderr.write(`${row.status}: ${row.file}: ${row.error}\n`);
  if (rows.length === 0) process.stderr.write('no files found\n');
  return bad.length > 0 || rows.length === 0 ? 1 : 0;
}

function renderRows(rows: readonly BatchRow[]): string {
  return formatTable(
    ['file', 'original', 'webp', 'savings %', 'renditions', 'ms', 'status'],
    rows.map((r) => [
      r.file,
      r.originalBytes,
      r.webpBytes ?? '-',
      r.savingsPercent === undefined ? '-' : r.savingsPercent.toFixed(1),
      r.renditions?.join(', ') ?? '-',
      r.ms,
      r.status === 'processed' ? 'processed' : (r.error ?? r.status),
    ]),
  );
}

function validCompressOptions(input: CompressOptionsInput): CompressOptions {
  try {
    return resolveCompressOptions(input);
  } catch (error) {
    const issues = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(error);
    throw new Error(`invalid --formats, --profile or --quality: ${issues}`, { cause: error });
  }
}
