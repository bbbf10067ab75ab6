import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_NAMES } from './app';
import { cdkCommand, DEPLOY_UNITS, type DeployUnit } from './deploy-units';
import { REPO_ROOT } from '@imgpipe/infra-shared';

/** Where each unit's Nx targets are declared: a package.json `nx` field, or the pipeline's project.json. */
const PROJECT_FILES: Record<DeployUnit, string> = {
  compress: 'apps/compress/package.json',
  thumbnail: 'apps/thumbnail/package.json',
  ingest: 'apps/ingest/package.json',
  metadata: 'apps/metadata/package.json',
  notify: 'apps/notify/package.json',
  web: 'apps/web/package.json',
  infra: 'infra/package.json',
  pipeline: 'infra/pipeline/project.json',
};

interface TargetConfig {
  readonly command?: string;
  readonly options?: { readonly cwd?: string };
  readonly dependsOn?: unknown[];
  readonly cache?: boolean;
  readonly parallelism?: boolean;
}

interface ProjectConfig {
  readonly name?: string;
  readonly targets?: Record<string, TargetConfig>;
  readonly implicitDependencies?: string[];
}

function projectConfig(unit: DeployUnit): ProjectConfig {
  const json = JSON.parse(readFileSync(join(REPO_ROOT, PROJECT_FILES[unit]), 'utf8')) as ProjectConfig & { nx?: ProjectConfig };
  return PROJECT_FILES[unit].endsWith('package.json') ? (json.nx ?? {}) : json;
}

const units = Object.keys(DEPLOY_UNITS) as DeployUnit[];

describe('the Nx deploy units', () => {
  it.each(units)('%s: synth and deploy run cdk on its stacks only, in infra/, one at a time, never cached', (unit) => {
    const config = projectConfig(unit);
    expect(config.name).toBe(unit);
    for (const verb of ['synth', 'deploy'] as const) {
      const target = config.targets?.[verb];
      expect(target).toMatchObject({ command: cdkCommand(verb, unit), options: { cwd: 'infra' }, cache: false, parallelism: false });
    }
  });

  it('names exactly the stacks of the app, and each stack in a unit', () => {
    const deployed = new Set<string>(Object.values(DEPLOY_UNITS).flat());
    expect([...deployed].sort()).toEqual(Object.values(STACK_NAMES).sort());
  });

  it('gives each service its own stack and no other unit that stack', () => {
    for (const service of ['compress', 'thumbnail', 'ingest', 'metadata', 'notify', 'pipeline'] as const) {
      expect(DEPLOY_UNITS[service]).toEqual([STACK_NAMES[service]]);
      const owners = units.filter((unit) => (DEPLOY_UNITS[unit] as readonly string[]).includes(STACK_NAMES[service]));
      expect(owners).toEqual([service]);
    }
  });

  it('builds the web UI before any synth or deploy of Delivery (a Delivery synthesised without it drops the UI)', () => {
    for (const unit of units.filter((u) => (DEPLOY_UNITS[u] as readonly string[]).includes(STACK_NAMES.delivery))) {
      for (const verb of ['synth', 'deploy'] as const) {
        const dependsOn = projectConfig(unit).targets?.[verb]?.dependsOn ?? [];
        expect(dependsOn).toContainEqual(unit === 'web' ? 'build' : { projects: ['web'], target: 'build' });
      }
    }
    expect(projectConfig('web').targets?.['build']?.command).toBe('npx tsx apps/web/build.ts --minify');
  });

  it.each(['compress', 'thumbnail', 'ingest', 'metadata', 'notify'] as const)(
    '%s: the app depends on the project holding its construct and stack, and on no other infra project',
    (service) => {
      const infraProject = JSON.parse(readFileSync(join(REPO_ROOT, 'infra/services', service, 'package.json'), 'utf8')) as {
        nx?: ProjectConfig;
      };
      expect(infraProject.nx?.name).toBe(`${service}-infra`);
      expect(projectConfig(service).implicitDependencies).toEqual([`${service}-infra`]);
    },
  );

  it('makes the pipeline unit depend on the code that builds its stack: infra and libs/workflow', () => {
    expect(projectConfig('pipeline').implicitDependencies?.sort()).toEqual(['infra', 'workflow']);
  });
});
