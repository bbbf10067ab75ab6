/**
 * The allocator environment of every process that runs sharp (libvips), declared once, here
 * in the platform beside the services' environment (SERVICE_ENV): infra's Lambda defaults
 * read it at synth time without depending on image-ops, and image-ops re-exports it
 * (`@imgpipe/image-ops`, `/checks`, `/runtime-env`) for the launchers that run sharp.
 *
 * libvips is threaded, and glibc's malloc gives every thread that allocates its own arena
 * (up to 8 per core) and raises its mmap threshold to the size of the last large buffer freed
 * (up to 32 MiB), after which pixel buffers are carved from those arenas and are not given
 * back. Two arenas, and a fixed 1 MiB threshold (every decoded raster and encoded file is its
 * own mapping, unmapped when freed), keep a long-running process near what its images in
 * flight need: measured in tools/local/README.md ("Memory").
 *
 * glibc reads these variables once, when the process starts, so they cannot be set from
 * JavaScript; each launcher sets them before Node starts:
 * - the root package.json's `start` and `imgpipe` scripts, as `NAME=${NAME:-value}` (a value
 *   already in the environment wins); image-ops' `runtime-env.spec.ts` holds them to this declaration;
 * - the `imgpipe` bin (tools/cli), which runs itself once more with them when they are missing;
 * - the Lambda functions that bundle sharp (infra/shared's default Lambda props; Lambda starts
 *   Node with the function's environment, and its glibc honours them).
 *
 * @example
 * spawn(process.execPath, args, { env: { ...SHARP_ALLOCATOR_ENV, ...process.env } });
 */
export const SHARP_ALLOCATOR_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '1048576',
} as const;

/** The names of {@link SHARP_ALLOCATOR_ENV}. */
export type SharpAllocatorVariable = keyof typeof SHARP_ALLOCATOR_ENV;

/**
 * The node flags of a long-running process that runs sharp (the local runtime, the `imgpipe`
 * CLI that may embed one), set by the same launchers as {@link SHARP_ALLOCATOR_ENV}:
 * `--expose-gc` lets image-ops' `releaseFreedMemory({ collectGarbage: true })` collect the
 * finished images' Buffers before the AVIF step (the runtime's peak), and a 2 MiB young
 * generation keeps V8's heap near what is live (126 -> 95 MiB at a 200-image burst's peak;
 * tools/local/README.md "Memory"), and `--optimize-for-size` grows V8's old generation by less
 * (its committed heap at the peak 98-99 -> 82 MiB, the AVIF step's CPU unchanged; same section).
 */
export const SHARP_RUNTIME_NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=2', '--optimize-for-size'] as const;
