import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RENDITION_SET_PRESET, RENDITION_SET_PRESETS } from '@imgpipe/image-ops/checks';
import { FIXTURES_DIR, testImage } from '@imgpipe/image-ops/testing';
import { dataLayout, EventArchive, runningRuntime, startLocalRuntime, type LocalRuntime } from '@imgpipe/local';
import type { ImageResult } from './local/process-images.use-case';
import { main } from './main';
import { captureIo } from './testing/capture-io';

/** The renditions every image gets: the default rendition set's, in its order. */
const RENDITIONS = Object.keys(RENDITION_SET_PRESETS[DEFAULT_RENDITION_SET_PRESET].renditions);

/*
 * The CLI end to end, as a person runs it: `imgpipe process` over folders of real photos
 * against a local runtime on a temporary data directory (first one the CLI starts itself,
 * then one already running), then `events`, `replay` and `redrive` on the same data.
 */

jest.setTimeout(240_000);

const GOOD = ['alpha.png', 'animated.gif', 'generated.jpg', 'photo-480x320.heic', 'photo-480x320.jpg'];

let root: string;
let dataDir: string;
let runtime: LocalRuntime | undefined;
let corruptId: string;
let goodIds: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imgpipe-cli-e2e-'));
  dataDir = join(root, 'data');
  const good = join(root, 'good');
  const mixed = join(root, 'mixed');
  await mkdir(good);
  await mkdir(mixed);
  const images: Record<string, Uint8Array> = {
    'alpha.png': await testImage('png-alpha', { width: 400, height: 300 }),
    'animated.gif': await testImage('gif-animated'),
    'generated.jpg': await testImage('jpeg', { width: 800, height: 600 }),
  };
  for (const folder of [good, mixed]) {
    for (const [name, bytes] of Object.entries(images)) await writeFile(join(folder, name), bytes);
    for (const name of ['photo-480x320.jpg', 'photo-480x320.heic']) await copyFile(join(FIXTURES_DIR, name), join(folder, name));
  }
  // A JPEG cut short: its header passes ingest, its pixels cannot be decoded.
  await writeFile(join(mixed, 'corrupt.jpg'), await testImage('truncated-jpeg'));
  await writeFile(join(mixed, 'README.txt'), 'not an image: skipped');
});

