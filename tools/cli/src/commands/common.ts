import type { CliIo } from '../cli-io';
import { EXIT_CODES_HELP } from '../errors';
import { DEFAULT_DATA_DIR, DEFAULT_USER, type ConnectOptions } from '../local/connection';

/** A command: its usage text and what it does with its arguments (after the command name). */
export interface Command {
  readonly name: string;
  /** One line for `imgpipe --help`. */
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** The options every command that talks to a local runtime takes. */
export const RUNTIME_OPTIONS = {
  url: { type: 'string' },
  'data-dir': { type: 'string' },
  user: { type: 'string' },
} as const;

export const RUNTIME_OPTIONS_USAGE = `  --url <url>             a running runtime (e.g. http://127.0.0.1:3000); default: the one
                          running on --data-dir (npm start), else one started for the command
  --data-dir <dir>        the local runtime's data (default ${DEFAULT_DATA_DIR}) [IMGPIPE_DATA_DIR]
  --user <name>           who to sign in as (default ${DEFAULT_USER}, the browser's user)`;

/** The exit-code paragraph of every command's usage: the one table (`EXIT_CODES`). */
export const EXIT_CODES_USAGE = EXIT_CODES_HELP;

/** The runtime options' values, with their defaults. */
export function runtimeOptions(
  values: { readonly url?: string | undefined; readonly 'data-dir'?: string | undefined; readonly user?: string | undefined },
  io: CliIo,
): Omit<ConnectOptions, 'onEmbedded' | 'recover'> {
  return {
    ...(values.url ? { url: values.url } : {}),
    dataDir: values['data-dir'] ?? io.env['IMGPIPE_DATA_DIR'] ?? DEFAULT_DATA_DIR,
    user: values.user ?? DEFAULT_USER,
  };
}

/** Tells stderr about an embedded runtime being started (it takes a few seconds). */
export function reportEmbedded(io: CliIo) {
  return (event: { readonly phase: 'starting' } | { readonly phase: 'ready'; readonly url: string; readonly ms: number }) => {
    if (event.phase === 'starting') io.stderr.write('imgpipe: no runtime running; starting one for this command...\n');
    else io.stderr.write(`imgpipe: runtime up at ${event.url} in ${(event.ms / 1000).toFixed(1)} s\n`);
  };
}
