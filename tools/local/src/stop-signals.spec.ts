import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testImage } from '@imgpipe/image-ops/testing';
import { dataLayout } from './runtime';
import { SAME_SIGNAL_WINDOW_MS, stopSignalListener } from './stop-signals';
import { RuntimeClient } from './testing/http-client';

const ROOT = join(__dirname, '..', '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stopSignalListener', () => {
  function harness() {
    let clock = 0;
    const calls: string[] = [];
    const listener = stopSignalListener({
      stop: (signal) => calls.push(`stop ${signal}`),
      force: (signal) => calls.push(`force ${signal}`),
      now: () => clock,
    });
    return { calls, listener, advance: (ms: number) => (clock += ms) };
  }

  it('takes a second signal within the window for the same one (terminal + npm), and a later one as a forced exit', () => {
    const h = harness();
    h.listener('SIGINT');
    h.advance(5);
    h.listener('SIGINT');
    h.advance(SAME_SIGNAL_WINDOW_MS - 10);
    h.listener('SIGTERM');
    expect(h.calls).toEqual(['stop SIGINT']);

    h.advance(5);
    h.listener('SIGINT');
    expect(h.calls).toEqual(['stop SIGINT', 'force SIGINT']);
  });
});

/** `npm start` as npm runs it (`exec node --import tsx tools/local/src/main.ts ...`), its output collected. */
function startRuntime(dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/local/src/main.ts', '--port', '0', '--data-dir', dataDir, '--no-ui'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = (async () => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const url = /imgpipe is running at (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) return url;
      if (child.exitCode !== null) throw new Error(`the runtime exited with ${child.exitCode} before serving:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`the runtime did not serve within 90 s:\n${stderr}`);
      await sleep(50);
    }
  })();
  return { child, exited, ready, output: () => ({ stdout, stderr }) };
}

describe('npm start and Ctrl-C', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-signals-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stops gracefully on one Ctrl-C delivered twice, 5 ms apart (terminal and npm), and removes runtime.json', async () => {
    const runtime = startRuntime(dataDir);
    try {
      await runtime.ready;
      expect(existsSync(dataLayout(dataDir).runtimeFile)).toBe(true);

      runtime.child.kill('SIGINT');
      await sleep(5);
      runtime.child.kill('SIGINT');

      expect(await runtime.exited).toBe(0);
      const { stderr } = runtime.output();
      expect(stderr).toMatch(/SIGINT: stopping/);
      expect(stderr).toMatch(/imgpipe stopped\./);
      expect(stderr).not.toMatch(/again: exiting now/);
      expect(existsSync(dataLayout(dataDir).runtimeFile)).toBe(false);
    } finally {
      runtime.child.kill('SIGKILL');
    }
  }, 120_000);

  it('still exits at once on a second Ctrl-C pressed while the first is stopping, and removes runtime.json', async () => {
    // AVIF of a 12 MP photo: the execution runs for seconds, which the graceful stop waits for.
    const runtime = startRuntime(dataDir, { COMPRESS_FORMATS: 'avif,webp' });
    try {
      const url = await runtime.ready;
      const client = await RuntimeClient.signIn(url, 'signals');
      const { imageId } = await client.upload(await testImage('jpeg', { width: 4000, height: 3000 }), 'big.jpg', 'image/jpeg');
      for (let i = 0; i < 600 && (await client.image(imageId).catch(() => undefined))?.image?.status !== 'processing'; i += 1) await sleep(50);

      runtime.child.kill('SIGINT');
      await sleep(SAME_SIGNAL_WINDOW_MS + 500);
      if (runtime.child.exitCode !== null) throw new Error('the graceful stop ended before the second Ctrl-C: this test needs a longer execution');
      runtime.child.kill('SIGINT');

      expect(await runtime.exited).toBe(130);
      expect(runtime.output().stderr).toMatch(/SIGINT again: exiting now/);
      expect(existsSync(dataLayout(dataDir).runtimeFile)).toBe(false);
    } finally {
      runtime.child.kill('SIGKILL');
    }
  }, 180_000);
});
