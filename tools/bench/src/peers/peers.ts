import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runQueue, warmUp, type JobWorker } from '../job-queue';
import type { Job, JobResult, RunResult, RunSpec } from '../scenario';

/** The peers a user would otherwise pick. */
export const PEERS = ['pillow', 'imagemagick'] as const;
export type Peer = (typeof PEERS)[number];

/** A peer found on this machine, or the reason it will be skipped. */
export type PeerAvailability =
  | { readonly available: true; readonly peer: Peer; readonly version: string; readonly command: readonly string[]; readonly notes: readonly string[] }
  | { readonly available: false; readonly peer: Peer; readonly reason: string };

/** Debian's interpreter, where `python3-pil` installs Pillow (a pyenv or venv python may lack it). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const WORKER_SCRIPT = join(__dirname, 'peer_worker.py');

const probeCommand = (command: string, args: readonly string[]) =>
  spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });

/** Finds Debian's Pillow with WebP support; never installs it. */
export function detectPillow(): PeerAvailability {
  const check = probeCommand(SYSTEM_PYTHON, [
    '-c',
    'import PIL, PIL.features; print(PIL.__version__, PIL.features.check("webp"))',
  ]);
  if (check.error) return { available: false, peer: 'pillow', reason: `${SYSTEM_PYTHON} not found` };
  if (check.status !== 0) {
    return { available: false, peer: 'pillow', reason: `Pillow not importable by ${SYSTEM_PYTHON} (apt-get install python3-pil)` };
  }
  const [version, webp] = check.stdout.trim().split(' ');
  if (webp !== 'True') return { available: false, peer: 'pillow', reason: `Pillow ${version} was built without WebP` };
  return {
    available: true,
    peer: 'pillow',
    version: `Pillow ${version} (${SYSTEM_PYTHON})`,
    command: [SYSTEM_PYTHON, WORKER_SCRIPT, 'pillow'],
    notes: [],
  };
}

/**
 * Finds a real ImageMagick with a WebP delegate: `magick` (7) or `convert` (6), told apart
 * from look-alikes by the `Version: ImageMagick` line of `-version`. Never installs it.
 */
export function detectImageMagick(): PeerAvailability {
  const seen: string[] = [];
  for (const command of ['magick', 'convert']) {
    const check = probeCommand(command, ['-version']);
    if (check.error) continue;
    const text = `${check.stdout}${check.stderr}`;
    const first = text.split('\n')[0]?.trim() ?? '';
    if (!first.startsWith('Version: ImageMagick')) {
      seen.push(`\`${command}\` is not ImageMagick ("${first.slice(0, 80)}")`);
      continue;
    }
    if (!/^Delegates.*\bwebp\b/m.test(text)) {
      seen.push(`${first.slice(9, 40)} has no WebP delegate`);
      continue;
    }
    if (probeCommand(SYSTEM_PYTHON, ['-c', 'pass']).error) {
      return { available: false, peer: 'imagemagick', reason: `${SYSTEM_PYTHON} (which times convert) not found` };
    }
    const memory = /^\s*Memory:\s*(\S+)/m.exec(probeCommand(command, ['-list', 'resource']).stdout ?? '')?.[1];
    return {
      available: true,
      peer: 'imagemagick',
      version: first.replace(/^Version: /, '').replace(/ https?:.*$/, ''),
      command: [SYSTEM_PYTHON, WORKER_SCRIPT, 'imagemagick', command],
      notes: memory ? [`ImageMagick policy memory limit ${memory} (larger pixel caches go to disk)`] : [],
    };
  }
  return {
    available: false,
    peer: 'imagemagick',
    reason: seen.length > 0 ? seen.join('; ') : 'no `magick` or `convert` on PATH (apt-get install imagemagick)',
  };
}

type WorkerLine =
  | { ready: true; version: string }
  | { ms: number; cpu_ms: number; out_bytes: number; outputs: number }
  | { error: string }
  | { done: true; maxrss_kb: number };

/** One peer_worker.py process as a {@link JobWorker}. */
class PeerProcess implements JobWorker {
  private readonly lines: AsyncIterator<string>;
  private readonly stderr: string[] = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
  }

  static async start(command: readonly string[], env: NodeJS.ProcessEnv): Promise<PeerProcess> {
    const [file, ...args] = command as [string, ...string[]];
    const worker = new PeerProcess(spawn(file, args, { env, stdio: 'pipe' }));
    const first = await worker.next();
    if (!('ready' in first)) throw new Error(`peer worker did not start: ${JSON.stringify(first)}`);
    return worker;
  }

  private async next(): Promise<WorkerLine> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`peer worker exited: ${this.stderr.join('').trim().slice(-500)}`);
    return JSON.parse(value) as WorkerLine;
  }

  async run(job: Job): Promise<JobResult> {
    this.child.stdin.write(`${JSON.stringify({ image: job.image, op: job.op })}\n`);
    const line = await this.next();
    if ('error' in line) throw new Error(`${job.op} ${job.image}: ${line.error}`);
    if (!('ms' in line)) throw new Error(`unexpected reply ${JSON.stringify(line)}`);
    return { ms: line.ms, cpuMs: line.cpu_ms, outBytes: line.out_bytes, outputs: line.outputs };
  }

  /** Closes stdin and returns the worker's peak RSS in bytes. */
  async close(): Promise<number> {
    this.child.stdin.end();
    const line = await this.next();
    if (!('done' in line)) throw new Error(`unexpected reply ${JSON.stringify(line)}`);
    return line.maxrss_kb * 1024;
  }

  kill(): void {
    this.child.kill();
  }
}

/**
 * Runs a batch on `concurrency` worker processes of the peer. Peak RSS is the sum of each
 * process's own peak (Pillow: the interpreter; ImageMagick: the largest convert it ran),
 * an upper bound on what they held at once.
 */
export async function runPeer(
  peer: Extract<PeerAvailability, { available: true }>,
  spec: RunSpec,
  env: NodeJS.ProcessEnv,
  onProgress?: (done: number, total: number) => void,
): Promise<RunResult> {
  const workers = await Promise.all(
    Array.from({ length: spec.concurrency }, () => PeerProcess.start(peer.command, env)),
  );
  try {
    await warmUp(workers, spec.warmup);
    const outcome = await runQueue(workers, spec.jobs, onProgress);
    const peaks = await Promise.all(workers.map((worker) => worker.close()));
    return {
      ...outcome,
      cpuMs: outcome.results.reduce((sum, r) => sum + r.cpuMs, 0),
      peakRssBytes: peaks.reduce((sum, bytes) => sum + bytes, 0),
      rssMethod:
        peer.peer === 'pillow'
          ? `sum of ${workers.length} Python process peak(s)`
          : `sum of ${workers.length} worker(s)' largest convert peak`,
      notes: peer.notes,
    };
  } finally {
    workers.forEach((worker) => worker.kill());
  }
}
