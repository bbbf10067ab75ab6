import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { probe } from '@imgpipe/image-ops';
import { PHOTO_CATALOGUE, type Photo } from './photo-set';

/** The photos that could be had, and why any could not. */
export interface FetchOutcome {
  readonly photos: readonly Photo[];
  readonly problems: readonly string[];
}

const run = (command: string, args: readonly string[], cwd?: string) =>
  spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });

const lastLine = (text: string | null | undefined): string =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('W: Download is performed unsandboxed'))
    .pop() ?? '';

/** `name_1.2-3_all.deb` -> `name 1.2-3`; the epoch colon is %3a in file names. */
const originOf = (deb: string): string => {
  const [name, version] = basename(deb, '.deb').split('_');
  return `${name ?? deb} ${decodeURIComponent(version ?? '?')}`;
};

const findDeb = (dir: string, pkg: string): string | undefined =>
  existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb')) : undefined;

/**
 * Makes sure one package is downloaded and unpacked under the cache, with `apt-get
 * download` (no root needed; needs the apt lists and the network the first time) and
 * `dpkg-deb -x`. Returns the package's origin line, or throws a message a person can act on.
 */
function ensurePackage(cacheDir: string, pkg: string, needed: readonly string[]): string {
  const debDir = join(cacheDir, 'debs');
  const rootDir = join(cacheDir, 'extracted', pkg);
  let deb = findDeb(debDir, pkg);
  if (deb && needed.every((path) => existsSync(join(rootDir, path)))) return originOf(deb);
  if (!deb) {
    if (run('apt-get', ['--version']).error) throw new Error('apt-get is not available on this machine');
    mkdirSync(debDir, { recursive: true });
    const download = run('apt-get', ['download', pkg], debDir);
    deb = findDeb(debDir, pkg);
    if (download.status !== 0 || !deb) {
      throw new Error(
        `apt-get download ${pkg} failed (${lastLine(download.stderr) || `exit ${download.status}`}); ` +
          'offline, or the apt lists need an `apt-get update`',
      );
    }
  }
  mkdirSync(rootDir, { recursive: true });
  const unpack = run('dpkg-deb', ['-x', join(debDir, deb), rootDir]);
  if (unpack.error || unpack.status !== 0) {
    throw new Error(`dpkg-deb -x ${deb} failed: ${unpack.error?.message ?? lastLine(unpack.stderr)}`);
  }
  return originOf(deb);
}

/**
 * Fetches the catalogue's packages into `cacheDir` (once; later runs reuse the cache) and
 * probes every photo with image-ops. A package that cannot be had is reported and skipped.
 */
export async function fetchPhotos(cacheDir: string, log: (line: string) => void): Promise<FetchOutcome> {
  const problems: string[] = [];
  const photos: Photo[] = [];
  const packages = [...new Set(PHOTO_CATALOGUE.map((entry) => entry.pkg))];
  const origins = new Map<string, string>();
  for (const pkg of packages) {
    const needed = PHOTO_CATALOGUE.filter((entry) => entry.pkg === pkg).map((entry) => entry.path);
    try {
      log(`photos: ${pkg}`);
      origins.set(pkg, ensurePackage(cacheDir, pkg, needed));
    } catch (error) {
      problems.push(`${pkg}: ${(error as Error).message}`);
    }
  }
  for (const entry of PHOTO_CATALOGUE) {
    const origin = origins.get(entry.pkg);
    if (origin === undefined) continue;
    const file = join(cacheDir, 'extracted', entry.pkg, entry.path);
    if (!existsSync(file)) {
      problems.push(`${entry.pkg}: ${entry.path} is not in this version of the package`);
      continue;
    }
    const bytes = readFileSync(file);
    const facts = await probe(bytes);
    photos.push({
      file,
      name: basename(file),
      origin,
      packagePath: `/${entry.path}`,
      format: facts.format,
      width: facts.width,
      height: facts.height,
      bytes: bytes.length,
    });
  }
  return { photos, problems };
}
