import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** Git settings for the scratch repository only: a fixed identity, no signing, no hooks. */
const GIT_CONFIG = [
  '-c', 'user.name=imgpipe affected test',
  '-c', 'user.email=affected-test@imgpipe.invalid',
  '-c', 'commit.gpgsign=false',
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'init.defaultBranch=main',
];

/**
 * The environment of a child process in the scratch repository: none of the `NX_*` variables
 * an outer Nx run sets for its tasks (`NX_WORKSPACE_ROOT_PATH` would point the inner Nx at
 * the real workspace) and none of git's location overrides; no daemon, no cloud.
 */
function scratchEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('NX_') && !['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE'].includes(name),
    ),
  );
  // Plugins loaded in-process rather than in isolated workers: the same graph, 3 s sooner a run.
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_ISOLATE_PLUGINS: 'false' };
}

/**
 * A throw-away git repository holding the workspace as it is checked out, for running Nx
 * against commits of its own. The files are the working tree's (tracked and untracked, minus
 * what .gitignore excludes), so uncommitted edits count, exactly as in a fresh clone when
 * there are none. `node_modules` mirrors the workspace's entry by entry (symlinks), except
 * `@imgpipe/*`, which points at the scratch copies: Nx follows those links to map an import
 * to a project, and links into the real workspace would take the imports out of the graph.
 */
export class ScratchRepo {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** Copies `workspaceRoot` into a temporary directory and commits it as branch `main`. */
  static fromWorkspace(workspaceRoot: string): ScratchRepo {
    const root = mkdtempSync(join(tmpdir(), 'imgpipe-affected-'));
    const repo = new ScratchRepo(root);
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: workspaceRoot,
      env: scratchEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const file of listed.toString('utf8').split('\0')) {
      const source = join(workspaceRoot, file);
      if (!file || !existsSync(source)) continue; // deleted in the working tree
      const target = join(root, file);
      mkdirSync(dirname(target), { recursive: true });
      if (lstatSync(source).isSymbolicLink()) symlinkSync(readlinkSync(source), target);
      else copyFileSync(source, target);
    }
    repo.git('init', '--quiet');
    repo.git('add', '--all');
    repo.git('commit', '--quiet', '--message', 'workspace');
    repo.linkNodeModules(workspaceRoot);
    return repo;
  }

  /** Runs git in the scratch repository and returns its trimmed output. */
  git(...args: string[]): string {
    return execFileSync('git', [...GIT_CONFIG, ...args], { cwd: this.root, env: scratchEnv() }).toString('utf8').trim();
  }

  /**
   * Commits `change` on a new branch `branch` off `main` (appending a line to each file) and
   * leaves it checked out.
   */
  commitOnBranch(branch: string, change: Readonly<Record<string, string>>): void {
    this.git('checkout', '--quiet', '-b', branch, 'main');
    for (const [file, line] of Object.entries(change)) appendFileSync(join(this.root, file), `${line}\n`);
    this.git('add', '--all');
    this.git('commit', '--quiet', '--message', `change ${Object.keys(change).join(', ')}`);
  }

  /**
   * `nx show projects --affected --base=main --head=HEAD -t <target> --json` in the scratch
   * repository: the projects with `target` that the commits since `main` affect, sorted.
   */
  affectedProjects(target: string): string[] {
    const nx = join(this.root, 'node_modules', 'nx', nxBin(this.root));
    const result = spawnSync(
      process.execPath,
      [nx, 'show', 'projects', '--affected', '--base=main', '--head=HEAD', '-t', target, '--json'],
      { cwd: this.root, env: scratchEnv(), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    if (result.status !== 0) {
      throw new Error(`nx show projects failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`);
    }
    const json = result.stdout
      .split('\n')
      .reverse()
      .find((line) => line.trim().startsWith('['));
    if (json === undefined) throw new Error(`nx printed no project list: ${result.stdout}${result.stderr}`);
    return (JSON.parse(json) as string[]).sort();
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private linkNodeModules(workspaceRoot: string): void {
    const source = join(workspaceRoot, 'node_modules');
    const target = join(this.root, 'node_modules');
    mkdirSync(target);
    for (const entry of readdirSync(source)) {
      // Our own packages point into the scratch copy (below); a cache stays local to it.
      if (entry === '@imgpipe' || entry === '.cache') continue;
      symlinkSync(join(source, entry), join(target, entry));
    }
    mkdirSync(join(target, '@imgpipe'));
    const rootPackage = JSON.parse(readFileSync(join(this.root, 'package.json'), 'utf8')) as { workspaces?: string[] };
    for (const project of workspaceDirectories(this.root, rootPackage.workspaces ?? [])) {
      const { name } = JSON.parse(readFileSync(join(this.root, project, 'package.json'), 'utf8')) as { name?: string };
      if (!name?.startsWith('@imgpipe/')) continue;
      symlinkSync(relative(join(target, '@imgpipe'), join(this.root, project)), join(target, name));
    }
    // The links are not part of any commit.
    appendFileSync(join(this.root, '.git', 'info', 'exclude'), 'node_modules\n');
  }
}

/** `nx`'s command-line entry, relative to its package directory (from its `bin`). */
function nxBin(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'nx', 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  const bin = pkg.bin?.['nx'];
  if (!bin) throw new Error('node_modules/nx/package.json has no "nx" bin');
  return bin;
}

/** The project directories the npm `workspaces` globs name (`apps/*`, `infra`). */
function workspaceDirectories(root: string, globs: readonly string[]): string[] {
  return globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return existsSync(join(root, glob, 'package.json')) ? [glob] : [];
    const parent = glob.slice(0, -2);
    return readdirSync(join(root, parent))
      .map((dir) => `${parent}/${dir}`)
      .filter((dir) => existsSync(join(root, dir, 'package.json')));
  });
}
