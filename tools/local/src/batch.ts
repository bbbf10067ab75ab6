import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { createCompressImage } from '@imgpipe/compress';
import { createGenerateThumbnails } from '@imgpipe/thumbnail';
import type { ImageUploadedData } from '@imgpipe/contracts';
import {
  checkUploadHead,
  isInvalidImageError,
  renditionSetVersion,
  type CompressOptionsInput,
  type InputPolicy,
  type RenditionSet,
} from '@imgpipe/image-ops';
import { FileSystemObjectStore } from './file-system-object-store';

const ORIGINALS = 'originals';
const PROCESSED = 'processed';
const USER = 'local';

export interface BatchOptions {
  readonly outDir: string;
  readonly concurrency: number;
  readonly renditionSet: RenditionSet;
  readonly compress?: CompressOptionsInput;
  readonly policy?: InputPolicy;
  /** Called after each file, for a progress line. */
  readonly onProgress?: (done: number, total: number, row: BatchRow) => void;
}

export interface BatchRow {
  readonly file: string;
  readonly originalBytes: number;
  readonly status: 'processed' | 'invalid' | 'error';
  readonly webpBytes?: number;
  /** The primary full-size variant's size. */
  readonly compressedBytes?: number;
  readonly savingsPercent?: number;
  /** The rendition names made, e.g. `small`. */
  readonly renditions?: string[];
  /** The derivatives' keys under `outDir`. */
  readonly outputs?: string[];
  readonly ms: number;
  /** The classified code of a refused file (`EMPTY`, `UNSUPPORTED_FORMAT` ...), or the error's name. */
  readonly code?: string;
  /** `CODE: reason` for a refused or failed file. */
  readonly error?: string;
}

/** Every regular, non-hidden file under the given files and folders, sorted. */
export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(path);
    const info = await stat(full);
    if (info.isDirectory()) {
      const entries = await readdir(full, { recursive: true, withFileTypes: true });
      for (const entry of entries) {
        if (entry.isFile() && !entry.name.startsWith('.')) files.push(join(entry.parentPath, entry.name));
      }
    } else if (info.isFile()) {
      files.push(full);
    }
  }
  return [...new Set(files)].sort();
}

/** The full-size WebP variant's size, when one was made. */
function webpSize(variants: readonly { readonly format: string; readonly size: number }[]): { webpBytes?: number } {
  const webp = variants.find((v) => v.format === 'webp');
  return webp ? { webpBytes: webp.size } : {};
}

function imageIdFor(file: string): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'image';
  return `${stem}-${createHash('sha256').update(file).digest('hex').slice(0, 8)}`;
}

/**
 * The offline batch mode of `npm start -- <files or folders>`: runs the compress and
 * thumbnail use cases (the very ones the Lambdas run) over local files, writing outputs to
 * `<outDir>/compressed/...` and `<outDir>/thumbnails/...`. A bad file is reported with its
 * classified code and does not stop the others.
 */
export async function runBatch(paths: readonly string[], options: BatchOptions): Promise<BatchRow[]> {
  const files = await collectFiles(paths);
  const store = new FileSystemObjectStore(options.outDir, { [ORIGINALS]: '/', [PROCESSED]: '.' });
  const common = { store, processedBucket: PROCESSED, originalsBucket: ORIGINALS, policy: options.policy };
  // Compress makes the set's large renditions from its full-size decode, the thumbnail task the rest (issue 13).
  const compressImage = createCompressImage({ ...common, options: options.compress, renditionSet: options.renditionSet });
  const generateThumbnails = createGenerateThumbnails({ ...common, renditionSet: options.renditionSet });
  const renditionsVersion = renditionSetVersion(options.renditionSet);

  const rows: BatchRow[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index] as string;
      const row = await processOne(file);
      rows[index] = row;
      options.onProgress?.(++done, files.length, row);
    }
  };

  async function processOne(file: string): Promise<BatchRow> {
    const started = performance.now();
    const bytes = await readFile(file);
    const size = bytes.byteLength;
    try {
      // The same gate ingest applies before it admits an upload: real type from magic
      // bytes, byte and pixel limits from the header, before anything is decoded.
      const head = await checkUploadHead(bytes.subarray(0, 64 * 1024), size, options.policy);
      const input: ImageUploadedData = {
      imageId: imageIdFor(file),
      userId: USER,
      original: {
        bucket: ORIGINALS,
        key: file.replace(/^\/+/, ''),
        size,
        contentHash: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
        contentType: 'application/octet-stream',
        filename: basename(file),
      },
      format: head.format,
      width: head.width,
      height: head.height,
      renditionsVersion,
      uploadedAt: new Date().toISOString(),
    };
      const [compressed, thumbnails] = await Promise.all([compressImage(input), generateThumbnails(input)]);
      const made = [...thumbnails.renditions, ...(compressed.renditions ?? [])];
      return {
        file,
        originalBytes: size,
        status: 'processed',
        ...webpSize(compressed.variants),
        compressedBytes: compressed.compressedSize,
        savingsPercent: compressed.savingsPercent,
        // A rendition in several formats (JPEG and WebP) is one name; `outputs` lists every file.
        renditions: [...new Set(made.map((r) => r.name))],
        outputs: [...compressed.variants.map((v) => v.key), ...made.map((r) => r.key)],
        ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      if (isInvalidImageError(error)) {
        return { file, originalBytes: size, status: 'invalid', ms, code: error.code, error: `${error.code}: ${error.message}` };
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { file, originalBytes: size, status: 'error', ms, code: error instanceof Error ? error.name : 'Error', error: message };
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, files.length)) }, worker));
  return rows;
}
