import { Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, cloudFormationStackName, STACK_NAMES, type ImgpipeStacks } from './app';
import { testApp } from './testing/test-app';
import { REPORT_FINDINGS_CONTEXT, unacknowledgedFindings } from './testing/nag-report';

describe('the CDK app under cdk-nag AwsSolutionsChecks', () => {
  const app = testApp(REPORT_FINDINGS_CONTEXT);
  const stacks = buildApp(app);
  const findings = unacknowledgedFindings(app);

  it('builds every stack under its stable id, and names it in CloudFormation with the stage (imgpipe-dev-<role>)', () => {
    expect(Object.values(stacks).map((s) => s.node.id).sort()).toEqual(Object.values(STACK_NAMES).sort());
    for (const [role, stack] of Object.entries(stacks)) expect(stack.stackName).toBe(`imgpipe-dev-${role}`);
  });

  it('lets two stages share an account: another stage gives every stack, bus, alarm and dashboard another name', () => {
    const prod = buildApp(testApp({ 'imgpipe:stage': 'prod' }), { nag: false });
    const names = (all: ImgpipeStacks): string[] => Object.values(all).map((s) => s.stackName);
    expect(names(prod).filter((name) => names(stacks).includes(name))).toEqual([]);
    expect(Object.values(prod).map((s) => s.node.id).sort()).toEqual(Object.values(STACK_NAMES).sort());
    expect(names(prod)).toContain(cloudFormationStackName('prod', 'foundation'));
    expect(cloudFormationStackName('prod', 'foundation')).toBe('imgpipe-prod-foundation');
    const physicalNames = (all: ImgpipeStacks): string[] =>
      Object.values(all).flatMap((stack) =>
        Object.values(Template.fromStack(stack).toJSON()['Resources'] as Record<string, { Type: string; Properties?: Record<string, unknown> }>)
          // An authorizer's name is scoped to its API, and so is an AppSync channel namespace's.
          .filter((resource) => resource.Type !== 'AWS::ApiGatewayV2::Authorizer' && resource.Type !== 'AWS::AppSync::ChannelNamespace')
          .flatMap((resource) =>
            ['Name', 'AlarmName', 'DashboardName', 'Domain', 'ArchiveName'].flatMap((key) => {
              const value = resource.Properties?.[key];
              return typeof value === 'string' ? [value] : [];
            }),
        ),
      );
    const devNames = physicalNames(stacks);
    expect(devNames.length).toBeGreaterThan(10);
    expect(physicalNames(prod).filter((name) => devNames.includes(name))).toEqual([]);

    // Custom metrics too: the functions' namespace, the alarms' and the metric filters' (AWS/* aside).
    const namespaces = (all: ImgpipeStacks): string[] => {
      const found = new Set<string>();
      const visit = (value: unknown, key?: string): void => {
        if (typeof value === 'string' && ['Namespace', 'MetricNamespace', 'POWERTOOLS_METRICS_NAMESPACE'].includes(key ?? '') && !value.startsWith('AWS/')) found.add(value);
        else if (Array.isArray(value)) value.forEach((v) => visit(v));
        else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) visit(v, k);
      };
      for (const stack of Object.values(all)) visit(Template.fromStack(stack).toJSON());
      return [...found];
    };
    expect(namespaces(stacks)).toEqual(['imgpipe/dev']);
    expect(namespaces(prod)).toEqual(['imgpipe/prod']);
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
