import { spawn } from 'node:child_process';
// The subpath, not the platform's barrel: this runs before the CLI, in a process that only relaunches.
import {
  SHARP_ALLOCATOR_ENV,
  SHARP_RUNTIME_NODE_FLAGS,
  type SharpAllocatorVariable,
} from '@imgpipe/platform/sharp-allocator-env';

/** Set in the relaunched process: it never relaunches again, whatever its environment says. */
export const ALLOCATOR_RELAUNCHED_VARIABLE = 'IMGPIPE_ALLOCATOR_RELAUNCHED';

/** The signals a relaunching parent passes on to the CLI process (and does not die of itself). */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The environment to run the CLI again under, or `undefined` when this process should run it:
 * when every variable of {@link SHARP_ALLOCATOR_ENV} is set (a value set and not empty wins, as
 * the root scripts' `NAME=${NAME:-value}` do), or when this process is the relaunched one
 * (the loop guard, {@link ALLOCATOR_RELAUNCHED_VARIABLE}).
 */
export function allocatorRelaunchEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | undefined {
  if (env[ALLOCATOR_RELAUNCHED_VARIABLE]) return undefined;
  const missing = (Object.keys(SHARP_ALLOCATOR_ENV) as SharpAllocatorVariable[]).filter((name) => !env[name]);
  if (missing.length === 0) return undefined;
  return {
    ...env,
    ...Object.fromEntries(missing.map((name) => [name, SHARP_ALLOCATOR_ENV[name]])),
    [ALLOCATOR_RELAUNCHED_VARIABLE]: '1',
  };
}

/**
 * The node options of the relaunched CLI: this process's own, then each of
 * {@link SHARP_RUNTIME_NODE_FLAGS} it lacks (as `npm run imgpipe` starts node with them).
 */
export function relaunchNodeFlags(execArgv: readonly string[]): string[] {
  const named = (flag: string) => flag.split('=')[0];
  const have = new Set(execArgv.map(named));
  return [...execArgv, ...SHARP_RUNTIME_NODE_FLAGS.filter((flag) => !have.has(named(flag)))];
}

/**
 * What the `imgpipe` bin runs first. Any command may embed a local runtime, which runs sharp,
 * and glibc reads the allocator variables only when a process starts (see
 * `@imgpipe/platform/sharp-allocator-env`), so a bin started without them runs itself once
 * more with them: the same node, node options (with {@link SHARP_RUNTIME_NODE_FLAGS} added) and arguments, the terminal inherited, the
 * signals it gets passed on, and its exit code or signal its own. Otherwise (or when the
 * relaunch cannot be spawned: then without the variables, as before) it calls `runHere`.
 *
 * Hand-written rather than `foreground-child` (the same job, by npm's maintainer), which is in
 * node_modules only as another package's dependency.
 *
 * @example
 * relaunchWithAllocatorEnv(() => require('../src/main.ts').runCli());
 */
export function relaunchWithAllocatorEnv(runHere: () => void, current: NodeJS.Process = process): void {
  const env = allocatorRelaunchEnv(current.env);
  if (!env) {
    runHere();
    return;
  }
  const child = spawn(current.execPath, [...relaunchNodeFlags(current.execArgv), ...current.argv.slice(1)], { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => void child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) current.on(signal, forward);
  const stopForwarding = () => FORWARDED_SIGNALS.forEach((signal) => current.off(signal, forward));
  child.on('error', (error: NodeJS.ErrnoException) => {
    if (child.pid !== undefined) return; // it runs (a signal it could not be sent): its exit decides
    stopForwarding();
    current.stderr.write(`imgpipe: could not relaunch with ${Object.keys(SHARP_ALLOCATOR_ENV).join(', ')} (${error.code ?? error.message}); running without them\n`);
    runHere();
  });
  child.once('exit', (code, signal) => {
    stopForwarding();
    if (signal) current.kill(current.pid, signal);
    else current.exit(code ?? 0);
  });
}
