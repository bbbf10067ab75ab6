import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { defaultExecutionsAtOnce } from './pipeline/pipeline-runner';
import type { LocalRuntime, LocalRuntimeOptions, RuntimeProgress } from './runtime';
import { stopSignalListener } from './stop-signals';

export const SERVE_USAGE = `usage: npm start [-- options]

Starts the whole pipeline on this machine — local S3 and DynamoDB servers, the event bus,
the state machine, every service — and serves the web UI, the API and /cdn on one origin.
Prints a URL that signs you in as a development user. Data is kept under the data
directory across restarts; work left unfinished is picked up on the next start.

options (environment variable in brackets):
  --port <n>            HTTP port, 0 for any free one (default 3000) [IMGPIPE_PORT]
  --host <address>      interface to listen on (default 127.0.0.1) [IMGPIPE_HOST]
  --data-dir <dir>      where data is kept (default .imgpipe) [IMGPIPE_DATA_DIR]
  --concurrency <n>     pipeline executions at once, each a compress and a thumbnail task
                        in parallel (default: one per two cores, ${defaultExecutionsAtOnce()}) [IMGPIPE_CONCURRENCY]
  --user <name>         the user the printed URL signs in (default dev) [IMGPIPE_DEV_USER]
  --undo-window <s>     seconds a deleted image can be restored before its original is
                        erased (default 604800, 7 days) [UNDO_WINDOW_SECONDS]
  --no-ui               do not build or serve the web UI
  --log-to-terminal     Powertools logs to the terminal instead of <data-dir>/logs/imgpipe.log
  -h, --help            this text

Service settings are read from the environment as on AWS, e.g. COMPRESS_FORMATS=webp,avif,jpeg,
RENDITION_SET=marketplace, MAX_UPLOAD_BYTES, WEBHOOKS (with WEBHOOK_ALLOW_HTTP/LOOPBACK=true).

Other modes:
  npm start -- <files or folders> [options]      process local files offline into ./out (add --help for its options)
  npm start -- replay --from <time> [--to <time>] [--detail-type <T>]   re-publish archived events`;

/** The serve mode's flags, as parsed (strings as given). */
export interface ServeFlags {
  readonly port?: string;
  readonly host?: string;
  readonly 'data-dir'?: string;
  readonly concurrency?: string;
  readonly user?: string;
  readonly 'undo-window'?: string;
  readonly 'no-ui'?: boolean;
  readonly 'log-to-terminal'?: boolean;
}

