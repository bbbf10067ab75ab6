import { suggestion, VERSION_LINE } from '@imgpipe/local/process-cli';
import { processIo, type CliIo } from './cli-io';
import { CliError, EXIT, EXIT_CODES_HELP, UsageError } from './errors';
import { backfillNameSearchCommand } from './commands/backfill-name-search.command';
import type { Command } from './commands/common';
import { eventsCommand } from './commands/events.command';
import { processCommand } from './commands/process.command';
import { redriveCommand } from './commands/redrive.command';
import { replayCommand } from './commands/replay.command';

/** Every command, in the order `imgpipe --help` lists them. */
export const COMMANDS: readonly Command[] = [processCommand, eventsCommand, replayCommand, redriveCommand, backfillNameSearchCommand];

const NAME_WIDTH = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;

export const USAGE = `usage: imgpipe <command> [options]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(NAME_WIDTH)}${c.summary}`).join('\n')}

\`imgpipe <command> --help\` for each command's options; \`imgpipe --version\` the version.

${EXIT_CODES_HELP}`;

/**
 * Runs `imgpipe` with `argv` (after the program name) and returns the exit code; never
 * throws. A {@link CliError} ends with its own code (a usage error with the command's
 * usage); anything else (an AWS refusal, a network error) with 3.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${USAGE}\n`);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`${VERSION_LINE}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const names = COMMANDS.map((c) => c.name);
    const hint = name.startsWith('-') ? suggestion(name.replace(/^-+/, ''), ['help', 'version'], (s) => `--${s}`) : suggestion(name, names);
    io.stderr.write(`imgpipe: unknown ${name.startsWith('-') ? 'option' : 'command'} "${name}"${hint}\n\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`imgpipe ${command.name}: ${error.message}\n(\`imgpipe ${command.name} --help\` for its options)\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`imgpipe ${command.name}: ${message}\n`);
    if (io.env['IMGPIPE_DEBUG'] && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.UNAVAILABLE;
  }
}

/** Runs `imgpipe` on this process's arguments and exits with its code. */
export function runCli(): void {
  // Before any SDK client exists: the SDK's "Node 20 support ends" notice is for deployers.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}

if (require.main === module) runCli();
