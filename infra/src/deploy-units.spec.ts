import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK_NAMES } from './app';
import { parseDeployAffectedArgs, appStackGraph } from './deploy-affected';
import {
  cdkCommand,
  DEPLOY_UNIT_ROOTS,
  DEPLOY_UNITS,
  orderedDeployCommand,
  orderedStacks,
  type DeployUnit,
  type StackGraph,
} from './deploy-units';
import { REPO_ROOT } from '@imgpipe/infra-shared';

interface TargetConfig {
  readonly command?: string;
  readonly options?: { readonly cwd?: string; readonly command?: string };
  readonly inputs?: unknown[];
  readonly dependsOn?: unknown[];
  readonly cache?: boolean;
  readonly parallelism?: boolean;
}

interface GraphNode {
  readonly data: { readonly root: string; readonly targets: Record<string, TargetConfig>; readonly implicitDependencies?: string[] };
}

const units = Object.keys(DEPLOY_UNITS) as DeployUnit[];
const NX_TIMEOUT_MS = 120_000;

/** The project graph as Nx builds it (with the deploy-targets plugin), read once: `nx graph --file`. */
function nxProjects(): Record<string, GraphNode> {
  const dir = mkdtempSync(join(tmpdir(), 'imgpipe-graph-'));
  try {
    const file = join(dir, 'graph.json');
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NX_')));
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'graph', `--file=${file}`], {
      cwd: REPO_ROOT,
      env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
      stdio: 'pipe',
    });
    return (JSON.parse(readFileSync(file, 'utf8')) as { graph: { nodes: Record<string, GraphNode> } }).graph.nodes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the Nx deploy units (infra/deploy-units.json through the deploy-targets plugin)', () => {
  let projects: Record<string, GraphNode>;
  beforeAll(() => {
    projects = nxProjects();
  }, NX_TIMEOUT_MS);

  it.each(units)('%s: synth and deploy run cdk on its stacks only, in infra/, one at a time, never cached, with cdk.json as input', (unit) => {
    const project = projects[unit];
    expect(project?.data.root).toBe(DEPLOY_UNIT_ROOTS[unit]);
    for (const verb of ['synth', 'deploy'] as const) {
      const target = project?.data.targets[verb];
      expect(target?.command ?? target?.options?.command).toBe(cdkCommand(verb, unit));
      expect(target).toMatchObject({ options: { cwd: 'infra' }, cache: false, parallelism: false });
      expect(target?.inputs).toContain('{workspaceRoot}/infra/cdk.json');
    }
  });

  it('gives synth and deploy targets to the deploy units and to no other project', () => {
    const withDeploy = Object.entries(projects)
      .filter(([, node]) => node.data.targets['deploy'] !== undefined)
      .map(([name]) => name)
      .sort();
    expect(withDeploy).toEqual([...units].sort());
  });

  it('defines the targets once: no package.json or project.json of a unit declares synth or deploy itself', () => {
    for (const unit of units) {
      const root = join(REPO_ROOT, DEPLOY_UNIT_ROOTS[unit]);
      const files = unit === 'pipeline' ? ['project.json'] : ['package.json'];
      for (const file of files) {
        const json = JSON.parse(readFileSync(join(root, file), 'utf8')) as { targets?: object; nx?: { targets?: object } };
        const targets = { ...(json.targets ?? {}), ...(json.nx?.targets ?? {}) };
        expect(Object.keys(targets).filter((t) => t === 'synth' || t === 'deploy')).toEqual([]);
      }
    }
  });

  it('builds the web UI before any synth or deploy of Delivery (a Delivery synthesised without it drops the UI)', () => {
    for (const verb of ['synth', 'deploy', 'deploy-affected'] as const) {
      const owner = verb === 'deploy-affected' ? 'infra' : 'web';
      expect(projects[owner]?.data.targets[verb]?.dependsOn).toContainEqual({ projects: ['web'], target: 'build' });
    }
    expect(projects['web']?.data.targets['build']?.command ?? projects['web']?.data.targets['build']?.options?.command).toBe(
      'npx tsx apps/web/build.ts --minify',
    );
  });

  it('makes Delivery\'s owner (web) depend on infra, whose code builds the Delivery stack', () => {
    expect(projects['web']?.data.implicitDependencies).toEqual(['infra']);
  });

  it.each(['compress', 'thumbnail', 'ingest', 'metadata', 'notify'] as const)(
    '%s: the app depends on the project holding its construct and stack, and on no other infra project',
    (service) => {
      expect(projects[`${service}-infra`]?.data.root).toBe(`infra/services/${service}`);
      expect(projects[service]?.data.implicitDependencies).toEqual([`${service}-infra`]);
    },
  );

  it('makes the pipeline unit depend on the code that builds its stack: infra and libs/workflow', () => {
    expect(projects['pipeline']?.data.implicitDependencies?.sort()).toEqual(['infra', 'workflow']);
  });
});

