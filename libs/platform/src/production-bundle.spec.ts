import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';

/*
 * What a Lambda bundles is what esbuild reaches from its entry file. These specs bundle every
 * Lambda entry as the CDK app does (`bundlingFor` in infra/shared: CJS, node22, only sharp left
 * out) and walk the module graph esbuild records in its metafile: no entry may reach a fake,
 * a local peer, a test helper, s3rver or dynalite (they stay in `@imgpipe/platform/testing`),
 * nor the contracts' file-reading artifact helpers (`@imgpipe/contracts/artifacts`).
 */

const REPO_ROOT = resolve(__dirname, '../../..');

/** Files no Lambda may reach, as esbuild names them (relative to the repo, `/` separators). */
const TEST_ONLY: readonly RegExp[] = [
  /(^|\/)node_modules\/(s3rver|dynalite)\//,
  /^libs\/platform\/src\/ports\/(in-memory-[^/]+|recording-fakes|manual-clock)\.ts$/,
  // Every project's `src/testing/` folder: the platform's local peers, apps' harnesses, image-ops' test images.
  /^(apps|libs|tools)\/[^/]+\/src\/testing\//,
  // The contracts' checked-in schemas and examples, read from disk (`@imgpipe/contracts/artifacts`).
  /^libs\/contracts\/src\/artifacts\.ts$/,
  /\.spec\.ts$/,
];

/** Every Lambda entry file: `apps/<service>/src/handlers/<name>.handler.ts` (what infra's `entry:` names). */
function lambdaEntries(): string[] {
  const apps = join(REPO_ROOT, 'apps');
  return readdirSync(apps, { withFileTypes: true })
    .filter((app) => app.isDirectory())
    .flatMap((app) => {
      const handlers = join(apps, app.name, 'src', 'handlers');
      try {
        return readdirSync(handlers)
          .filter((file) => file.endsWith('.handler.ts'))
          .map((file) => `apps/${app.name}/src/handlers/${file}`);
      } catch {
        return [];
      }
    })
    .sort();
}

async function moduleGraph(entryPoints: readonly string[]): Promise<Metafile> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [...entryPoints],
    bundle: true,
    write: false,
    outdir: 'out',
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['sharp'],
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

/** The files reachable from `entry` through the imports esbuild followed (externals excluded). */
function reachable(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const edge of metafile.inputs[file]?.imports ?? []) {
      if (edge.external || seen.has(edge.path)) continue;
      seen.add(edge.path);
      queue.push(edge.path);
    }
  }
  return [...seen];
}

const testOnly = (files: readonly string[]) => files.filter((file) => TEST_ONLY.some((pattern) => pattern.test(file)));

describe('production bundles', () => {
  it('finds the Lambda entries of every service', () => {
    const services = new Set(lambdaEntries().map((entry) => entry.split('/')[1]));

    expect([...services].sort()).toEqual(['compress', 'ingest', 'metadata', 'notify', 'thumbnail']);
  });

  it('no Lambda entry reaches a fake, a local peer, a test helper, s3rver or dynalite', async () => {
    const entries = lambdaEntries();
    const metafile = await moduleGraph(entries);

    const leaks = Object.fromEntries(entries.map((entry) => [entry, testOnly(reachable(metafile, entry))]));

    expect(leaks).toEqual(Object.fromEntries(entries.map((entry) => [entry, []])));
    // The walk is real: the handlers do reach the platform's production code.
    expect(reachable(metafile, 'apps/ingest/src/handlers/http-api.handler.ts')).toContain('libs/platform/src/aws/s3-object-store.adapter.ts');
  });

  it('the testing entry is where the fakes and local peers are (the check above would see them)', async () => {
    const entry = 'libs/platform/src/testing/index.ts';
    const metafile = await moduleGraph([entry]);

    const found = testOnly(reachable(metafile, entry));

    expect(found).toEqual(
      expect.arrayContaining([
        'libs/platform/src/ports/in-memory-object-store.ts',
        'libs/platform/src/ports/recording-fakes.ts',
        'libs/platform/src/ports/manual-clock.ts',
        'libs/platform/src/testing/local-peers.ts',
        'libs/platform/src/testing/sigv4-verifier.ts',
      ]),
    );
  });
});
