import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';

/** One unacknowledged finding of the validation report. */
export interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly paths: readonly string[];
}

interface ReportJson {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs?: { constructPath?: string }[] }[];
  }[];
}

/** Context for an app whose validation findings a test reads instead of synth throwing on them. */
export const REPORT_FINDINGS_CONTEXT = { '@aws-cdk/core:failSynthOnValidationErrors': false } as const;

/**
 * Synthesises `app` (built with {@link REPORT_FINDINGS_CONTEXT}) and returns every finding of
 * its validation plugins that no acknowledgement covers, warnings included.
 */
export function unacknowledgedFindings(app: App): Finding[] {
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as ReportJson;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => ({
      rule: v.ruleName,
      severity: v.severity,
      paths: (v.violatingConstructs ?? []).map((c) => c.constructPath ?? '?'),
    })),
  );
}
