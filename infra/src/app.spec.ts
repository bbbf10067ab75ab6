import { Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp, STACK_NAMES } from './app';
import { testApp } from './testing/test-app';
import { REPORT_FINDINGS_CONTEXT, unacknowledgedFindings } from './testing/nag-report';

describe('the CDK app under cdk-nag AwsSolutionsChecks', () => {
  const app = testApp(REPORT_FINDINGS_CONTEXT);
  const stacks = buildApp(app);
  const findings = unacknowledgedFindings(app);

  it('builds every stack under its stable name', () => {
    expect(Object.values(stacks).map((s) => s.stackName).sort()).toEqual(Object.values(STACK_NAMES).sort());
  });

  it.each(Object.values(STACK_NAMES))('%s has zero unacknowledged findings (errors or warnings)', (stackName) => {
    expect(findings.filter((f) => f.paths.some((p) => p.startsWith(`${stackName}/`)))).toEqual([]);
  });

  it('reports nothing outside the stacks either', () => {
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgement a reason a reviewer can weigh', () => {
    const reasons = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.values(m.data as Record<string, string | { reason?: string }>))
      .map((value) => (typeof value === 'string' ? value : (value.reason ?? '')));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
  });
});

describe('the nag check itself (control)', () => {
  it('does report an insecure bucket, so "zero findings" above means something', () => {
    const app = testApp(REPORT_FINDINGS_CONTEXT);
    new Bucket(new Stack(app, 'Insecure'), 'Open', { enforceSSL: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const rules = unacknowledgedFindings(app).map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
