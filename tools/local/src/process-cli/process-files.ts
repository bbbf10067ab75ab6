import { EXIT, type ExitCode } from './exit-codes';
import type { FileToProcess, ImageResult, ProcessProgress } from './image-result';
import { inputFiles, skippedNote } from './input-files';
import type { CliIo } from './io';
import { ProgressReporter } from './progress';
import { formatFailures, formatResultsTable, formatTotals, totalsOf } from './report';

/** What an engine reports while it runs. */
export interface EngineCallbacks {
  readonly onProgress: (progress: ProcessProgress) => void;
  /** Each image's result, as it ends. */
  readonly onResult: (result: ImageResult, progress: ProcessProgress) => void;
}

/**
 * How the files are processed: through a local runtime as the browser does (`imgpipe
 * process`), or offline with the services' own use cases (`npm start -- <files>`).
 */
export interface ProcessEngine {
  /** The results in the order of `files`, and the wall time. */
  run(files: readonly FileToProcess[], callbacks: EngineCallbacks): Promise<{ readonly results: readonly ImageResult[]; readonly wallMs: number }>;
  /** What `--json` says about where the work ran (`{ runtime: { url, via, user } }`, `{ outDir }`). */
  readonly describe?: () => Readonly<Record<string, unknown>>;
  /** Called once, after the run or its failure (closes a runtime started for the command). */
  readonly close?: () => Promise<void>;
}

export interface ProcessFilesOptions {
  readonly io: CliIo;
  /** Results as JSON on stdout instead of the table. */
  readonly json?: boolean;
  /** Paths are the caller's: relative to this (default: the process's). */
  readonly cwd?: string;
  /** The command's subcommands, suggested for a missing path that resembles one. */
  readonly subcommands?: readonly string[];
}

/**
 * THE front end of `imgpipe process` and `npm start -- <files>`: picks the files (folders
 * walked, non-images skipped by their magic bytes, with a note on stderr), runs the engine
 * with one progress display on stderr (a redrawn line on a terminal, a line per image
 * otherwise), prints the results on stdout (a table and totals, or `--json`), lists the
 * failures on stderr and returns the exit code: {@link EXIT}.OK, or FAILED when any image
 * failed. A missing path or no image at all throws an `UnavailableError` (exit 3).
 *
 * @param createEngine called once the files are known (so a runtime is not started for nothing)
 */
export async function processFiles(paths: readonly string[], createEngine: () => Promise<ProcessEngine>, options: ProcessFilesOptions): Promise<ExitCode> {
  const { io } = options;
  const { files, skipped } = await inputFiles(paths, { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.subcommands ? { subcommands: options.subcommands } : {}) });
  io.stderr.write(skippedNote(skipped));

  const engine = await createEngine();
  const progress = new ProgressReporter(io.stderr);
  let report: { readonly results: readonly ImageResult[]; readonly wallMs: number };
  try {
    report = await engine.run(files, {
      onProgress: (figures) => progress.update(figures),
      onResult: (result, figures) => progress.imageDone(result, figures),
    });
  } finally {
    progress.finish();
    await engine.close?.();
  }

  const totals = totalsOf(report.results, report.wallMs);
  if (options.json) {
    const json = { ...(engine.describe?.() ?? {}), images: report.results, ...(skipped.length > 0 ? { skipped } : {}), totals };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    io.stdout.write(`${formatResultsTable(report.results)}\n\n${formatTotals(totals)}\n`);
  }
  const failures = formatFailures(report.results);
  if (failures) io.stderr.write(`\n${totals.failed} image(s) did not process:\n${failures}\n`);
  return totals.failed > 0 ? EXIT.FAILED : EXIT.OK;
}
