import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testImage } from '@imgpipe/image-ops/testing';
import { EXIT, UnavailableError } from './exit-codes';
import type { ImageResult } from './image-result';
import type { CliIo, OutputStream } from './io';
import { processFiles, type ProcessEngine } from './process-files';

class Captured implements OutputStream {
  text = '';
  constructor(readonly isTTY = false) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}
const capture = (tty = false) => ({ stdout: new Captured(), stderr: new Captured(tty), env: {} }) satisfies CliIo;

/** An engine that answers each file with `outcome(file)` and records that it was closed. */
function fakeEngine(outcome: (file: string) => Partial<ImageResult>) {
  const state = { closed: false, ran: [] as string[] };
  const engine: ProcessEngine = {
    describe: () => ({ outDir: '/tmp/out' }),
    async run(files, { onProgress, onResult }) {
      const progress = { total: files.length, processed: 0, failed: 0 };
      const results = files.map((f) => {
        state.ran.push(f.display ?? f.path);
        const result: ImageResult = { file: f.display ?? f.path, status: 'processed', originalBytes: 2_000_000, webpBytes: 500_000, savingsPercent: 75, renditions: ['small'], ms: 5, ...outcome(f.path) };
        if (result.status === 'processed') progress.processed += 1;
        else progress.failed += 1;
        onResult(result, { ...progress });
        onProgress({ ...progress });
        return result;
      });
      return { results, wallMs: 10 };
    },
    close: async () => {
      state.closed = true;
    },
  };
  return { engine, state };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imgpipe-front-end-'));
  await writeFile(join(dir, 'a.jpg'), await testImage('jpeg', { width: 16, height: 16 }));
  await writeFile(join(dir, 'b.png'), await testImage('png-alpha', { width: 16, height: 16 }));
  await writeFile(join(dir, 'manifest.tsv'), 'file\tcaption\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('processFiles, the front end of imgpipe process and npm start -- <files>', () => {
  it('exit 0: a folder with a manifest.tsv processes its images, notes the skip, prints kB/MB on stdout and progress lines on stderr', async () => {
    const io = capture();
    const { engine, state } = fakeEngine(() => ({}));

    expect(await processFiles([dir], async () => engine, { io, cwd: dir })).toBe(EXIT.OK);

    expect(state.ran).toEqual(['a.jpg', 'b.png']);
    expect(state.closed).toBe(true);
    expect(io.stderr.text).toContain('skipping 1 file(s) that are not images');
    expect(io.stderr.text).toMatch(/^\[1\/2\] processed a\.jpg \(5 ms\)$/m);
    expect(io.stdout.text).toMatch(/a\.jpg\s+2\.00 MB\s+500 kB\s+75\.0%/);
    expect(io.stdout.text).toContain('bytes: 4.00 MB before, 1.00 MB after, 3.00 MB saved (75.0%)');
  });

  it('exit 1: an image failed; it is listed on stderr with its code, stage and reason', async () => {
    const io = capture();
    const { engine } = fakeEngine((file) => (file.endsWith('b.png') ? { status: 'failed', failure: { code: 'CORRUPT', reason: 'Not readable.', stage: 'ingest' } } : {}));

    expect(await processFiles([dir], async () => engine, { io, cwd: dir })).toBe(EXIT.FAILED);
    expect(io.stderr.text).toContain('b.png: CORRUPT at ingest: Not readable.');
  });

  it('exit 3: a missing path or no image at all, before an engine is made', async () => {
    const io = capture();
    let made = false;
    const create = async () => {
      made = true;
      return fakeEngine(() => ({})).engine;
    };

    await expect(processFiles([join(dir, 'nope')], create, { io })).rejects.toBeInstanceOf(UnavailableError);
    await expect(processFiles([join(dir, 'manifest.tsv'), 'x'], create, { io, cwd: dir })).rejects.toMatchObject({ exitCode: EXIT.UNAVAILABLE });
    expect(made).toBe(false);
  });

  it('--json: machine output on stdout only (where it ran, each image with sizes and outputs, the skipped files, totals)', async () => {
    const io = capture(true);
    const { engine } = fakeEngine(() => ({ outputs: ['/tmp/out/compressed/a.webp'] }));

    expect(await processFiles([dir], async () => engine, { io, json: true, cwd: dir })).toBe(EXIT.OK);

    const json = JSON.parse(io.stdout.text) as Record<string, unknown>;
    expect(json).toMatchObject({ outDir: '/tmp/out', skipped: ['manifest.tsv'], totals: { count: 2, processed: 2, bytesBefore: 4_000_000 } });
    expect((json['images'] as ImageResult[])[0]).toMatchObject({ file: 'a.jpg', originalBytes: 2_000_000, webpBytes: 500_000, outputs: ['/tmp/out/compressed/a.webp'] });
    // On a terminal the progress is one redrawn line, on stderr.
    expect(io.stderr.text).toContain('\r\x1b[2K[');
  });
});
