import { readFile } from 'node:fs/promises';
import { UnavailableError } from '../errors';

/** Where `cdk deploy --outputs-file` writes the stacks' outputs (infra's docs use this name). */
export const DEFAULT_OUTPUTS_FILE = 'cdk-outputs.json';
/** The stateful stack's CloudFormation name at the default stage (`cloudFormationStackName('dev', 'foundation')` in infra): cdk-outputs.json keys outputs by it. */
export const FOUNDATION_STACK = 'imgpipe-dev-foundation';

/**
 * A deployed stack's CloudFormation outputs, as `cdk deploy --outputs-file <file>` wrote
 * them: `{ "<stack>": { "<OutputKey>": "<value>" } }`.
 *
 * @throws UnavailableError when the file, the stack or a value is missing.
 */
export async function readStackOutputs(file: string, stack: string): Promise<Readonly<Record<string, string>>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UnavailableError(
      `cannot read the stack outputs from ${file} (write them with \`npx cdk deploy --all --outputs-file ${file}\`): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const outputs = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[stack] : undefined;
  if (typeof outputs !== 'object' || outputs === null) {
    const stacks = typeof parsed === 'object' && parsed !== null ? Object.keys(parsed).join(', ') : '';
    throw new UnavailableError(`${file} has no outputs of the stack ${stack}${stacks ? ` (it has: ${stacks})` : ''}`);
  }
  return Object.fromEntries(Object.entries(outputs).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** One output of `outputs`. @throws UnavailableError when it is missing. */
export function requireOutput(outputs: Readonly<Record<string, string>>, key: string, stack: string): string {
  const value = outputs[key];
  if (!value) throw new UnavailableError(`the stack ${stack} has no output ${key}`);
  return value;
}
