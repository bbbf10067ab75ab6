import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testImage } from '@imgpipe/image-ops/testing';
import { RuntimeClient } from './testing/http-client';

/*
 * Crash safety: `npm start` killed with SIGKILL in the middle of a batch, then started again
 * on the same data directory, finishes every image, and records each exactly once.
 */

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(__dirname, 'main.ts');
const IMAGES = 8;

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/** `npm start` as a child process on `dataDir` and a free port; resolves once it serves. */
function startChild(dataDir: string): Promise<Started> {
  // `node --import tsx`, as `npm start` runs it: one process (the tsx CLI would add a parent
  // that SIGKILL takes down alone).
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--data-dir', dataDir, '--no-ui', '--concurrency', '1'], {
    cwd: ROOT,
    env: { ...process.env, IMGPIPE_PORT: '', IMGPIPE_DATA_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /imgpipe is running at (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (more: Buffer) => (output += more.toString()));
        resolve({ child, url, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => reject(new Error(`the runtime exited (${code ?? signal}) before serving:\n${output}`)));
    child.once('error', reject);
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

type Listing = { items: { imageId: string; status: string }[] };

describe('crash safety', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-crash-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes every image of a batch killed midway, each processed exactly once', async () => {
    // First run: upload a batch, SIGKILL as soon as the first image is done.
    const first = await startChild(dataDir);
    children.push(first.child);
    const client = await RuntimeClient.signIn(first.url, 'crash-test');
    const photo = await testImage('jpeg', { width: 2400, height: 1800 });
    const ids: string[] = [];
    for (let i = 0; i < IMAGES; i++) ids.push((await client.upload(photo, `photo-${i}.jpg`, 'image/jpeg')).imageId);

    let processedBeforeKill = 0;
    while (processedBeforeKill === 0) {
      const listing = await client.api<Listing>('GET', '/images?limit=100');
      processedBeforeKill = listing.items.filter((i) => i.status === 'processed').length;
      if (processedBeforeKill === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    // Killed mid-batch: with one execution at a time, most images were still to do.
    expect(processedBeforeKill).toBeLessThan(IMAGES);

    // Second run on the same data: the same user (same signing secret), the rest resumed.
    const second = await startChild(dataDir);
    children.push(second.child);
    const again = await RuntimeClient.signIn(second.url, 'crash-test');
    for (const id of ids) {
      const { image, history } = await again.waitForOutcome(id, 150_000);
      expect(image?.status).toBe('processed');
      const names = history.map((e) => e.detailType);
      expect(names.filter((n) => n === 'ImageProcessed')).toHaveLength(1);
      expect(names.filter((n) => n === 'ImageUploaded')).toHaveLength(1);
      expect(names).not.toContain('ImageProcessingFailed');
    }
    expect(second.output()).toMatch(/Resuming \d+ image\(s\) left unfinished/);

    // A graceful stop: SIGTERM ends the process with code 0.
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toEqual({ code: 0, signal: null });
  }, 240_000);
});