function nonNegativeInt(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got "${value}"`);
  return n;
}

/** Flags first, then their environment variables, then the defaults. */
export function toRuntimeOptions(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): LocalRuntimeOptions {
  const port = nonNegativeInt('port', flags.port ?? env['IMGPIPE_PORT'], 0);
  if (port !== undefined && port > 65535) throw new Error(`--port must be at most 65535, got ${port}`);
  const concurrency = nonNegativeInt('concurrency', flags.concurrency ?? env['IMGPIPE_CONCURRENCY'], 1);
  const host = flags.host ?? env['IMGPIPE_HOST'];
  const dataDir = flags['data-dir'] ?? env['IMGPIPE_DATA_DIR'];
  const devUser = flags.user ?? env['IMGPIPE_DEV_USER'];
  // The services read UNDO_WINDOW_SECONDS from the environment themselves; the flag overrides it.
  const undoWindowSeconds = nonNegativeInt('undo-window', flags['undo-window'], 1);
  return {
    ...(port !== undefined ? { port } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(host ? { host } : {}),
    ...(dataDir ? { dataDir } : {}),
    ...(devUser ? { devUser } : {}),
    ...(undoWindowSeconds !== undefined ? { undoWindowSeconds } : {}),
    ...(flags['no-ui'] ? { web: false } : {}),
    logs: flags['log-to-terminal'] ? 'inherit' : 'file',
  };
}

/**
 * The warning `npm start` prints when the HTTP server listens beyond this machine (`--host
 * 0.0.0.0`, a LAN address): the UI, `/api` and `/cdn` answer other machines, the development
 * sign-in and `/admin` do not (the HTTP server refuses them to non-loopback peers), and the
 * S3 and DynamoDB peers stay on loopback. `undefined` for a loopback host.
 */
export function hostWarning(host: string | undefined): string | undefined {
  const name = (host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return undefined;
  return (
    `Warning: listening on ${host} — other machines can reach the UI, /api and /cdn. ` +
    'The development sign-in (/auth/dev-login, the sign-in URL) and /admin stay loopback-only: ' +
    'they answer this machine only, under 127.0.0.1, localhost or [::1]. This is a development runtime, not a multi-tenant server.'
  );
}

/** `queued 3 · running 2 · processed 15 · failed 1`, plus what needs attention. */
export function formatProgress(p: RuntimeProgress): string {
  const parts = [`queued ${p.queued}`, `running ${p.running}`, `processed ${p.processed}`, `failed ${p.failedImages}`];
  if (p.dlqDepth > 0) parts.push(`dead letters ${p.dlqDepth}`);
  return `imgpipe  ${parts.join(' · ')}`;
}

/**
 * A status line on stderr: rewritten in place on a terminal, else one line per change at
 * most once a second (logs of a service manager stay short).
 */
function progressPrinter(stream: NodeJS.WriteStream): {
  update(p: RuntimeProgress): void;
  clear(): void;
  note(text: string): void;
} {
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let pending: string | undefined;
  let lastProgress: RuntimeProgress | undefined;
  const flush = () => {
    timer = undefined;
    if (pending === undefined || pending === last) return;
    last = pending;
    stream.write(stream.isTTY ? `\r\x1b[K${pending}` : `${pending}\n`);
  };
  return {
    update(p) {
      lastProgress = p;
      pending = formatProgress(p);
      if (stream.isTTY) return flush();
      timer ??= setTimeout(flush, 1000);
    },
    clear() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (stream.isTTY && last) stream.write('\r\x1b[K');
      last = '';
    },
    /** A line of its own, above the status line. */
    note(text) {
      this.clear();
      stream.write(`${text}\n`);
      if (lastProgress) this.update(lastProgress);
    },
  };
}

/**
 * `npm start`: starts the runtime, prints where it is and how to sign in, keeps a progress
 * line, and stops gracefully on SIGINT or SIGTERM (the same signal again within a second is
 * the one Ctrl-C that npm forwards; a later one exits at once).
 */
export async function serveMain(flags: ServeFlags & { readonly help?: boolean }): Promise<number> {
  if (flags.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const options = toRuntimeOptions(flags);
  const printer = progressPrinter(process.stderr);
  const { startLocalRuntime, dataLayout } = await import('./runtime');
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({ ...options, onProgress: (p) => printer.update(p) });
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    const message = inUse
      ? `port ${options.port ?? 3000} is in use: stop what uses it, or start with --port <another> (0 picks a free one)`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`imgpipe: ${message}\n`);
    return 1;
  }
  // Since the process started: what a person waits for after typing `npm start`.
  const readyMs = Math.round(performance.now());
  const shown = (path: string) => (path.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), path) : path);
  const logs = shown(`${runtime.dataDir}/logs/imgpipe.log`);
  return new Promise<number>((resolveExit) => {
    // One Ctrl-C under npm arrives twice (terminal and npm): only a later one forces the exit.
    const onSignal = stopSignalListener({
      stop: (signal) => {
        printer.clear();
        process.stderr.write(`\n${signal}: stopping (running images get a few seconds to finish)...\n`);
        runtime.stop().then(
          () => {
            process.stderr.write('imgpipe stopped.\n');
            resolveExit(0);
          },
          (error: unknown) => {
            process.stderr.write(`imgpipe: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
            resolveExit(1);
          },
        );
      },
      force: (signal) => {
        process.stderr.write(`\n${signal} again: exiting now; unfinished images resume on the next start.\n`);
        // The lock goes with the process, so the next start (or a tool) does not find a stale one.
        rmSync(dataLayout(runtime.dataDir).runtimeFile, { force: true });
        process.exit(130);
      },
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Announced only once Ctrl-C is handled: a signal before the listeners would kill the process outright.
    process.stdout.write(
      [
        `imgpipe is running at ${runtime.url}  (ready ${(readyMs / 1000).toFixed(1)} s after start; runtime up in ${runtime.startup.total} ms)`,
        `Sign in as ${options.devUser ?? 'dev'}: ${runtime.signInUrl}`,
        `Data: ${shown(runtime.dataDir)}${options.logs === 'file' ? `   Logs: ${logs}` : ''}   Stop: Ctrl-C`,
        ...(runtime.webProblem ? [`Note: no web UI: ${runtime.webProblem}`] : []),
        ...[hostWarning(options.host)].filter((line): line is string => line !== undefined),
        '',
      ].join('\n'),
    );
    void runtime.recovered.then((r) => {
      if (r.rerun.length + r.reannounced.length > 0) {
        printer.note(`Resuming ${r.rerun.length + r.reannounced.length} image(s) left unfinished by the last run.`);
      }
    });
  });
}
