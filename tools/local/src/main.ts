import { parseCommandLineArgs } from './command-line';
import { CliError, EXIT, VERSION_LINE } from './process-cli';

// Before any SDK client exists: the AWS SDK's "Node 20 support ends" notice is for
// deployers, not for someone trying the pipeline on their machine.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const BATCH_ONLY = ['out', 'renditions', 'formats', 'profile', 'quality', 'max-bytes', 'max-pixels', 'max-frames', 'json'] as const;

/**
 * `npm start`, three modes:
 * - no file arguments: the local runtime (the pipeline, the web UI, `/api`, `/cdn`);
 * - `replay ...`: re-publish archived events;
 * - `<files or folders> ...`: the offline batch mode into `./out` (the front end `imgpipe
 *   process` uses too).
 * Each mode loads only its own modules. Returns the exit code (`EXIT`: 0 done, 1 some work
 * failed, 2 bad command line, 3 nothing to run against).
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`imgpipe: ${error.message}\n`);
    return error.exitCode;
  }
}

async function run(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'replay') {
    const { replayMain } = await import('./replay');
    return replayMain(argv.slice(1));
  }
  // Both modes' options, so that option values are never mistaken for file arguments.
  const { values, positionals } = parseCommandLineArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      // serve
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      user: { type: 'string' },
      'undo-window': { type: 'string' },
      'no-ui': { type: 'boolean' },
      'log-to-terminal': { type: 'boolean' },
      // both
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      // batch
      out: { type: 'string' },
      renditions: { type: 'string' },
      formats: { type: 'string' },
      profile: { type: 'string' },
      quality: { type: 'string' },
      'max-bytes': { type: 'string' },
      'max-pixels': { type: 'string' },
      'max-frames': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION_LINE}\n`);
    return EXIT.OK;
  }
  if (positionals.length > 0) {
    const { batchMain } = await import('./batch-main');
    return batchMain(argv);
  }
  const batchOnly = BATCH_ONLY.filter((name) => values[name] !== undefined);
  if (batchOnly.length > 0) {
    process.stderr.write(`imgpipe: ${batchOnly.map((n) => `--${n}`).join(', ')} need files or folders to process (batch mode)\n`);
    return EXIT.USAGE;
  }
  const { serveMain } = await import('./serve-main');
  return serveMain(values);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`imgpipe: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(EXIT.USAGE);
    },
  );
}
