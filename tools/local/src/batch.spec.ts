import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RENDITION_SET, probe } from '@imgpipe/image-ops';
import { testImage, type TestImageKind } from '@imgpipe/image-ops/testing';
import { readFile } from 'node:fs/promises';
import { runBatch } from './batch';
import { main } from './main';

describe('npm start -- <folder> (offline batch mode)', () => {
  let dir: string;
  let out: string;
  const files: Record<string, TestImageKind> = {
    'photo.jpg': 'jpeg',
    'rotated.jpg': 'jpeg-rotated',
    'alpha.png': 'png-alpha',
    'animated.gif': 'gif-animated',
    'empty.jpg': 'empty',
    'noise.bin': 'random',
    'drawing.svg': 'svg',
    'bomb.png': 'png-bomb-header',
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-batch-in-'));
    out = await mkdtemp(join(tmpdir(), 'imgpipe-batch-out-'));
    for (const [name, kind] of Object.entries(files)) await writeFile(join(dir, name), await testImage(kind, { width: 320, height: 240 }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  it('processes the good images and refuses each bad one with its classified code', async () => {
    const rows = await runBatch([dir], { outDir: out, concurrency: 2, renditionSet: DEFAULT_RENDITION_SET });
    const byName = Object.fromEntries(rows.map((r) => [r.file.slice(dir.length + 1), r]));

    for (const name of ['photo.jpg', 'rotated.jpg', 'alpha.png', 'animated.gif']) {
      expect(byName[name]).toMatchObject({ status: 'processed' });
      // Three renditions, and the full-size files worth serving (honest output: WebP and/or JPEG, or the original).
      const outputs = byName[name]?.outputs ?? [];
      expect(outputs.filter((key) => key.startsWith('thumbnails/'))).toHaveLength(3);
      expect(outputs.filter((key) => key.startsWith('compressed/')).length).toBeGreaterThanOrEqual(1);
    }
    expect(byName['empty.jpg']?.error).toMatch(/^EMPTY: /);
    expect(byName['noise.bin']?.error).toMatch(/^UNSUPPORTED_FORMAT: /);
    expect(byName['drawing.svg']?.error).toMatch(/^UNSUPPORTED_FORMAT: /);
    expect(byName['bomb.png']?.error).toMatch(/^TOO_MANY_PIXELS: /);

    // The outputs are real files a person can open: rotation applied, animation kept.
    const rotated = byName['rotated.jpg']?.outputs?.[0] ?? '';
    expect(await probe(await readFile(join(out, rotated)))).toMatchObject({ format: 'webp', width: 240, height: 320 });
    const animated = byName['animated.gif']?.outputs?.[0] ?? '';
    expect(await probe(await readFile(join(out, animated)))).toMatchObject({ format: 'webp', animated: true, pages: 3 });
  });

  it('exits 1 when any file was refused and 0 when all were processed (the shared front end: table and totals on stdout)', async () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(main([dir, '--out', out])).resolves.toBe(1);
      await expect(main([join(dir, 'photo.jpg'), join(dir, 'alpha.png'), '--out', out])).resolves.toBe(0);
      const printed = stdout.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toMatch(/file\s+original\s+webp\s+savings %\s+renditions\s+ms\s+status/);
      expect(printed).toContain('2 image(s): 2 processed');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});

describe('npm start -- <folder>: the one CLI front end', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-batch-front-'));
    out = await mkdtemp(join(tmpdir(), 'imgpipe-batch-front-out-'));
    await writeFile(join(dir, 'photo.jpg'), await testImage('jpeg', { width: 320, height: 240 }));
    await writeFile(join(dir, 'manifest.tsv'), 'file\tcaption\nphoto.jpg\ta photo\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  /** Runs `main` with stdout and stderr captured. */
  async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main(argv);
      const text = (spy: typeof stdout) => spy.mock.calls.map((c) => String(c[0])).join('');
      return { code, stdout: text(stdout), stderr: text(stderr) };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  it('exit 0: a manifest.tsv beside the photos is skipped with a note, not refused; --json lists the outputs and sizes', async () => {
    const { code, stdout, stderr } = await run([dir, '--out', out, '--json']);

    expect(code).toBe(0);
    expect(stderr).toContain('skipping 1 file(s) that are not images');
    const json = JSON.parse(stdout) as { images: Array<{ status: string; originalBytes: number; webpBytes: number; outputs: string[] }>; skipped: string[] };
    expect(json.skipped).toEqual([join(dir, 'manifest.tsv')]);
    expect(json.images).toHaveLength(1);
    expect(json.images[0]).toMatchObject({ status: 'processed', originalBytes: expect.any(Number), webpBytes: expect.any(Number) });
    expect(json.images[0]?.outputs.every((path) => path.startsWith(out))).toBe(true);
  });

  it('exit 2: an unknown option, with the one it resembles', async () => {
    const { code, stderr } = await run([dir, '--jsn']);

    expect(code).toBe(2);
    expect(stderr).toBe('imgpipe: unknown option --jsn (did you mean --json?)\n');
  });

  it('exit 3: no such file or folder, suggesting the subcommand it resembles', async () => {
    const { code, stderr } = await run(['repaly']);

    expect(code).toBe(3);
    expect(stderr).toContain('no such file or folder: repaly (did you mean "replay"?)');
  });

  it('--version prints the root package.json version', async () => {
    const { code, stdout } = await run(['--version']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^imgpipe \d+\.\d+\.\d+\n$/);
  });
});
