import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import unitsFile from '../deploy-units.json';
import { STACK_NAMES } from './app';

/** A stack's construct id, the name `cdk deploy <id>` selects it by (stage-independent). */
export type StackId = (typeof STACK_NAMES)[keyof typeof STACK_NAMES];

/** An Nx project with `synth` and `deploy` targets. */
export type DeployUnit = keyof typeof unitsFile.units;

/**
 * Which stacks each Nx project deploys: `infra/deploy-units.json`, the one table the Nx
 * plugin `infra/nx/deploy-targets.cjs` turns into every unit's `synth` and `deploy` targets
 * (run in `infra/`). Every stack has exactly one owner:
 * - each service app deploys its own stack. The stack and its construct live in
 *   `infra/services/<service>` (Nx project `<service>-infra`, built on `infra/shared`), on
 *   which the app has an implicit dependency, so a change to them deploys the service too;
 * - `pipeline` (no code; `implicitDependencies` on `infra` and `workflow`) deploys the
 *   state machine and the rules, which infra builds from `libs/workflow`;
 * - `web` deploys Delivery, which carries the built UI (`apps/web/dist`); it depends on
 *   `infra` (implicitly), whose code builds the Delivery stack;
 * - `infra` deploys the stacks no app owns: the stateful Foundation, the API and Observability.
 */
export const DEPLOY_UNITS: Readonly<Record<DeployUnit, readonly StackId[]>> = Object.fromEntries(
  Object.entries(unitsFile.units).map(([unit, { stacks }]) => [unit, stacks as StackId[]]),
) as unknown as Record<DeployUnit, readonly StackId[]>;

/** Where each unit's project lives (its targets are added there by the plugin). */
export const DEPLOY_UNIT_ROOTS: Readonly<Record<DeployUnit, string>> = Object.fromEntries(
  Object.entries(unitsFile.units).map(([unit, { root }]) => [unit, root]),
) as unknown as Record<DeployUnit, string>;

/** Whether `name` is a deploy unit (an Nx project name from `nx show projects`). */
export function isDeployUnit(name: string): name is DeployUnit {
  return Object.hasOwn(unitsFile.units, name);
}

/**
 * The command of a unit's `synth` or `deploy` target (run in `infra/`). `--exclusively`
 * keeps CDK from deploying the stacks these depend on (Foundation, the services), so a
 * unit's deploy touches its own stacks and nothing else; synthesis still builds the whole
 * app, but bundles only the selected stacks' functions. (The plugin builds the same string
 * in CommonJS; deploy-units.spec.ts checks that Nx shows exactly this.)
 *
 * @example
 * cdkCommand('deploy', 'compress'); // 'npx cdk deploy ImgpipeCompress --exclusively'
 */
export function cdkCommand(verb: 'synth' | 'deploy', unit: DeployUnit): string {
  const stacks = DEPLOY_UNITS[unit].join(' ');
  return verb === 'synth' ? `npx cdk synth ${stacks} --exclusively --quiet` : `npx cdk deploy ${stacks} --exclusively`;
}

/** Each stack's direct dependencies (stack ids), read from a synthesised cloud assembly. */
export type StackGraph = ReadonlyMap<string, readonly string[]>;

/** The stack dependency graph of `assembly` (cross-stack references and explicit dependencies). */
export function stackGraph(assembly: CloudAssembly): StackGraph {
  const stacks = new Set(assembly.stacks.map((stack) => stack.id));
  // An artifact also depends on its asset manifest: only stacks order a deploy.
  return new Map(assembly.stacks.map((stack) => [stack.id, stack.dependencies.map((d) => d.id).filter((id) => stacks.has(id))]));
}

/**
 * Stacks that must be deployed before others although no template references them: the
 * reader of a task's output before its writers. Metadata's `RecordMetadata` reads what the
 * compress and thumbnail tasks hand it and ingest's `ImageUploaded`; deployed after them, an
 * older metadata drops a field they start writing (issue 13: compress's `renditions`, whose files
 * no record then names). Deployed first, a newer metadata refuses a run whose tasks disagree
 * (a classified `InvalidEvent`, reprocessable) rather than recording it wrongly (docs/deploy.md,
 * "Changing what the services make").
 */
export const RELEASE_ORDER: ReadonlyMap<string, readonly StackId[]> = new Map<string, readonly StackId[]>([
  [STACK_NAMES.compress, [STACK_NAMES.metadata]],
  [STACK_NAMES.thumbnail, [STACK_NAMES.metadata]],
  [STACK_NAMES.ingest, [STACK_NAMES.metadata]],
]);

/**
 * The stacks of `units`, each after every stack it depends on (directly or through a stack
 * not selected) and after its {@link RELEASE_ORDER} predecessors, in one list: what one
 * `cdk deploy --exclusively` is given. Ties keep the order of {@link STACK_NAMES}, so the
 * result is the same on every machine.
 *
 * @throws Error when the graph has a cycle (CDK would refuse to synthesise it first), or
 * {@link RELEASE_ORDER} makes one.
 */
export function orderedStacks(graph: StackGraph, units: readonly DeployUnit[]): StackId[] {
  const selected = new Set<string>(units.flatMap((unit) => DEPLOY_UNITS[unit]));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`stack dependency cycle through ${id}`);
    state.set(id, 'visiting');
    for (const dependency of [...(graph.get(id) ?? []), ...(RELEASE_ORDER.get(id) ?? [])]) visit(dependency);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.values(STACK_NAMES)) visit(id);
  return order.filter((id): id is StackId => selected.has(id));
}

/**
 * The one `cdk deploy` (run in `infra/`) that deploys the stacks of `units` in dependency
 * order: `--exclusively` deploys exactly those stacks, `--concurrency 1` one at a time in the
 * order given (CDK orders a selection by its dependencies too; the explicit order is what
 * the spec checks). Empty when no unit is given.
 */
export function orderedDeployCommand(graph: StackGraph, units: readonly DeployUnit[], extraArgs: readonly string[] = []): string[] {
  const stacks = orderedStacks(graph, units);
  return stacks.length === 0 ? [] : ['npx', 'cdk', 'deploy', ...stacks, '--exclusively', '--concurrency', '1', ...extraArgs];
}
