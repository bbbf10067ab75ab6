import { resolve } from 'node:path';
import { seconds } from '../args';
import type { CliIo } from '../cli-io';
import { DEFAULT_OUTPUTS_FILE, FOUNDATION_STACK, readStackOutputs } from '../aws/stack-outputs';

/** The options of every `--target aws` command. */
export const AWS_OPTIONS = {
  region: { type: 'string' },
  stack: { type: 'string' },
  'outputs-file': { type: 'string' },
  'poll-interval': { type: 'string' },
} as const;

export const AWS_OPTIONS_USAGE = `  --region <region>       the AWS region (default: AWS_REGION or the profile's)
  --stack <name>          read ARNs and URLs from this stack's outputs (e.g. ${FOUNDATION_STACK})
  --outputs-file <file>   where \`cdk deploy --outputs-file\` wrote them (default ${DEFAULT_OUTPUTS_FILE})
  --poll-interval <s>     between progress checks (default 5)`;

/** The SDK client configuration of `--region` (the SDK's own chain when absent). */
export function clientConfig(values: { readonly region?: string | undefined }, io: CliIo): { region?: string } {
  const region = values.region ?? io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'];
  return region ? { region } : {};
}

/** The poll interval of `--poll-interval`, in ms. */
export function pollInterval(values: { readonly 'poll-interval'?: string | undefined }): number {
  return seconds('poll-interval', values['poll-interval'], 5);
}

/** The outputs of `--stack`, or undefined without one. */
export async function stackOutputs(values: {
  readonly stack?: string | undefined;
  readonly 'outputs-file'?: string | undefined;
}): Promise<{ readonly stack: string; readonly outputs: Readonly<Record<string, string>> } | undefined> {
  if (!values.stack) return undefined;
  const file = resolve(values['outputs-file'] ?? DEFAULT_OUTPUTS_FILE);
  return { stack: values.stack, outputs: await readStackOutputs(file, values.stack) };
}
