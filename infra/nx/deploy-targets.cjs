// @ts-check
/**
 * Nx plugin: the `synth` and `deploy` targets of every deploy unit, defined once.
 *
 * `infra/deploy-units.json` says which project deploys which stacks; this plugin gives each
 * of those projects
 *   synth:  npx cdk synth <its stacks> --exclusively --quiet   (in infra/)
 *   deploy: npx cdk deploy <its stacks> --exclusively          (in infra/)
 * and gives `infra` the `deploy-affected` target, which deploys every stack the affected
 * projects own in one `cdk deploy`, in dependency order (infra/src/deploy-affected.ts).
 *
 * The inputs of both targets include `infra/cdk.json`: its `imgpipe:*` context (stage, log
 * level, retention, capacity knobs) is read by every stack, and Nx counts a changed target
 * input as a change to the project, so `nx affected` reaches every unit when it changes.
 *
 * Hand-written CommonJS, not TypeScript: Nx loads a TypeScript plugin only through
 * `@swc-node/register` or `ts-node`, neither of which the workspace installs.
 * infra/src/deploy-units.spec.ts checks what Nx makes of it (`nx graph`).
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const UNITS_FILE = 'infra/deploy-units.json';
const CONFIG_INPUT = '{workspaceRoot}/infra/cdk.json';

/** @param {'synth' | 'deploy'} verb @param {readonly string[]} stacks */
function cdkCommand(verb, stacks) {
  return verb === 'synth'
    ? `npx cdk synth ${stacks.join(' ')} --exclusively --quiet`
    : `npx cdk deploy ${stacks.join(' ')} --exclusively`;
}

/**
 * @param {'synth' | 'deploy'} verb
 * @param {{ stacks: string[], buildWeb?: boolean }} unit
 */
function cdkTarget(verb, unit) {
  return {
    command: cdkCommand(verb, unit.stacks),
    options: { cwd: 'infra' },
    inputs: ['production', '^production', CONFIG_INPUT],
    // Delivery synthesised without apps/web/dist drops the UI's deployment.
    ...(unit.buildWeb ? { dependsOn: [{ projects: ['web'], target: 'build' }] } : {}),
    // Deploys share infra/cdk.out and must never update one stack twice at once.
    cache: false,
    parallelism: false,
    metadata: { description: `cdk ${verb} ${unit.stacks.join(' ')} (infra/deploy-units.json)` },
  };
}

/** @type {import('nx/src/project-graph/plugins').CreateNodesV2} */
const createNodesV2 = [
  UNITS_FILE,
  (files, _options, context) =>
    files.map((file) => {
      /** @type {{ units: Record<string, { root: string, stacks: string[], buildWeb?: boolean }> }} */
      const { units } = JSON.parse(readFileSync(join(context.workspaceRoot, file), 'utf8'));
      /** @type {Record<string, { targets: Record<string, unknown> }>} */
      const projects = {};
      for (const unit of Object.values(units)) {
        projects[unit.root] = { targets: { synth: cdkTarget('synth', unit), deploy: cdkTarget('deploy', unit) } };
      }
      const infra = projects['infra'];
      if (infra) {
        infra.targets['deploy-affected'] = {
          command: 'npx tsx infra/src/deploy-affected.ts',
          dependsOn: [{ projects: ['web'], target: 'build' }],
          cache: false,
          parallelism: false,
          metadata: {
            description:
              'Deploys every stack of the projects a change affects in one ordered `cdk deploy --exclusively` (--base/--head as for nx affected; --dry-run prints it)',
          },
        };
      }
      return /** @type {const} */ ([file, { projects }]);
    }),
];

module.exports = { name: 'imgpipe-deploy-targets', createNodesV2 };
