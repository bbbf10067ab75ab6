import { positiveInteger, parseCommandLine, seconds } from '../args';
import { EXIT } from '../errors';
import { formatFailures, formatResultsTable, formatTotals, totalsOf } from '../format/process-report';
import { ProgressReporter } from '../format/progress';
import { connectRuntime } from '../local/connection';
import { inputFiles } from '../local/input-files';
import { processImages, type ProcessReport } from '../local/process-images.use-case';
import { EXIT_CODES_USAGE, reportEmbedded, RUNTIME_OPTIONS, RUNTIME_OPTIONS_USAGE, runtimeOptions, type Command } from './common';

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TIMEOUT_SECONDS = 300;

export const processCommand: Command = {
  name: 'process',
  summary: 'upload files or folders to the local pipeline, wait, print a table and totals',
  usage: `usage: imgpipe process <files or folders>... [options]

Uploads every file the way the browser does (POST /api/uploads, then the presigned POST
straight to object storage), waits for each image to be processed or to fail, and prints
a table (file, original, webp, savings %, renditions, ms, status) and totals. Folders are
walked recursively for image files (.jpg .png .webp .gif .avif .tif .heic .svg); a file
named on the command line is uploaded whatever its name, and the server sniffs its type.
Progress goes to stderr: one redrawn line on a terminal, a line per image otherwise.

options:
${RUNTIME_OPTIONS_USAGE}
  --concurrency <n>       uploads at once (default ${DEFAULT_CONCURRENCY}); the runtime bounds processing itself
  --timeout <s>           how long to wait for each image after its upload (default ${DEFAULT_TIMEOUT_SECONDS})
  --json                  print the results as JSON on stdout instead of the table
  -h, --help              this text

${EXIT_CODES_USAGE}
(1 here: an image failed or timed out; each is listed with its code and reason)`,

  async run(argv, io) {
    const { values, positionals } = parseCommandLine(
      argv,
      {
        ...RUNTIME_OPTIONS,
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      io.stdout.write(`${processCommand.usage}\n`);
      return EXIT.OK;
    }
    const concurrency = positiveInteger('concurrency', values.concurrency, DEFAULT_CONCURRENCY);
    const timeoutMs = seconds('timeout', values.timeout, DEFAULT_TIMEOUT_SECONDS);
    if (positionals.length === 0) {
      io.stderr.write(`${processCommand.usage}\n`);
      return EXIT.USAGE;
    }
    // Under `npm run imgpipe`, npm runs in the repository root: paths are the caller's, from INIT_CWD.
    const { files, skipped } = await inputFiles(positionals, io.env['INIT_CWD'] ?? process.cwd());
    if (skipped.length > 0) io.stderr.write(`imgpipe: skipping ${skipped.length} file(s) that are not images: ${skipped.join(', ')}\n`);

    const connection = await connectRuntime({ ...runtimeOptions(values, io), onEmbedded: reportEmbedded(io) });
    const progress = new ProgressReporter(io.stderr);
    let report: ProcessReport;
    try {
      report = await processImages(connection.api, files, {
        concurrency,
        timeoutMs,
        onProgress: (figures) => progress.update(figures),
        onResult: (result, figures) => progress.imageDone(result, figures),
      });
    } finally {
      progress.finish();
      await connection.close();
    }

    const totals = totalsOf(report.results, report.wallMs);
    if (values.json) {
      const runtime = { url: connection.url, via: connection.via, user: connection.api.user };
      io.stdout.write(`${JSON.stringify({ runtime, images: report.results, totals }, null, 2)}\n`);
    } else {
      io.stdout.write(`${formatResultsTable(report.results)}\n\n${formatTotals(totals)}\n`);
    }
    const failures = formatFailures(report.results);
    if (failures) io.stderr.write(`\n${totals.failed} image(s) did not process:\n${failures}\n`);
    return totals.failed > 0 ? EXIT.FAILED : EXIT.OK;
  },
};
