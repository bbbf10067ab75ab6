import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDataDirectory, UnsafeDataDirectoryError } from './data-directory';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'imgpipe-datadir-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('prepareDataDirectory', () => {
  it('creates a missing data directory for its owner only (0700), whatever the umask', async () => {
    const root = join(base, 'nested', '.imgpipe');
    const umask = process.umask(0o022);
    try {
      await prepareDataDirectory(root);
    } finally {
      process.umask(umask);
    }
    expect(await modeOf(root)).toBe(0o700);
  });

  it('closes a data directory an older runtime left readable by every local user (0755 -> 0700)', async () => {
    const root = join(base, '.imgpipe');
    await mkdir(root, { mode: 0o755 });
    await writeFile(join(root, 'runtime.json'), '{}');

    await prepareDataDirectory(root);

    expect(await modeOf(root)).toBe(0o700);
  });

  it('refuses a data directory that is a symbolic link (its target could be anyone’s)', async () => {
    const target = join(base, 'elsewhere');
    await mkdir(target, { mode: 0o755 });
    const root = join(base, '.imgpipe');
    await symlink(target, root);

    await expect(prepareDataDirectory(root)).rejects.toBeInstanceOf(UnsafeDataDirectoryError);
    expect(await modeOf(target)).toBe(0o755);
  });

  it('refuses a data directory another OS user owns', async () => {
    const root = join(base, '.imgpipe');
    await mkdir(root);
    const otherUid = (process.getuid?.() ?? 0) + 1;

    await expect(prepareDataDirectory(root, { uid: otherUid })).rejects.toMatchObject({ code: 'UNSAFE_DATA_DIRECTORY' });
  });

  it('refuses a data directory that is a file', async () => {
    const root = join(base, 'file');
    await writeFile(root, 'x');

    await expect(prepareDataDirectory(root)).rejects.toBeInstanceOf(UnsafeDataDirectoryError);
  });
});
