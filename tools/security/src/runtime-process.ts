import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `npm start` as a user runs it, in a child process: the security suite attacks that process
 * from outside, through its HTTP origin and the local S3/DynamoDB endpoints, never through
 * an in-process handle.
 */

/**
 * The repository whose runtime is attacked: `IMGPIPE_SECURITY_ROOT`, by default the one this
 * suite lives in. Point it at a worktree of an older commit to show which attacks succeed there.
 */
export const SECURITY_ROOT = resolve(process.env['IMGPIPE_SECURITY_ROOT'] || join(__dirname, '..', '..', '..'));

/** Where the runtime's entry point is in a repository (what `npm start` runs). */
const MAIN = join('tools', 'local', 'src', 'main.ts');

export interface Endpoints {
  readonly s3: string;
  readonly dynamodb: string;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A runtime started by {@link startRuntime}. */
export interface RuntimeProcess {
  /** The HTTP origin (UI, `/api`, `/cdn`, `/auth/dev-login`, `/admin/replay`). */
  readonly url: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  readonly endpoints: Endpoints;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait (SIGKILL after 20 s). */
  stop(): Promise<ExitStatus>;
}

export interface StartRuntimeOptions {
  readonly dataDir: string;
  /** Service settings for the child's environment (e.g. `COMPRESS_FORMATS`). */
  readonly env?: Readonly<Record<string, string>>;
  readonly concurrency?: number;
  /** `--host`: the interface the HTTP server listens on. */
  readonly host?: string;
}

export function exited(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

/** The child's environment: the caller's, without settings that would redirect the runtime. */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['IMGPIPE_PORT', 'IMGPIPE_HOST', 'IMGPIPE_DATA_DIR', 'IMGPIPE_DEV_USER', 'IMGPIPE_CONCURRENCY']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/**
 * Starts `node --import tsx tools/local/src/main.ts --port 0 --data-dir <dataDir> --no-ui` in
 * {@link SECURITY_ROOT} (what `npm start` execs) and resolves once it serves.
 */
export async function startRuntime(options: StartRuntimeOptions): Promise<RuntimeProcess> {
  const args = ['--import', 'tsx', MAIN, '--port', '0', '--data-dir', options.dataDir, '--no-ui'];
  if (options.concurrency !== undefined) args.push('--concurrency', String(options.concurrency));
  if (options.host !== undefined) args.push('--host', options.host);
  const child = spawn(process.execPath, args, {
    cwd: SECURITY_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = () => {
      const found = /imgpipe is running at (http:\/\/\S+)/.exec(output)?.[1];
      if (found) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolveUrl(found);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`the runtime exited (${code ?? signal}) before serving:\n${output}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', reject);
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  let endpoints: Endpoints;
  try {
    endpoints = await discoverEndpoints(options.dataDir, child.pid ?? -1, url);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    dataDir: options.dataDir,
    child,
    endpoints,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        const status = await exited(child);
        clearTimeout(timer);
        return status;
      }
      return exited(child);
    },
  };
}

/**
 * The S3 and DynamoDB endpoints of a running runtime: from `runtime.json` (`endpoints`), or,
 * for a runtime that does not write them there (older commits), from the TCP ports its process
 * listens on (Linux `/proc`), told apart by what each answers.
 */
export async function discoverEndpoints(dataDir: string, pid: number, httpUrl: string): Promise<Endpoints> {
  try {
    const file = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { endpoints?: Partial<Endpoints> };
    if (typeof file.endpoints?.s3 === 'string' && typeof file.endpoints.dynamodb === 'string') {
      return { s3: file.endpoints.s3, dynamodb: file.endpoints.dynamodb };
    }
  } catch {
    // no runtime.json endpoints: look at the process's sockets below
  }
  const httpPort = Number(new URL(httpUrl).port);
  const ports = (await listeningPorts(pid)).filter((port) => port !== httpPort);
  let s3: string | undefined;
  let dynamodb: string | undefined;
  for (const port of ports) {
    const endpoint = `http://127.0.0.1:${port}`;
    // dynalite answers in DynamoDB's JSON (or its health check names dynamodb), s3rver in S3's XML.
    const type = await fetch(endpoint, { signal: AbortSignal.timeout(5000) }).then(
      async (r) => `${r.headers.get('content-type') ?? ''} ${(await r.text()).slice(0, 40)}`,
      () => '',
    );
    if (/amz-json|dynamodb/.test(type)) dynamodb = endpoint;
    else if (/xml/.test(type)) s3 = endpoint;
  }
  if (!s3 || !dynamodb) throw new Error(`could not find the runtime's S3 and DynamoDB endpoints (ports ${ports.join(', ')})`);
  return { s3, dynamodb };
}

/** The TCP ports process `pid` listens on, from `/proc` (Linux). */
async function listeningPorts(pid: number): Promise<number[]> {
  return [...new Set((await listeningSockets(pid)).map((socket) => socket.port))];
}

/** The local address of a listening socket, as `/proc/net/tcp{,6}` writes it (hex). */
export interface ListeningSocket {
  readonly port: number;
  /** Whether it listens on a loopback address only (127.0.0.0/8, ::1, ::ffff:127.x.x.x). */
  readonly loopbackOnly: boolean;
  readonly hexAddress: string;
}

/** The TCP sockets process `pid` listens on, from `/proc` (Linux). */
export async function listeningSockets(pid: number): Promise<ListeningSocket[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const columns = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is the 10th column.
      const [, local, , state, , , , , , inode] = columns;
      if (state !== '0A' || !inode || !inodes.has(inode) || !local) continue;
      const [hexAddress = '', hexPort = '0'] = local.split(':');
      // IPv4 words are little-endian: 127.x.x.x ends in 7F; ::1 and ::ffff:127.x.x.x likewise.
      const loopbackOnly =
        (hexAddress.length === 8 && hexAddress.endsWith('7F')) ||
        hexAddress === '00000000000000000000000001000000' ||
        (hexAddress.startsWith('0000000000000000FFFF0000') && hexAddress.endsWith('7F'));
      sockets.push({ port: parseInt(hexPort, 16), loopbackOnly, hexAddress });
    }
  }
  return sockets;
}

/**
 * A scratch folder whose `data/` subfolder is the runtime's data directory, so that anything
 * written outside the data directory (a path traversal) lands in the scratch folder, where a
 * test can find it, instead of somewhere shared.
 */
export async function scratchDir(prefix: string): Promise<{ readonly base: string; readonly dataDir: string; remove(): Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), `imgpipe-security-${prefix}-`));
  return { base, dataDir: join(base, 'data'), remove: () => rm(base, { recursive: true, force: true }) };
}

/** The last progress line the runtime printed (`imgpipe  queued 0 · running 0 · ...`), parsed. */
export function lastProgress(output: string): { readonly queued: number; readonly running: number } | undefined {
  const matches = [...output.matchAll(/queued (\d+) · running (\d+)/g)];
  const last = matches[matches.length - 1];
  return last ? { queued: Number(last[1]), running: Number(last[2]) } : undefined;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Waits until the runtime has nothing queued or running (its progress line) and `fingerprint`
 * (e.g. the histories and stored objects a test watches) has not changed for `quietMs`.
 */
export async function settle(
  runtime: RuntimeProcess,
  fingerprint: () => Promise<string>,
  { quietMs = 3000, timeoutMs = 120_000 }: { quietMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = `${runtime.output().length}|${await fingerprint()}`;
  let since = Date.now();
  for (;;) {
    await sleep(250);
    const progress = lastProgress(runtime.output());
    const now = `${runtime.output().length}|${await fingerprint()}`;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs && (!progress || (progress.queued === 0 && progress.running === 0))) {
      return;
    }
    if (Date.now() > deadline) throw new Error(`the runtime did not settle within ${timeoutMs} ms; last progress ${JSON.stringify(progress)}`);
  }
}