describe('stack ownership', () => {
  it('gives every stack of the app exactly one owning unit', () => {
    for (const stack of Object.values(STACK_NAMES)) {
      expect([stack, units.filter((unit) => (DEPLOY_UNITS[unit] as readonly string[]).includes(stack))]).toEqual([
        stack,
        [expect.any(String)],
      ]);
    }
    expect(Object.values(DEPLOY_UNITS).flat().sort()).toEqual(Object.values(STACK_NAMES).sort());
  });
});

describe('deploy-affected: one cdk deploy, stacks in dependency order', () => {
  let graph: StackGraph;
  beforeAll(() => {
    graph = appStackGraph();
  }, NX_TIMEOUT_MS);

  /** Every (transitive) dependency of `id` in the graph. */
  const upstream = (id: string, seen = new Set<string>()): Set<string> => {
    for (const dependency of graph.get(id) ?? []) {
      if (!seen.has(dependency)) {
        seen.add(dependency);
        upstream(dependency, seen);
      }
    }
    return seen;
  };

  it('reads the cross-stack dependencies from the app (the ones the deploy order must respect)', () => {
    expect(graph.get(STACK_NAMES.compress)).toContain(STACK_NAMES.foundation);
    expect(graph.get(STACK_NAMES.ingest)).toEqual(expect.arrayContaining([STACK_NAMES.foundation, STACK_NAMES.delivery]));
    expect(graph.get(STACK_NAMES.pipeline)).toEqual(
      expect.arrayContaining([STACK_NAMES.compress, STACK_NAMES.thumbnail, STACK_NAMES.metadata, STACK_NAMES.notify, STACK_NAMES.ingest]),
    );
    expect(graph.get(STACK_NAMES.api)).toEqual(expect.arrayContaining([STACK_NAMES.ingest, STACK_NAMES.delivery]));
    expect([...upstream(STACK_NAMES.observability)].sort()).toEqual(
      Object.values(STACK_NAMES).filter((s) => s !== STACK_NAMES.observability).sort(),
    );
  });

  it('puts every stack after each stack it depends on, when every unit is affected', () => {
    const order = orderedStacks(graph, units);
    expect(order).toHaveLength(Object.values(STACK_NAMES).length);
    order.forEach((stack, index) => {
      for (const dependency of upstream(stack)) expect((order as string[]).indexOf(dependency)).toBeLessThan(index);
    });
  });

  it('orders a partial affected set through the stacks it leaves out (infra + compress: Foundation, Compress, then Api and Observability)', () => {
    expect(orderedDeployCommand(graph, ['compress', 'infra'], ['--require-approval', 'never'])).toEqual([
      'npx',
      'cdk',
      'deploy',
      STACK_NAMES.foundation,
      STACK_NAMES.compress,
      STACK_NAMES.api,
      STACK_NAMES.observability,
      '--exclusively',
      '--concurrency',
      '1',
      '--require-approval',
      'never',
    ]);
  });

  it('deploys Delivery (web) before Ingest, and Pipeline after the services, whatever order Nx lists them in', () => {
    const order = orderedStacks(graph, ['pipeline', 'ingest', 'web', 'thumbnail']);
    expect(order).toEqual([STACK_NAMES.delivery, STACK_NAMES.thumbnail, STACK_NAMES.ingest, STACK_NAMES.pipeline]);
  });

  // No template makes Compress wait for Metadata; RELEASE_ORDER does: an older RecordMetadata
  // would drop compress's new `renditions` (issue 13), a newer one refuses a mixed run instead.
  it('deploys Metadata before the services whose task output it records (release order), whatever order Nx lists them in', () => {
    for (const selection of [units, ['thumbnail', 'compress', 'ingest', 'metadata']] as DeployUnit[][]) {
      const order = orderedStacks(graph, selection) as string[];
      for (const writer of [STACK_NAMES.compress, STACK_NAMES.thumbnail, STACK_NAMES.ingest]) {
        expect(order.indexOf(STACK_NAMES.metadata)).toBeLessThan(order.indexOf(writer));
      }
    }
    expect(orderedStacks(graph, ['compress', 'metadata', 'thumbnail', 'ingest'])).toEqual([
      STACK_NAMES.metadata,
      STACK_NAMES.compress,
      STACK_NAMES.thumbnail,
      STACK_NAMES.ingest,
    ]);
  });

  it('runs nothing when nothing is affected', () => {
    expect(orderedDeployCommand(graph, [])).toEqual([]);
  });

  it('takes --base/--head/--dry-run and passes everything else to cdk', () => {
    expect(parseDeployAffectedArgs(['--base=deployed/prod', '--head=HEAD', '--dry-run', '--', '--require-approval', 'never'])).toEqual({
      base: 'deployed/prod',
      head: 'HEAD',
      dryRun: true,
      cdkArgs: ['--require-approval', 'never'],
    });
  });
});
