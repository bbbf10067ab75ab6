import { chmod, lstat, mkdir } from 'node:fs/promises';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

/** What the data directory's own mode is: its owner only (it holds every user's originals, the archive and the secrets). */
export const DATA_DIRECTORY_MODE = 0o700;

/** A data directory the runtime will not use: a symlink, not a directory, or another OS user's. */
export class UnsafeDataDirectoryError extends ImgpipeError<'UNSAFE_DATA_DIRECTORY'> {
  override readonly name = 'UnsafeDataDirectoryError';

  constructor(message: string) {
    super({ code: 'UNSAFE_DATA_DIRECTORY', message });
  }
}

export interface PrepareDataDirectoryOptions {
  /** The OS user that must own the directory (default this process's, `process.getuid()`). */
  readonly uid?: number;
}

/**
 * Makes `root` (created if missing) a directory only its owner can enter: mode 0700, whatever
 * the umask made it and whatever an older runtime left (0755 before issue 9's R1 fix). The
 * 0600 on `secret`, `credentials.json` and `admin-token` does not cover the originals (with
 * their EXIF/GPS), the tables, the archive and the logs beside them: the directory's own mode
 * is the boundary against another local user. A symlink, a non-directory, or a directory
 * owned by another user is refused: its owner could read or swap anything written into it.
 *
 * @throws UnsafeDataDirectoryError (code `UNSAFE_DATA_DIRECTORY`).
 */
export async function prepareDataDirectory(root: string, options: PrepareDataDirectoryOptions = {}): Promise<void> {
  await mkdir(root, { recursive: true, mode: DATA_DIRECTORY_MODE }).catch((error: NodeJS.ErrnoException) => {
    // A file in its place: refused below, with a reason.
    if (error.code !== 'EEXIST') throw error;
  });
  const stats = await lstat(root);
  if (stats.isSymbolicLink()) throw new UnsafeDataDirectoryError(`the data directory ${root} is a symbolic link; give its real path`);
  if (!stats.isDirectory()) throw new UnsafeDataDirectoryError(`the data directory ${root} is not a directory`);
  const uid = options.uid ?? process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new UnsafeDataDirectoryError(`the data directory ${root} belongs to another user (uid ${stats.uid}); use a directory of your own`);
  }
  if ((stats.mode & 0o777) !== DATA_DIRECTORY_MODE) await chmod(root, DATA_DIRECTORY_MODE);
}
