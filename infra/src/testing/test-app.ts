import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';

/** The `context` of infra/cdk.json: feature flags and imgpipe defaults, as `cdk synth` sees them. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * An App as `cdk synth` would build it (same feature flags and context), with asset bundling
 * skipped so a synth takes seconds: `NodejsFunction` then never runs esbuild or npm.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
}
