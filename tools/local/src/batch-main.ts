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
import { EXIT, EXIT_CODES_HELP, processFiles, processIo, UsageError, type CliIo, type ImageResult, type ProcessEngine } from './process-cli';

/** The options of the offline batch mode (`npm start -- <files or folders> [options]`). */
export const BATCH_OPTIONS = {
  out: { type: 'string', default: 'out' },
  concurrency: { type: 'string' },
  renditions: { type: 'string', default: 'default' },
  formats: { type: 'string', default: 'webp' },
  profile: { type: 'string', default: 'default' },
  quality: { type: 'string' },
  'max-bytes': { type: 'string' },
  'max-pixels': { type: 'string' },
  'max-frames': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export const BATCH_USAGE = `usage: npm start -- <files or folders> [options]

Runs the compress and thumbnail services over local images, writing the outputs to
./out/compressed/... and ./out/thumbnails/..., and prints a table and totals (the same
front end as \`imgpipe process\`, which goes through a running runtime instead). Folders are
walked recursively for files whose first bytes are an image's (anything else, such as a
manifest.tsv, is skipped with a note); a file named on the command line is processed
whatever it holds. Progress goes to stderr: one redrawn line on a terminal, a line per
image otherwise.

options:
  --out <dir>            output folder (default: ./out)
  --concurrency <n>      images at once (default: the number of cores, ${availableParallelism()})
  --renditions <set>     default | marketplace | a JSON file declaring a set (default: default)
  --formats <list>       full-size formats, comma separated: webp,avif,jpeg (default: webp)
  --profile <p>          default | fast (WebP effort 4 or 2)
  --quality <q>          WebP quality 1-100 (default: 80), or auto (per image, by SSIMULACRA2)
  --max-bytes <n>        refuse originals larger than this (default: 25 MiB)
  --max-pixels <n>       refuse images with more pixels than this
  --max-frames <n>       refuse animations with more frames than this
  --json                 print the results as JSON on stdout instead of the table
  --version              print the version
  -h, --help             this text

${EXIT_CODES_HELP}`;

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** A batch row as the shared front end's result. */
export function toImageResult(row: BatchRow, display: string, outDir: string): ImageResult {
  const common = {
    file: display,
    originalBytes: row.originalBytes,
    renditions: row.renditions ?? [],
    ms: row.ms,
    ...(row.webpBytes !== undefined ? { webpBytes: row.webpBytes } : {}),
    ...(row.compressedBytes !== undefined ? { compressedBytes: row.compressedBytes } : {}),
    ...(row.savingsPercent !== undefined ? { savingsPercent: row.savingsPercent } : {}),
    ...(row.outputs ? { outputs: row.outputs.map((key) => resolve(outDir, key)) } : {}),
  };
  if (row.status === 'processed') return { ...common, status: 'processed' };
  const reason = row.error?.startsWith(`${row.code}: `) ? row.error.slice(`${row.code}: `.length) : (row.error ?? 'no reason recorded');
  return { ...common, status: 'failed', failure: { code: row.code ?? 'ERROR', reason, stage: row.status === 'invalid' ? 'ingest' : 'process' } };
}

/**
 * The offline batch mode: `npm start -- <files or folders> [options]`, through the same
 * front end as `imgpipe process` (`processFiles`). Returns the exit code ({@link EXIT}):
 * 0 every image processed, 1 any refused or failed, 2 bad usage, 3 no such file or no image.
 */
export async function batchMain(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const { values, positionals } = parseCommandLineArgs({ args: [...argv], allowPositionals: true, options: BATCH_OPTIONS });
  if (values.help) {
    io.stdout.write(`${BATCH_USAGE}\n`);
    return EXIT.OK;
  }
  if (positionals.length === 0) {
    io.stderr.write(`${BATCH_USAGE}\n`);
    return EXIT.USAGE;
  }

  let renditionSet: ReturnType<typeof readRenditionSet>;
  try {
    renditionSet = readRenditionSet(values.renditions);
  } catch (error) {
    throw new UsageError(`--renditions: ${error instanceof Error ? error.message : String(error)}`);
  }
  // `auto`: per image, the lowest quality meeting image-ops' SSIMULACRA2 target (WebP and AVIF).
  const quality = values.quality === 'auto' ? 'auto' : positiveInt('quality', values.quality);
  // Validated once, up front: a bad --formats or --profile is one clear error, not one per file.
  const compress = validCompressOptions({
    formats: values.formats.split(',').map((f) => f.trim()) as CompressOptions['formats'],
    profile: values.profile as CompressOptions['profile'],
    ...(quality === undefined ? {} : { webp: { quality } }),
    ...(quality === 'auto' ? { avif: { quality } } : {}),
  });
  const policy = resolveInputPolicy({
    ...(values['max-bytes'] ? { maxBytes: positiveInt('max-bytes', values['max-bytes']) } : {}),
    ...(values['max-pixels'] ? { maxPixels: positiveInt('max-pixels', values['max-pixels']) } : {}),
    ...(values['max-frames'] ? { maxFrames: positiveInt('max-frames', values['max-frames']) } : {}),
  });
  const concurrency = positiveInt('concurrency', values.concurrency) ?? availableParallelism();
  const outDir = resolve(values.out);

  const engine: ProcessEngine = {
    describe: () => ({ outDir }),
    async run(files, { onProgress, onResult }) {
      configureImageRuntime();
      const started = performance.now();
      const display = new Map(files.map((f) => [f.path, f.display ?? f.path]));
      const progress = { total: files.length, processed: 0, failed: 0 };
      onProgress({ ...progress });
      const rows = await runBatch(
        files.map((f) => f.path),
        {
          outDir,
          concurrency,
          renditionSet,
          compress,
          policy,
          onProgress: (_done, _total, row) => {
            const result = toImageResult(row, display.get(row.file) ?? row.file, outDir);
            if (result.status === 'processed') progress.processed += 1;
            else progress.failed += 1;
            onResult(result, { ...progress });
            onProgress({ ...progress });
          },
        },
      );
      return { results: rows.map((row) => toImageResult(row, display.get(row.file) ?? row.file, outDir)), wallMs: Math.round(performance.now() - started) };
    },
  };
  // Under `npm start`, npm runs in the repository root: paths are the caller's, from INIT_CWD.
  return processFiles(positionals, async () => engine, { io, json: values.json, cwd: io.env['INIT_CWD'] ?? process.cwd(), subcommands: ['replay'] });
}

function validCompressOptions(input: CompressOptionsInput): CompressOptions {
  try {
    return resolveCompressOptions(input);
  } catch (error) {
    const issues = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(error);
    throw new UsageError(`invalid --formats, --profile or --quality: ${issues}`);
  }
}
