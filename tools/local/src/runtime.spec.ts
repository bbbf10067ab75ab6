import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@imgpipe/platform';
import { RuntimeAlreadyRunningError, runningRuntime, startLocalRuntime } from './runtime';

describe('starting and stopping the runtime', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-runtime-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second runtime on a data directory in use, and frees it on stop', async () => {
    const runtime = await startLocalRuntime({ dataDir, port: 0, web: false, recover: false });
    try {
      expect(await runningRuntime(dataDir)).toMatchObject({ pid: process.pid, url: runtime.url });
    } finally {
      await runtime.stop();
    }
    expect(await runningRuntime(dataDir)).toBeUndefined();
  });

  it('fails fast on a bad service setting, naming it, and leaves nothing running behind', async () => {
    await expect(
      startLocalRuntime({ dataDir, port: 0, web: false, env: { COMPRESS_FORMATS: 'bmp' } }),
    ).rejects.toThrow(ConfigError);
    await expect(startLocalRuntime({ dataDir, port: 0, web: false, env: { COMPRESS_FORMATS: 'bmp' } })).rejects.toThrow(
      /COMPRESS_FORMATS/,
    );

    // The local DynamoDB's files are not held by a leftover server: the directory starts again.
    const runtime = await startLocalRuntime({ dataDir, port: 0, web: false });
    await runtime.stop();
  });

  it('reports a port in use as such', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(startLocalRuntime({ dataDir, port, web: false })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await runningRuntime(dataDir)).toBeUndefined();
    } finally {
      blocker.close();
    }
  });

  it('names the other process when the directory is taken', () => {
    expect(new RuntimeAlreadyRunningError('http://127.0.0.1:3000', 42).message).toMatch(/pid 42, http:\/\/127\.0\.0\.1:3000/);
  });
});
