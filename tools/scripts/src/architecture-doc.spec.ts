import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { allContracts } from '@imgpipe/contracts';
import { eventRules, loadPipelineDefinition } from '@imgpipe/workflow';

/**
 * docs/architecture.md (and the README) stay true to the code: every repository path they
 * name exists, every relative link resolves, and the architecture page names every event
 * contract (with each of its versions), every event rule and every state of the pipeline.
 */
const root = resolve(__dirname, '../../..');
const ARCHITECTURE = 'docs/architecture.md';
const DOCS = [ARCHITECTURE, 'README.md'] as const;

/** A backticked token that names a file or folder of this repository (not a placeholder or a glob). */
const REPO_PATH = /^(?:apps|libs|tools|infra|docs|\.ci)\/[\w.@/-]*$|^[\w.-]+\.(?:md|json|mjs|cjs)$/;

function read(doc: string): string {
  return readFileSync(join(root, doc), 'utf8');
}

/** Backticked spans outside fenced code blocks. */
function backticked(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
}

function repoPaths(markdown: string): string[] {
  return [...new Set(backticked(markdown).filter((token) => REPO_PATH.test(token)))];
}

function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1] as string)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

function stateNames(states: Record<string, { Branches?: { States: Record<string, unknown> }[] }>): string[] {
  return Object.entries(states).flatMap(([name, state]) => [
    name,
    ...(state.Branches ?? []).flatMap((branch) => stateNames(branch.States as Parameters<typeof stateNames>[0])),
  ]);
}

describe.each(DOCS)('%s', (doc) => {
  const markdown = read(doc);

  it('names only repository paths that exist', () => {
    const paths = repoPaths(markdown);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  it('links only to files that exist', () => {
    const broken = relativeLinks(markdown).filter((target) => !existsSync(resolve(root, dirname(doc), target)));
    expect(broken).toEqual([]);
  });

  it('does not send readers outside the repository', () => {
    expect(markdown).not.toMatch(/\.\.\/shared\//);
  });
});

describe('README.md', () => {
  it('runs only npm scripts that exist (root, or the -w workspace package)', () => {
    const scriptsOf = (dir: string): string[] =>
      Object.keys((JSON.parse(read(join(dir, 'package.json'))) as { scripts?: Record<string, string> }).scripts ?? {});
    const workspaceDir = (name: string): string => {
      const match = /^@imgpipe\/(.+)$/.exec(name);
      const found = ['apps', 'libs', 'tools', '.'].map((d) => join(d, match?.[1] ?? '')).find((d) => existsSync(join(root, d, 'package.json')));
      return found ?? `(no workspace ${name})`;
    };
    const runs = [...read('README.md').matchAll(/npm run ([\w:-]+)(?: -w (\S+))?/g)].map((m) => ({
      script: m[1] as string,
      dir: m[2] ? workspaceDir(m[2]) : '.',
    }));
    expect(runs.length).toBeGreaterThan(3);
    const missing = runs.filter(({ script, dir }) => !existsSync(join(root, dir, 'package.json')) || !scriptsOf(dir).includes(script));
    expect(missing).toEqual([]);
  });
});

describe(`${ARCHITECTURE} covers the code`, () => {
  const markdown = read(ARCHITECTURE);
  const named = new Set(backticked(markdown));

  it.each([...new Set(allContracts.map((c) => c.detailType))])('the events table has %s with every version', (detailType) => {
    const row = markdown.split('\n').find((line) => line.startsWith(`| \`${detailType}\` |`));
    expect(row).toBeDefined();
    const versions = (row?.split('|')[2] ?? '').split(',').map((v) => Number(v.trim()));
    expect(versions).toEqual(allContracts.filter((c) => c.detailType === detailType).map((c) => c.version));
  });

  it('names every event rule', () => {
    const rules = eventRules({ originalsBucketName: 'originals' }).map((rule) => rule.name);
    expect(rules.filter((name) => !named.has(name))).toEqual([]);
  });

  it('names every state of the pipeline', () => {
    const { States } = loadPipelineDefinition() as unknown as { States: Parameters<typeof stateNames>[0] };
    const states = stateNames(States);
    expect(states.length).toBeGreaterThan(5);
    expect(states.filter((name) => !named.has(name))).toEqual([]);
  });

  it('draws the flow and the deletion lifecycle in Mermaid', () => {
    expect(markdown).toMatch(/^```mermaid\nflowchart /m);
    expect(markdown).toMatch(/^```mermaid\nstateDiagram-v2\n/m);
  });
});

describe('the path check itself', () => {
  it('catches a path that does not exist and ignores placeholders and prose', () => {
    const paths = repoPaths('see `apps/nope/src/gone.ts`, `infra/services/<service>`, `uploads/{userId}`, `npm test`');
    expect(paths).toEqual(['apps/nope/src/gone.ts']);
    expect(existsSync(join(root, paths[0] as string))).toBe(false);
  });
});
