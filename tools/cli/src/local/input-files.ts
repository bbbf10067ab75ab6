import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { collectFiles } from '@imgpipe/local';
import { UsageError } from '../errors';
import { guessContentType } from './content-type';
import type { FileToProcess } from './process-images.use-case';

export interface InputFiles {
  readonly files: readonly FileToProcess[];
  /** Files found in folders whose extension is no image format's (not uploaded). */
  readonly skipped: readonly string[];
}

/**
 * The files to process: each file named as it is (whatever its extension: the API says
 * what it refuses), and every non-hidden file with an image extension under each folder,
 * sorted. Shown relative to `cwd`.
 *
 * @throws UsageError for a path that does not exist, or when nothing is left to process.
 */
export async function inputFiles(paths: readonly string[], cwd: string = process.cwd()): Promise<InputFiles> {
  const files = new Map<string, FileToProcess>();
  const skipped: string[] = [];
  const display = (path: string) => {
    const shown = relative(cwd, path);
    return shown.startsWith('..') || shown === '' ? path : shown;
  };
  for (const path of paths) {
    const full = resolve(cwd, path);
    const info = await stat(full).catch(() => undefined);
    if (!info) throw new UsageError(`no such file or folder: ${path}`);
    if (info.isDirectory()) {
      for (const found of await collectFiles([full])) {
        if (guessContentType(found) === undefined) skipped.push(display(found));
        else files.set(found, { path: found, display: display(found) });
      }
    } else {
      files.set(full, { path: full, display: display(full) });
    }
  }
  if (files.size === 0) throw new UsageError(`no image files in ${paths.join(', ')}${skipped.length > 0 ? ` (skipped ${skipped.length} other file(s))` : ''}`);
  return { files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)), skipped };
}
