import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors';
import { inputFiles } from './input-files';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imgpipe-cli-files-'));
  await mkdir(join(dir, 'photos', 'nested'), { recursive: true });
  for (const name of ['photos/b.jpg', 'photos/nested/a.PNG', 'photos/notes.txt', 'photos/.hidden.jpg', 'single.bin']) {
    await writeFile(join(dir, name), 'x');
  }
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('inputFiles', () => {
  it('walks folders for image files, keeps named files whatever their extension, and sorts', async () => {
    const { files, skipped } = await inputFiles(['photos', 'single.bin'], dir);

    expect(files.map((f) => f.display)).toEqual(['photos/b.jpg', 'photos/nested/a.PNG', 'single.bin']);
    expect(files[0]?.path).toBe(join(dir, 'photos', 'b.jpg'));
    expect(skipped).toEqual(['photos/notes.txt']);
  });

  it('refuses a path that does not exist, and a folder with no image in it', async () => {
    await expect(inputFiles(['missing'], dir)).rejects.toThrow(new UsageError('no such file or folder: missing'));
    await mkdir(join(dir, 'empty'), { recursive: true });
    await writeFile(join(dir, 'empty', 'readme.md'), 'x');
    await expect(inputFiles(['empty'], dir)).rejects.toThrow('no image files in empty (skipped 1 other file(s))');
  });
});
