import { processFiles, type ProcessEngine } from '@imgpipe/local/process-cli';
import { positiveInteger, parseCommandLine, seconds } from '../args';
import { EXIT } from '../errors';
import { connectRuntime } from '../local/connection';
import { processImages } from '../local/process-images.use-case';
import { EXIT_CODES_USAGE, reportEmbedded, RUNTIME_OPTIONS, RUNTIME_OPTIONS_USAGE, runtimeOptions, type Command } from './common';

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TIMEOUT_SECONDS = 300;

export const processCommand: Command = {
  name: 'process',
  summary: 'upload files or folders to the local pipeline, wait, print a table and totals',
  usage: `usage: imgpipe process <files or folders>... [options]

Uploads every file the way the browser does (POST /api/uploads, then the presigned POST
straight to object storage), waits for each image to be processed or to fail, and prints
a table (file, original, webp, savings %, renditions, ms, status) and totals; sizes in
kB/MB. Folders are walked recursively for files whose first bytes are an image's (anything
else, such as a manifest.tsv, is skipped with a note); a file named on the command line is
uploaded whatever it holds, and the server says what it refuses. Progress goes to stderr:
one redrawn line on a terminal, a line per image otherwise. The same front end as
\`npm start -- <files>\`, which processes offline instead.

options:
${RUNTIME_OPTIONS_USAGE}
  --concurrency <n>       uploads at once (default ${DEFAULT_CONCURRENCY}); the runtime bounds processing itself
  --timeout <s>           how long to wait for each image after its upload (default ${DEFAULT_TIMEOUT_SECONDS})
  --json                  print the results as JSON on stdout instead of the table: per image
                          its sizes, the derivatives' URLs and the image record the API returned
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
    const createEngine = async (): Promise<ProcessEngine> => {
      const connection = await connectRuntime({ ...runtimeOptions(values, io), onEmbedded: reportEmbedded(io) });
      return {
        describe: () => ({ runtime: { url: connection.url, via: connection.via, user: connection.api.user } }),
        run: (files, callbacks) => processImages(connection.api, files, { concurrency, timeoutMs, ...callbacks }),
        close: () => connection.close(),
      };
    };
    // Under `npm run imgpipe`, npm runs in the repository root: paths are the caller's, from INIT_CWD.
    return processFiles(positionals, createEngine, { io, json: values.json, cwd: io.env['INIT_CWD'] ?? process.cwd() });
  },
};
