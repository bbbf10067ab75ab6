import { STACK_NAMES } from './app';

/**
 * Which stacks each Nx project deploys. Its `synth` and `deploy` targets (`nx.targets` of
 * its package.json; the pipeline's in `infra/pipeline/project.json`) run
 * {@link cdkCommand} in `infra/`, so `npx nx affected -t deploy` deploys the stacks of the
 * projects a change reaches through the project graph:
 * - each service app deploys its own stack: what changes its code changes only its bundle.
 *   The stack and its construct live in `infra/services/<service>` (Nx project
 *   `<service>-infra`, built on `infra/shared`), on which the app has an implicit dependency,
 *   so a change to them deploys the service too;
 * - `pipeline` (no code; `implicitDependencies` on `infra` and `workflow`) deploys the
 *   state machine and the rules, which infra builds from `libs/workflow`;
 * - `web` deploys Delivery, which carries the built UI (`apps/web/dist`);
 * - `infra` deploys the stacks no app owns: the stateful Foundation, the API, Delivery (also
 *   built from `libs/delivery` and infra's own code) and Observability.
 *
 * A stack may belong to two units (Delivery): deploying it twice is a no-op the second time.
 */
export const DEPLOY_UNITS = {
  compress: [STACK_NAMES.compress],
  thumbnail: [STACK_NAMES.thumbnail],
  ingest: [STACK_NAMES.ingest],
  metadata: [STACK_NAMES.metadata],
  notify: [STACK_NAMES.notify],
  pipeline: [STACK_NAMES.pipeline],
  web: [STACK_NAMES.delivery],
  infra: [STACK_NAMES.foundation, STACK_NAMES.api, STACK_NAMES.delivery, STACK_NAMES.observability],
} as const satisfies Record<string, readonly string[]>;

/** An Nx project with `synth` and `deploy` targets. */
export type DeployUnit = keyof typeof DEPLOY_UNITS;

/**
 * The command of a unit's `synth` or `deploy` target (run in `infra/`). `--exclusively`
 * keeps CDK from deploying the stacks these depend on (Foundation, the services), so a
 * unit's deploy touches its own stacks and nothing else; synthesis still builds the whole
 * app, but bundles only the selected stacks' functions.
 *
 * @example
 * cdkCommand('deploy', 'compress'); // 'npx cdk deploy ImgpipeCompress --exclusively'
 */
export function cdkCommand(verb: 'synth' | 'deploy', unit: DeployUnit): string {
  const stacks = DEPLOY_UNITS[unit].join(' ');
  return verb === 'synth' ? `npx cdk synth ${stacks} --exclusively --quiet` : `npx cdk deploy ${stacks} --exclusively`;
}
