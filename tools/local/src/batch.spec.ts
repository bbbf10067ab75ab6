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
      expect(byName[name]?.outputs).toHaveLength(4);
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

  it('exits 1 when any file was refused and 0 when all were processed', async () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(main([dir, '--out', out])).resolves.toBe(1);
      await expect(main([join(dir, 'photo.jpg'), join(dir, 'alpha.png'), '--out', out])).resolves.toBe(0);
      const printed = stdout.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toMatch(/file\s+original\s+webp\s+savings %\s+renditions\s+ms\s+status/);
      expect(printed).toContain('2 of 2 processed');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
