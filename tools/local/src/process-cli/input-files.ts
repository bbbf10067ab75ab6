import { open, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { SNIFF_BYTES, sniffFormat } from '@imgpipe/image-ops/checks';
import { collectFiles } from '../batch';
import { suggestion } from './did-you-mean';
import type { FileToProcess } from './image-result';
import { UnavailableError } from './exit-codes';

export interface InputFiles {
  readonly files: readonly FileToProcess[];
  /** Files found in folders whose first bytes are no image format's (not processed), as shown. */
  readonly skipped: readonly string[];
}

export interface InputFilesOptions {
  /** Paths are relative to it, and shown relative to it (default: the process's). */
  readonly cwd?: string;
  /** The command's subcommands: a missing path close to one is suggested (`repaly` -> `replay`). */
  readonly subcommands?: readonly string[];
}

/** What is read of each file found: SVG, a text format, may sit behind a prolog (image-ops scans 4 KiB of it). */
const HEAD_BYTES = Math.max(SNIFF_BYTES, 4096);

/** Whether the file's magic bytes are an image format's (image-ops' own sniffing, as ingest does it). */
async function looksLikeImage(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, head.byteLength, 0);
    return sniffFormat(head.subarray(0, bytesRead)) !== undefined;
  } finally {
    await file.close();
  }
}

/**
 * The files to process: each file named as it is (whatever it holds: the pipeline says what
 * it refuses, and why), and every non-hidden file under each folder whose magic bytes are an
 * image format's (a `manifest.tsv`, a `README` beside the photos are skipped, not refused),
 * sorted. Shown relative to `cwd`.
 *
 * @throws UnavailableError for a path that does not exist, or when nothing is left to process.
 */
export async function inputFiles(paths: readonly string[], options: InputFilesOptions = {}): Promise<InputFiles> {
  const cwd = options.cwd ?? process.cwd();
  const files = new Map<string, FileToProcess>();
  const skipped: string[] = [];
  const display = (path: string) => {
    const shown = relative(cwd, path);
    return shown.startsWith('..') || shown === '' ? path : shown;
  };
  for (const path of paths) {
    const full = resolve(cwd, path);
    const info = await stat(full).catch(() => undefined);
    if (!info) {
      throw new UnavailableError(`no such file or folder: ${path}${suggestion(path, options.subcommands ?? [])}`);
    }
    if (info.isDirectory()) {
      for (const found of await collectFiles([full])) {
        if (await looksLikeImage(found)) files.set(found, { path: found, display: display(found) });
        else skipped.push(display(found));
      }
    } else {
      files.set(full, { path: full, display: display(full) });
    }
  }
  if (files.size === 0) {
    throw new UnavailableError(`no image files in ${paths.join(', ')}${skipped.length > 0 ? ` (skipped ${skipped.length} other file(s))` : ''}`);
  }
  return { files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)), skipped };
}

/** The note on stderr about the files skipped, or `''`. */
export function skippedNote(skipped: readonly string[]): string {
  if (skipped.length === 0) return '';
  return `imgpipe: skipping ${skipped.length} file(s) that are not images (no image signature in their first bytes): ${skipped.join(', ')}\n`;
}
