/**
 * `npx nx run infra:deploy-affected [--base=<commit>] [--head=<commit>] [--dry-run] [-- <cdk args>]`:
 * deploys every stack of the projects a change affects, in ONE `cdk deploy --exclusively`
 * with the stacks in dependency order (Foundation, Delivery, the services, Pipeline, Api,
 * Observability), instead of `nx affected -t deploy`'s one task a project, which Nx cannot
 * order (it orders tasks only by dependencies it would also run).
 *
 * The affected set is Nx's own (`nx show projects --affected -t deploy`); the order comes from
 * the app's stack dependency graph, synthesised without bundling (a few seconds). `--dry-run`
 * prints the command and deploys nothing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { REPO_ROOT } from '@imgpipe/infra-shared';
import { buildApp } from './app';
import { isDeployUnit, orderedDeployCommand, stackGraph, type DeployUnit, type StackGraph } from './deploy-units';
import { cdkJsonContext } from './testing/test-app';

/** The options of this script; everything after `--` (or unknown) goes to `cdk deploy`. */
export interface DeployAffectedArgs {
  readonly base?: string;
  readonly head?: string;
  readonly dryRun: boolean;
  readonly cdkArgs: readonly string[];
}

/** Parses `--base=x`, `--head=x`, `--dry-run`; the rest is passed to cdk. */
export function parseDeployAffectedArgs(argv: readonly string[]): DeployAffectedArgs {
  let base: string | undefined;
  let head: string | undefined;
  let dryRun = false;
  const cdkArgs: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('--base=')) base = arg.slice('--base='.length);
    else if (arg.startsWith('--head=')) head = arg.slice('--head='.length);
    else if (arg === '--dry-run' || arg === '--dryRun') dryRun = true;
    else if (arg !== '--') cdkArgs.push(arg);
  }
  return { ...(base ? { base } : {}), ...(head ? { head } : {}), dryRun, cdkArgs };
}

/** The deploy units `nx` finds affected between base and head. */
export function affectedUnits(args: Pick<DeployAffectedArgs, 'base' | 'head'>): DeployUnit[] {
  const nx = ['show', 'projects', '--affected', '-t', 'deploy', '--json'];
  if (args.base) nx.push(`--base=${args.base}`);
  if (args.head) nx.push(`--head=${args.head}`);
  const result = spawnSync('npx', ['nx', ...nx], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`nx ${nx.join(' ')} failed: ${result.stderr}${result.stdout}`);
  const json = result.stdout.split('\n').reverse().find((line) => line.trim().startsWith('['));
  if (json === undefined) throw new Error(`nx printed no project list: ${result.stdout}`);
  return (JSON.parse(json) as string[]).filter(isDeployUnit);
}

/** The app's stack graph, synthesised as `cdk synth` would (cdk.json's context) but without bundling. */
export function appStackGraph(): StackGraph {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  buildApp(app, { nag: false });
  return stackGraph(app.synth());
}

if (require.main === module) {
  const args = parseDeployAffectedArgs(process.argv.slice(2));
  const units = affectedUnits(args);
  const command = orderedDeployCommand(appStackGraph(), units, args.cdkArgs);
  if (command.length === 0) {
    console.log('deploy-affected: no deploy unit is affected; nothing to deploy');
  } else {
    console.log(`deploy-affected: ${units.join(', ')} -> ${command.join(' ')}`);
    if (!args.dryRun) {
      const [bin = 'npx', ...rest] = command;
      const result = spawnSync(bin, rest, { cwd: join(REPO_ROOT, 'infra'), stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    }
  }
}
