/**
 * `npm run synth-all -w @imgpipe/infra`: one full `cdk synth --all` of the app WITH bundling (esbuild
 * for every function, sharp installed for linux-arm64 from the npm registry), so a bundle
 * that cannot be built fails the build. Then it checks what was built: every function's
 * asset exists, and every bundle that loads sharp ships sharp's linux-arm64 binaries at the
 * pinned version and no other platform's. The cloud assembly goes to a temporary directory,
 * removed afterwards (infra/cdk.out is left alone), and the workspace's node_modules must come
 * out untouched: the run fails if it did not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK_NAMES } from './app';
import { pinnedVersion, REPO_ROOT } from '@imgpipe/infra-shared';

/** sharp's native packages for a Lambda on arm64 (Amazon Linux 2023, glibc). */
export const SHARP_LINUX_ARM64_PACKAGES = ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64'] as const;

/** What a full synth produced, as {@link verifyCloudAssembly} found it. */
export interface CloudAssemblyReport {
  readonly stacks: readonly string[];
  /** Lambda functions whose code is a file asset of the assembly. */
  readonly functionAssets: number;
  /** Of those, the bundles that `require("sharp")`. */
  readonly sharpBundles: number;
  /** Assets that carry sharp without loading it: deployable, but megabytes of dead weight. */
  readonly unusedSharp: readonly string[];
  /** Everything wrong, one line each; empty when the assembly is deployable. */
  readonly problems: readonly string[];
}

interface AssemblyManifest {
  readonly artifacts?: Record<string, { readonly type?: string; readonly properties?: { readonly templateFile?: string } }>;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Metadata?: Record<string, unknown>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Whether any JavaScript file at the top of a bundle loads sharp (esbuild keeps the external `require`). */
function loadsSharp(assetDir: string): boolean {
  return readdirSync(assetDir)
    .filter((file) => /\.(c|m)?js$/.test(file))
    .some((file) => /require\(["']sharp["']\)|from\s*["']sharp["']/.test(readFileSync(join(assetDir, file), 'utf8')));
}

/** The problems of one sharp bundle: sharp missing or at another version, arm64 binaries missing, another platform's present. */
function sharpProblems(assetDir: string, sharpVersion: string): string[] {
  const modules = join(assetDir, 'node_modules');
  const problems: string[] = [];
  const sharpPackage = join(modules, 'sharp', 'package.json');
  if (!existsSync(sharpPackage)) return ['loads sharp but has no node_modules/sharp'];
  const version = readJson<{ version?: string }>(sharpPackage).version;
  if (version !== sharpVersion) problems.push(`ships sharp ${version ?? '?'}, the workspace pins ${sharpVersion}`);
  for (const name of SHARP_LINUX_ARM64_PACKAGES) {
    if (!existsSync(join(modules, name, 'package.json'))) problems.push(`has no ${name} (sharp cannot load on arm64 Lambda)`);
  }
  const img = join(modules, '@img');
  const others = existsSync(img)
    ? readdirSync(img).filter((name) => /^sharp-/.test(name) && !SHARP_LINUX_ARM64_PACKAGES.includes(`@img/${name}` as never))
    : [];
  if (others.length > 0) problems.push(`ships binaries for another platform: ${others.map((n) => `@img/${n}`).join(', ')}`);
  return problems;
}

/**
 * Checks a synthesised cloud assembly (`cdk synth --output <outDir>` with asset metadata on,
 * the CLI's default): every stack of the app is there, every Lambda function's code asset
 * exists, and every bundle that loads sharp carries it for linux-arm64 at `sharpVersion`.
 */
export function verifyCloudAssembly(outDir: string, sharpVersion: string): CloudAssemblyReport {
  const manifest = readJson<AssemblyManifest>(join(outDir, 'manifest.json'));
  const stackArtifacts = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const stacks = stackArtifacts.map(([id]) => id).sort();
  const problems = Object.values(STACK_NAMES)
    .filter((name) => !stacks.includes(name))
    .map((name) => `${name}: not in the cloud assembly`);
  let functionAssets = 0;
  let sharpBundles = 0;
  const unusedSharp: string[] = [];
  for (const [stack, artifact] of stackArtifacts) {
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) {
      problems.push(`${stack}: no template file in the manifest`);
      continue;
    }
    const template = readJson<{ Resources?: Record<string, TemplateResource> }>(join(outDir, templateFile));
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Lambda::Function' || resource.Metadata?.['aws:asset:property'] !== 'Code') continue;
      const assetPath = resource.Metadata['aws:asset:path'];
      if (typeof assetPath !== 'string') continue;
      functionAssets += 1;
      const assetDir = join(outDir, assetPath);
      if (!existsSync(assetDir) || !statSync(assetDir).isDirectory()) {
        problems.push(`${stack}/${logicalId}: asset ${assetPath} is missing`);
        continue;
      }
      const maps = readdirSync(assetDir).filter((file) => file.endsWith('.map'));
      if (maps.length > 0) problems.push(`${stack}/${logicalId} (${assetPath}): ships source maps (${maps.join(', ')}); production bundles carry none`);
      if (!loadsSharp(assetDir)) {
        if (existsSync(join(assetDir, 'node_modules', 'sharp'))) unusedSharp.push(`${stack}/${logicalId}`);
        continue;
      }
      sharpBundles += 1;
      problems.push(...sharpProblems(assetDir, sharpVersion).map((p) => `${stack}/${logicalId} (${assetPath}): ${p}`));
    }
  }
  return { stacks, functionAssets, sharpBundles, unusedSharp, problems };
}

/** Modification times of what an `npm install` in the workspace would touch. */
function nodeModulesFingerprint(): string {
  const paths = ['node_modules', 'node_modules/.package-lock.json', 'node_modules/sharp', 'node_modules/@img'];
  return paths
    .map((p) => join(REPO_ROOT, p))
    .map((p) => `${p}:${existsSync(p) ? statSync(p).mtimeMs : 'absent'}`)
    .join('\n');
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${[command, ...args].join(' ')} failed (${result.status ?? result.signal})`);
  }
}

/** Builds the web UI (Delivery deploys it), synthesises every stack with bundling, checks the assembly. */
export function synthAll(): CloudAssemblyReport {
  const started = Date.now();
  const before = nodeModulesFingerprint();
  // Delivery puts apps/web/dist into its bucket when it exists at synth: build it, so that path is synthesised too.
  run(process.execPath, ['--import', 'tsx', join('apps', 'web', 'build.ts'), '--minify'], REPO_ROOT);
  const outDir = mkdtempSync(join(tmpdir(), 'imgpipe-cdk-out-'));
  try {
    const cdk = join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
    run(
      process.execPath,
      [cdk, 'synth', '--all', '--quiet', '--output', outDir, '--no-notices', '--no-version-reporting'],
      join(REPO_ROOT, 'infra'),
      // No AWS account is needed to synthesise: do not wait for an instance metadata service.
      { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    );
    const report = verifyCloudAssembly(outDir, pinnedVersion('sharp'));
    if (nodeModulesFingerprint() !== before) {
      return { ...report, problems: [...report.problems, 'the workspace node_modules changed during synth'] };
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `synth-all: ${report.stacks.length} stacks, ${report.functionAssets} function assets (${report.sharpBundles} with sharp for linux-arm64) in ${seconds} s`,
    );
    if (report.unusedSharp.length > 0) {
      console.warn(`synth-all: sharp is installed into bundles that never load it: ${report.unusedSharp.join(', ')}`);
    }
    return report;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    const { problems } = synthAll();
    for (const problem of problems) console.error(`synth-all: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
