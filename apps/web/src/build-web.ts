/**
 * Builds the browser UI into a folder a static server can serve as it is: `main.js` (the
 * bundle of `src/main.ts`, with its source map), `index.html` and `styles.css`.
 * Node-side only (esbuild); the local runtime calls it at start, CI and `build.ts` too.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** `apps/web/src`: the entry point and the static files. */
export const WEB_SOURCE_DIR = __dirname;

/** The files copied next to the bundle, as they are. */
export const STATIC_FILES = ['index.html', 'styles.css'] as const;

export interface BuildWebOptions {
  /** Where to write; created when missing. Existing files of the same names are replaced. */
  readonly outDir: string;
  /** Minify the bundle (for a deployed CDN); the local runtime leaves it readable. */
  readonly minify?: boolean;
}

export interface BuildWebResult {
  readonly outDir: string;
  /** The files written, relative to `outDir`. */
  readonly files: readonly string[];
  readonly durationMs: number;
}

/**
 * Bundles `src/main.ts` to `<outDir>/main.js` (ES2022 module, linked source map) and copies
 * `index.html` and `styles.css` beside it.
 *
 * @throws the esbuild error (with file and line) when the sources do not compile.
 * @example
 * await buildWeb({ outDir: join(dataDir, 'web') });
 * // then serve <dataDir>/web statically, with index.html for `/`
 */
export async function buildWeb(options: BuildWebOptions): Promise<BuildWebResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(WEB_SOURCE_DIR, 'main.ts')],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    sourcemap: 'linked',
    minify: options.minify ?? false,
    legalComments: 'none',
    logLevel: 'silent',
    // Never read the repository's tsconfig paths or decorators settings: the UI has none.
    tsconfigRaw: {},
  });
  await Promise.all(STATIC_FILES.map((file) => copyFile(join(WEB_SOURCE_DIR, file), join(outDir, file))));
  return {
    outDir,
    files: ['main.js', 'main.js.map', ...STATIC_FILES],
    durationMs: Math.round(performance.now() - started),
  };
}
