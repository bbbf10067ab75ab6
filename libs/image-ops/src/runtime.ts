/**
 * libvips settings for the process: thread count and operation cache. The one place that
 * calls `sharp.concurrency` and `sharp.cache`; the Lambda handlers, the local runtime
 * (`npm start`), the batch mode and the bench all go through {@link configureImageRuntime}.
 *
 * The allocator cannot be set from here: glibc reads `MALLOC_ARENA_MAX` (and the other
 * `MALLOC_*` variables) once, when the process starts, before any JavaScript runs. Their values
 * are declared once, `SHARP_ALLOCATOR_ENV` (@imgpipe/platform, re-exported by ./runtime-env.ts), and set where each
 * process is started: the root package.json's `start` and `imgpipe` scripts (held to it by
 * runtime-env.spec.ts), the Lambda functions that bundle sharp (infra/shared), `npm run bench`'s
 * workers (tools/bench; `MALLOC_ARENA_MAX` only). Measured in tools/local/README.md ("Memory").
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

/** Options of {@link configureImageRuntime}. */
export interface ImageRuntimeOptions {
  /**
   * libvips worker threads per image. Default: every core (`os.availableParallelism()`) when
   * the allocator is contained, else sharp's own default for the process (see
   * {@link configureImageRuntime}).
   */
  concurrency?: number;
  /** libvips operation cache in MB; 0 (default) turns it off. */
  cacheMemoryMb?: number;
}

/** The settings in force, as {@link configureImageRuntime} applied them. */
export interface ImageRuntimeSettings {
  concurrency: number;
  cacheMemoryMb: number;
}

/**
 * sharp's own thread count, as it chose it when it loaded (before anything here changed it):
 * ONE thread on glibc Linux when neither `MALLOC_ARENA_MAX` is set nor jemalloc is in use,
 * to limit heap fragmentation; libvips' default (every core) otherwise. So `> 1` means the
 * process was started with its allocator contained.
 */
const SHARP_LOAD_CONCURRENCY = sharp.concurrency();

let applied: ImageRuntimeSettings | undefined;

/**
 * Sizes libvips to the machine. In a process started with its allocator contained (see the
 * module comment) every core is used, which a WebP encode beside a rendition set needs; in
 * one that was not (a plain `node`/`tsx` run, a test runner), sharp's safe default of one
 * thread is kept rather than let a long run grow toward 1 GB. The operation cache is off:
 * each image is processed once, so cached operations only hold memory.
 *
 * Called with defaults on first use of any image operation; call it yourself first to
 * choose other values.
 */
export function configureImageRuntime(options: ImageRuntimeOptions = {}): ImageRuntimeSettings {
  const defaultConcurrency = SHARP_LOAD_CONCURRENCY > 1 ? availableParallelism() : SHARP_LOAD_CONCURRENCY;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? defaultConcurrency));
  const cacheMemoryMb = Math.max(0, Math.floor(options.cacheMemoryMb ?? 0));
  sharp.concurrency(concurrency);
  if (cacheMemoryMb === 0) sharp.cache(false);
  else sharp.cache({ memory: cacheMemoryMb, files: 0, items: 100 });
  applied = { concurrency, cacheMemoryMb };
  return applied;
}

/** Applies the default runtime settings once, unless the caller configured them. @internal */
export function ensureImageRuntime(): ImageRuntimeSettings {
  return applied ?? configureImageRuntime();
}

/**
 * The one libc function {@link releaseFreedMemory} calls, as koffi binds it: called directly it
 * runs on the calling thread; `async` runs it on one of koffi's own threads and calls back.
 */
interface MallocTrim {
  (pad: number): number;
  async(pad: number, callback: (error: unknown, result: number) => void): void;
}

/** koffi's API as far as it is used here (koffi is an optional dependency, loaded at run time). */
interface Koffi {
  load(path: string): { func(prototype: string): MallocTrim };
}

/** `malloc_trim` once bound; `null` where it cannot be (not glibc, koffi absent). */
let mallocTrim: MallocTrim | null | undefined;

/** Whether this process runs on glibc: the only libc whose `malloc_trim` is meant here. */
function onGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime !== undefined;
}

function bindMallocTrim(): MallocTrim | null {
  if (!onGlibc()) return null;
  try {
    // Hand-written binding of one C function through koffi (a maintained, prebuilt FFI):
    // Node has no binding for malloc_trim. Loaded with require so that a process without
    // koffi (a Lambda bundle that does not ship it, a machine without it) simply skips this.
    const koffi = createRequire(__filename)('koffi') as Koffi;
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
  } catch {
    return null;
  }
}

/** Options of {@link releaseFreedMemory}. */
export interface ReleaseFreedMemoryOptions {
  /**
   * First run a full V8 garbage collection, when the process exposes one (`--expose-gc`, as
   * `npm start` does): the Buffers of finished images (decoded rasters, encoded files) are
   * native memory that V8 frees only when it collects them, which it does late, since their
   * size barely counts toward its own heap. Costs a full GC (tens of ms on the main thread):
   * use it off the latency path (before the local runtime's AVIF step, and in `compressStill`
   * between its quality search and its full-size encode), not after every task.
   * Default false.
   */
  collectGarbage?: boolean;
}

/**
 * Gives the free memory inside glibc's malloc arenas back to the system: `malloc_trim(0)`.
 * libvips frees its tiles, rows and encoder state with `free()`, and glibc keeps those pages
 * (only the top of an arena is ever trimmed by itself), so a long-running process that has
 * decoded a large image stays at that image's size after it is done. Call it when a piece of
 * image work ends and when the process turns idle; it costs a few milliseconds (a walk over the
 * arenas' free chunks, `madvise` on whole free pages) and changes no result.
 *
 * The trim is a no-op where it cannot apply: not Linux with glibc (musl, macOS), or the
 * optional `koffi` package is not installed. Measured in tools/local/README.md ("Memory").
 *
 * @returns whether glibc gave memory back.
 */
export function releaseFreedMemory(options: ReleaseFreedMemoryOptions = {}): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (options.collectGarbage && typeof gc === 'function') gc();
  if (mallocTrim === undefined) mallocTrim = bindMallocTrim();
  return mallocTrim !== null && mallocTrim(0) === 1;
}

/**
 * {@link releaseFreedMemory} without the V8 collection, run off the calling thread: koffi's
 * asynchronous call runs `malloc_trim(0)` on a thread of libuv's pool (the one sharp's
 * pipelines and file reads also use; glibc locks each arena while trimming it, so the trim is
 * safe beside other threads' allocations) and the promise settles when it is done. For the end
 * of an image task, where the trim's 10-100 ms (measured in tools/local/README.md) would
 * otherwise hold the event loop before the next state can start; nothing needs to await it.
 * Never rejects: resolves false where the trim cannot apply or failed.
 */
export function releaseFreedMemoryInBackground(): Promise<boolean> {
  if (mallocTrim === undefined) mallocTrim = bindMallocTrim();
  const trim = mallocTrim;
  if (trim === null) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      trim.async(0, (error, result) => resolve(error === null || error === undefined ? result === 1 : false));
    } catch {
      resolve(false);
    }
  });
}

/** Whether {@link releaseFreedMemory} can do anything in this process (glibc and koffi). */
export function canReleaseFreedMemory(): boolean {
  if (mallocTrim === undefined) mallocTrim = bindMallocTrim();
  return mallocTrim !== null;
}
