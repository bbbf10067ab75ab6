import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testImage } from '@imgpipe/image-ops/testing';
import { EXIT, UnavailableError } from './exit-codes';
import { inputFiles, skippedNote } from './input-files';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imgpipe-cli-files-'));
  await mkdir(join(dir, 'photos', 'nested'), { recursive: true });
  const jpeg = await testImage('jpeg', { width: 16, height: 16 });
  const png = await testImage('png-alpha', { width: 16, height: 16 });
  await writeFile(join(dir, 'photos', 'b.jpg'), jpeg);
  // Named for what it is not: the bytes decide, not the extension.
  await writeFile(join(dir, 'photos', 'nested', 'a.dat'), png);
  await writeFile(join(dir, 'photos', 'manifest.tsv'), 'file\tcaption\nb.jpg\tbeach\n');
  await writeFile(join(dir, 'photos', 'fake.jpg'), 'not a jpeg');
  await writeFile(join(dir, 'photos', '.hidden.jpg'), jpeg);
  await writeFile(join(dir, 'single.bin'), 'x');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('inputFiles', () => {
  it('walks folders for files whose magic bytes are an image, keeps named files whatever they hold, and sorts', async () => {
    const { files, skipped } = await inputFiles(['photos', 'single.bin'], { cwd: dir });

    expect(files.map((f) => f.display)).toEqual(['photos/b.jpg', 'photos/nested/a.dat', 'single.bin']);
    expect(files[0]?.path).toBe(join(dir, 'photos', 'b.jpg'));
    expect(skipped).toEqual(['photos/fake.jpg', 'photos/manifest.tsv']);
    expect(skippedNote(skipped)).toMatch(/^imgpipe: skipping 2 file\(s\) that are not images .*: photos\/fake\.jpg, photos\/manifest\.tsv\n$/);
  });

  it('ends with exit 3 for a path that does not exist (suggesting a subcommand it resembles) and for a folder with no image in it', async () => {
    const missing = await inputFiles(['repaly'], { cwd: dir, subcommands: ['replay'] }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UnavailableError);
    expect(missing).toMatchObject({ exitCode: EXIT.UNAVAILABLE, message: 'no such file or folder: repaly (did you mean "replay"?)' });

    await mkdir(join(dir, 'empty'), { recursive: true });
    await writeFile(join(dir, 'empty', 'readme.md'), 'x');
    await expect(inputFiles(['empty'], { cwd: dir })).rejects.toThrow('no image files in empty (skipped 1 other file(s))');
  });
});
