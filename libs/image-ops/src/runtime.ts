/**
 * libvips settings for the process: thread count and operation cache.
 */
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

/** Options of {@link configureImageRuntime}. */
export interface ImageRuntimeOptions {
  /** libvips worker threads per image. Default: the machine's `os.availableParallelism()`. */
  concurrency?: number;
  /** libvips operation cache in MB; 0 (default) turns it off. */
  cacheMemoryMb?: number;
}

/** The settings in force, as {@link configureImageRuntime} applied them. */
export interface ImageRuntimeSettings {
  concurrency: number;
  cacheMemoryMb: number;
}

let applied: ImageRuntimeSettings | undefined;

/**
 * Sizes libvips to the machine. sharp's own default on glibc Linux without jemalloc is
 * ONE thread (to limit heap fragmentation), which leaves cores idle during decode and
 * resize; we use every core instead and contain the allocator with `MALLOC_ARENA_MAX=2`
 * in the process environment (see the README). The operation cache is off by default:
 * a function processes each image once, so cached operations only hold memory.
 *
 * Called with defaults on first use of any image operation; call it yourself first to
 * choose other values.
 */
export function configureImageRuntime(options: ImageRuntimeOptions = {}): ImageRuntimeSettings {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? availableParallelism()));
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