afterAll(async () => {
  await runtime?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('imgpipe process', () => {
  it('processes a folder of real photos on a runtime it starts, fails the corrupt one with its code, prints the table, exits 1', async () => {
    const io = captureIo();

    const code = await main(['process', join(root, 'mixed'), '--data-dir', dataDir, '--concurrency', '3'], io);

    expect(code).toBe(1);
    const lines = io.stdout.text.split('\n');
    expect(lines[0]).toMatch(/^file\s+original\s+webp\s+savings %\s+renditions\s+ms\s+status$/);
    const rows = lines.slice(2, 2 + GOOD.length + 1);
    expect(rows.map((row) => row.split(/\s+/)[0]?.replace(/^.*\//, ''))).toEqual(['alpha.png', 'animated.gif', 'corrupt.jpg', 'generated.jpg', 'photo-480x320.heic', 'photo-480x320.jpg']);
    for (const row of rows.filter((r) => !r.includes('corrupt.jpg'))) {
      // Sizes in the one human style (kB/MB, three significant digits), a true minus sign.
      expect(row).toMatch(new RegExp(`\\d+(\\.\\d+)? (B|kB|MB)\\s+\\d+(\\.\\d+)? (B|kB|MB)\\s+−?\\d+\\.\\d%\\s+${RENDITIONS.join(',')}\\s+\\d+\\s+processed$`));
    }
    expect(rows.find((r) => r.includes('corrupt.jpg'))).toMatch(/-\s+-\s+-\s+\d+\s+failed CORRUPT$/);
    expect(io.stdout.text).toContain('6 image(s): 5 processed, 1 failed\n');
    expect(io.stdout.text).toMatch(/bytes: .+ before, .+ after, .+ saved \(\d+\.\d%\)\nwall time: \d+\.\d\d s, \d+\.\d\d images\/s\n$/);

    expect(io.stderr.text).toContain('skipping 1 file(s) that are not images');
    expect(io.stderr.text).toContain('no runtime running; starting one for this command');
    // Both Parallel branches decode it; the failure names the branch that failed first (the stage is now reported truthfully).
    expect(io.stderr.text).toMatch(/1 image\(s\) did not process:\n.*corrupt\.jpg: CORRUPT at (compress|thumbnail): The jpeg image could not be decoded/);
    // A line per image on a non-terminal.
    expect(io.stderr.text.match(/^\[\d\/6\] (processed|failed) /gm)).toHaveLength(6);
    // The runtime it started is stopped.
    expect(await runningRuntime(dataDir)).toBeUndefined();
  });

  it('exits 0 for a folder of good photos, through the runtime running on the data directory (--json)', async () => {
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      web: false,
      concurrency: 2,
      retryIntervalOverrides: { Compress: 0, Thumbnail: 0, RecordMetadata: 0, PublishProcessed: 0, RecordFailure: 0 },
    });
    await runtime.recovered;
    const io = captureIo();

    const code = await main(['process', join(root, 'good'), '--data-dir', dataDir, '--json'], io);

    expect(code).toBe(0);
    const report = JSON.parse(io.stdout.text) as { runtime: { url: string; via: string }; images: ImageResult[]; totals: Record<string, number> };
    expect(report.runtime).toEqual({ url: runtime.url, via: 'running', user: 'dev' });
    expect(report.images.map((i) => [i.file.replace(/^.*\//, ''), i.status])).toEqual(GOOD.map((name) => [name, 'processed']));
    for (const image of report.images) {
      expect(image.webpBytes).toBeGreaterThan(0);
      expect(image.renditions).toEqual(RENDITIONS);
      expect(image.pipelineMs).toBeGreaterThanOrEqual(0);
      // Machine output: the derivatives' URLs on this runtime, and the record the API returned.
      // Every file of the delivery record: the full-size files and each rendition in each of its formats (JPEG and WebP).
      const delivery = image.record?.delivery;
      expect(image.outputs?.length).toBe((delivery?.variants.length ?? 0) + (delivery?.renditions.length ?? 0));
      expect(image.outputs?.filter((url) => /\/thumbnails\/.*\.webp$/.test(url))).toHaveLength(RENDITIONS.length);
      expect(image.outputs?.every((url) => url.startsWith(`${runtime?.url}/cdn/`))).toBe(true);
      expect(image.record).toMatchObject({ imageId: image.imageId, status: 'processed' });
    }
    expect(report.totals).toMatchObject({ count: 5, processed: 5, failed: 0 });
    expect(report.totals['bytesAfter']).toBeLessThan(report.totals['bytesBefore'] ?? 0);
    expect(io.stderr.text).not.toContain('starting one');
    goodIds = report.images.map((i) => i.imageId as string);

    // The first run's corrupt image, for the next tests: the same user sees it.
    const list = await (await fetch(`${runtime.url}/api/images?limit=100`, { headers: { authorization: `Bearer ${await runtime.issueToken('dev')}` } })).json();
    corruptId = (list as { items: { imageId: string; status: string }[] }).items.find((i) => i.status === 'failed')?.imageId as string;
    expect(corruptId).toBeDefined();
  });
});

describe('imgpipe events', () => {
  it("prints a processed image's timeline, from upload to ImageProcessed", async () => {
    const io = captureIo();

    expect(await main(['events', goodIds[0] as string, '--data-dir', dataDir], io)).toBe(0);

    expect(io.stdout.text).toMatch(new RegExp(`^image ${goodIds[0]} \\(user dev\\): processed, \\d event\\(s\\)`));
    const types = io.stdout.text.split('\n').slice(4).map((line) => line.split(/\s+/)[4]);
    expect(types).toEqual(expect.arrayContaining(['ImageUploaded', 'ImageCompressed', 'ThumbnailsGenerated', 'ImageProcessed']));
    expect(types[0]).toBe('ImageUploaded');
  });

  it("prints a failed image's failure with its code and reason, and finds nothing for another user (exit 1)", async () => {
    const io = captureIo();
    const other = captureIo();

    expect(await main(['events', corruptId, '--data-dir', dataDir], io)).toBe(0);
    expect(await main(['events', corruptId, '--data-dir', dataDir, '--user', 'mallory'], other)).toBe(1);

    expect(io.stdout.text).toMatch(/ImageProcessingFailed\s+imgpipe\.metadata\s+CORRUPT at (compress|thumbnail): The jpeg image could not be decoded.+\(not retryable\)/);
    expect(io.stdout.text).toMatch(/failed: CORRUPT at (compress|thumbnail):/);
    expect(other.stderr.text).toContain(`no image ${corruptId} for user mallory`);
  });
});

describe('imgpipe replay', () => {
  it("re-publishes the archive's uploads through the running runtime, which records nothing twice", async () => {
    const before = await runtime?.eventStore.load(goodIds[0] as string);
    // At least the 11 uploads that passed ingest (6 in the first run, the corrupt JPEG too;
    // 5 in the second), and any duplicate an at-least-once delivery archived.
    let uploads = 0;
    for await (const _ of new EventArchive(dataLayout(dataDir).archive).read({ bus: 'imgpipe', detailTypes: ['ImageUploaded'] })) uploads += 1;
    expect(uploads).toBeGreaterThanOrEqual(11);
    const io = captureIo();

    expect(await main(['replay', '--from', '-1h', '--detail-type', 'ImageUploaded', '--data-dir', dataDir, '--name', 'e2e-replay'], io)).toBe(0);
    await runtime?.idle();

    expect(io.stdout.text).toMatch(new RegExp(`^e2e-replay: replayed ${uploads} event\\(s\\) from .+ \\(${uploads} ImageUploaded\\) via the running runtime\n$`));
    expect((await runtime?.eventStore.load(goodIds[0] as string))?.length).toBe(before?.length);
  });
});

describe('imgpipe redrive', () => {
  it('re-runs an image that failed on a transient error once the fault is gone, and leaves bad input alone', async () => {
    const flaky = join(root, 'flaky');
    await mkdir(flaky);
    await writeFile(join(flaky, 'flaky.jpg'), await testImage('jpeg', { width: 320, height: 240 }));
    // The fault: the processed bucket is gone, so every write of the pipeline fails.
    const bucket = join(dataDir, 's3', 'processed');
    await rename(bucket, `${bucket}.away`);
    const failing = captureIo();
    let code: number;
    try {
      code = await main(['process', flaky, '--data-dir', dataDir, '--json'], failing);
    } finally {
      await rename(`${bucket}.away`, bucket);
    }
    expect(code).toBe(1);
    const [failed] = (JSON.parse(failing.stdout.text) as { images: ImageResult[] }).images;
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'TRANSIENT_EXHAUSTED', retryable: true } });
    expect(failing.stderr.text).toContain('(retryable: `imgpipe redrive`)');

    const io = captureIo();
    expect(await main(['redrive', '--data-dir', dataDir, '--timeout', '120'], io)).toBe(0);

    expect(io.stdout.text).toMatch(new RegExp(`^image\\s+user\\s+was\\s+now\\n[- ]+\\n${failed?.imageId}\\s+dev\\s+TRANSIENT_EXHAUSTED at (compress|thumbnail)\\s+processed\\n$`));
    expect(io.stderr.text).toContain('1 failed image(s) not retryable, left as they are (bad input fails the same way again): 1 CORRUPT');
    const history = captureIo();
    expect(await main(['events', failed?.imageId as string, '--data-dir', dataDir], history)).toBe(0);
    expect(history.stdout.text).toMatch(/ImageProcessingFailed[\s\S]+ImageProcessed/);
    expect(history.stdout.text).toMatch(/: processed, \d+ event\(s\)/);
  });
});
