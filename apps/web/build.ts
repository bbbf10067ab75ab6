/**
 * `npx tsx apps/web/build.ts [outDir] [--minify]`: builds the UI into `apps/web/dist`
 * (or `outDir`). `buildWeb` is exported for scripts that want it from this path.
 */
import { join } from 'node:path';
import { buildWeb } from './src/build-web';

export { buildWeb, type BuildWebOptions, type BuildWebResult } from './src/build-web';

async function main(args: readonly string[]): Promise<void> {
  const minify = args.includes('--minify');
  const outDir = args.find((arg) => !arg.startsWith('--')) ?? join(__dirname, 'dist');
  const result = await buildWeb({ outDir, minify });
  console.log(`built ${result.files.join(', ')} into ${result.outDir} in ${result.durationMs} ms`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
