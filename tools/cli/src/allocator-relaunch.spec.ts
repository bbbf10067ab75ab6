import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARP_ALLOCATOR_ENV } from '@imgpipe/platform/sharp-allocator-env';
import { ALLOCATOR_RELAUNCHED_VARIABLE, allocatorRelaunchEnv, relaunchNodeFlags } from './allocator-relaunch';

const BIN = join(__dirname, '..', 'bin', 'imgpipe.cjs');

/**
 * Preloaded into every node process the bin starts (NODE_OPTIONS): it records, once per
 * process, its pid and allocator variables when that process writes to stdout (the process
 * that runs the CLI), or when it starts (`PROBE_HANG`: the relaunched process then waits).
 */
const PROBE = `
const { appendFileSync } = require('node:fs');
const record = (event) => appendFileSync(process.env.PROBE_OUT, JSON.stringify({
  event, pid: process.pid, ppid: process.ppid,
  MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_,
  gcExposed: typeof globalThis.gc === 'function', execArgv: process.execArgv,
}) + '\\n');
if (process.env.PROBE_HANG && process.env.${ALLOCATOR_RELAUNCHED_VARIABLE}) {
  record('hanging');
  setInterval(() => undefined, 1000);
} else {
  const write = process.stdout.write.bind(process.stdout);
  let told = false;
  process.stdout.write = (...args) => { if (!told) { told = true; record('stdout'); } return write(...args); };
}
`;

interface ProbeRecord {
  readonly event: 'stdout' | 'hanging';
  readonly pid: number;
  readonly ppid: number;
  readonly MALLOC_ARENA_MAX?: string;
  readonly MALLOC_MMAP_THRESHOLD_?: string;
  readonly gcExposed: boolean;
  readonly execArgv: readonly string[];
}

describe('allocatorRelaunchEnv', () => {
  it('adds the declared allocator variables and the loop guard when any is missing', () => {
    expect(allocatorRelaunchEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin', ...SHARP_ALLOCATOR_ENV, [ALLOCATOR_RELAUNCHED_VARIABLE]: '1' });
  });

  it('keeps a value the operator set and fills in only the missing (or empty) one', () => {
    expect(allocatorRelaunchEnv({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '' })).toEqual({
      MALLOC_ARENA_MAX: '4',
      MALLOC_MMAP_THRESHOLD_: SHARP_ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_,
      [ALLOCATOR_RELAUNCHED_VARIABLE]: '1',
    });
  });

  it('does not relaunch when every variable is set, nor a process that is the relaunch (whatever its environment)', () => {
    expect(allocatorRelaunchEnv({ MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '65536' })).toBeUndefined();
    expect(allocatorRelaunchEnv({ [ALLOCATOR_RELAUNCHED_VARIABLE]: '1' })).toBeUndefined();
  });
});

describe('relaunchNodeFlags', () => {
  it('adds each runtime node flag the process lacks and keeps the ones it has, with their values', () => {
    expect(relaunchNodeFlags([])).toEqual(['--expose-gc', '--max-semi-space-size=2', '--optimize-for-size']);
    expect(relaunchNodeFlags(['--max-semi-space-size=8', '--enable-source-maps'])).toEqual([
      '--max-semi-space-size=8',
      '--enable-source-maps',
      '--expose-gc',
      '--optimize-for-size',
    ]);
  });
});

describe('the imgpipe bin', () => {
  let dir: string;
  let probe: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-relaunch-'));
    probe = join(dir, 'probe.cjs');
    await writeFile(probe, PROBE);
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Starts the bin with `extra` over an environment without the allocator variables. */
  function startBin(args: readonly string[], name: string, extra: NodeJS.ProcessEnv = {}) {
    const out = join(dir, `${name}.jsonl`);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out, ...extra };
    for (const variable of [...Object.keys(SHARP_ALLOCATOR_ENV), ALLOCATOR_RELAUNCHED_VARIABLE]) if (!(variable in extra)) delete env[variable];
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const records = async () =>
      (await readFile(out, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ProbeRecord);
    return { child, exited, records, stdout: () => stdout };
  }

  it('runs the CLI in a process that has the allocator variables when started without them', async () => {
    const run = startBin(['--version'], 'version');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toMatch(/^imgpipe \d+\.\d+\.\d+/);
    const writers = (await run.records()).filter((r) => r.event === 'stdout');
    expect(writers).toEqual([expect.objectContaining({ ppid: run.child.pid, ...SHARP_ALLOCATOR_ENV })]);
    // and the node flags `npm run imgpipe` starts it with: a collector for releaseFreedMemory
    expect(writers[0]).toMatchObject({ gcExposed: true, execArgv: expect.arrayContaining(['--max-semi-space-size=2']) });
  }, 30_000);

  it('runs the CLI in its own process when the variables are set, keeping their values', async () => {
    const run = startBin(['--version'], 'set', { MALLOC_ARENA_MAX: '3', MALLOC_MMAP_THRESHOLD_: '131072' });
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect((await run.records()).filter((r) => r.event === 'stdout')).toEqual([
      expect.objectContaining({ pid: run.child.pid, MALLOC_ARENA_MAX: '3', MALLOC_MMAP_THRESHOLD_: '131072' }),
    ]);
  }, 30_000);

  it('ends with the relaunched CLI’s exit code', async () => {
    const run = startBin(['no-such-command'], 'usage');
    expect(await run.exited).toEqual({ code: 2, signal: null });
  }, 30_000);

  it('passes a signal on to the relaunched CLI and ends as it did', async () => {
    const run = startBin(['--version'], 'signal', { PROBE_HANG: '1' });
    let hanging: ProbeRecord | undefined;
    for (let i = 0; i < 200 && !hanging; i += 1) {
      hanging = (await run.records()).find((r) => r.event === 'hanging');
      if (!hanging) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(hanging).toMatchObject({ ppid: run.child.pid, ...SHARP_ALLOCATOR_ENV });
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(() => process.kill(hanging?.pid ?? 0, 0)).toThrow(); // the relaunched process is gone too
  }, 30_000);
});
