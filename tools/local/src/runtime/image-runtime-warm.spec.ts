import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseFreedMemoryInBackground } from '@imgpipe/image-ops';
import { startLocalRuntime, type LocalRuntime } from '../runtime';

/**
 * Issue 13, early thumbnails: the trim after every image task binds `malloc_trim` on first use
 * (a process report to tell glibc, koffi's load), which held the event loop at the end of the
 * first upload's thumbnail task. The runtime binds it as it starts, so the first task's trim
 * asks for no process report. (This file's module registry starts no other runtime first.)
 */
describe('the local runtime binds the image trim at start', () => {
  let dataDir: string;
  let runtime: LocalRuntime | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-warm-'));
  });

  afterAll(async () => {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('takes no process report at the first image task’s trim', async () => {
    runtime = await startLocalRuntime({ dataDir, port: 0, web: false, recover: false });
    const getReport = jest.spyOn(process.report, 'getReport');

    await releaseFreedMemoryInBackground();

    expect(getReport).not.toHaveBeenCalled();
    getReport.mockRestore();
  });
});
