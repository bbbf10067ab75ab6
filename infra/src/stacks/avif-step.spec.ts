import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';

/**
 * Compress's AVIF step after `ImageProcessed` (issue 13): its own function in the Compress
 * stack, with exactly the grants its use case calls, and not on the pipeline's clock.
 */
const stacks = buildApp(testApp(), { nag: false });
const template = Template.fromStack(stacks.compress);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const statements = (): Statement[] =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([logicalId]) => logicalId.includes('AddAvifVariantRole'))
    .flatMap(([, policy]) => (policy['Properties'] as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement)
    .filter((s) => s.Effect === 'Allow');
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const grantsOf = (prefix: string) =>
  statements()
    .filter((s) => actions(s).some((a) => a.startsWith(prefix)))
    .map((s) => ({ actions: actions(s).sort(), resource: JSON.stringify(s.Resource) }));

describe('the AVIF step (compress, after ImageProcessed)', () => {
  const fn = () =>
    Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => (f['Properties'] as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables['POWERTOOLS_SERVICE_NAME'] === 'avif',
    )?.['Properties'] as { Environment: { Variables: Record<string, unknown> }; Timeout: number; MemorySize: number; ReservedConcurrentExecutions?: number } | undefined;

  it('is a function of the Compress stack with the declared environment, the service defaults left to the service', () => {
    const props = fn();
    expect(props).toBeDefined();
    expect(props?.MemorySize).toBe(2048);
    expect(props?.Timeout).toBe(120);
    expect(Object.keys(props?.Environment.Variables ?? {}).sort()).toEqual(
      [
        'EVENTS_TABLE',
        'EVENT_BUS_NAME',
        'MALLOC_ARENA_MAX',
        'MALLOC_MMAP_THRESHOLD_',
        'ORIGINALS_BUCKET',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'PROCESSED_BUCKET',
      ].sort(),
    );
  });

  it('reads originals under uploads/, writes and deletes only under compressed/ of the processed bucket', () => {
    const s3 = grantsOf('s3:');
    expect(s3.filter((g) => /Originals/.test(g.resource))).toEqual([{ actions: ['s3:GetObject'], resource: expect.stringContaining('/uploads/*') }]);
    const processed = s3.filter((g) => /Processed/.test(g.resource));
    expect(processed.flatMap((g) => g.actions).sort()).toEqual(['s3:DeleteObject', 's3:PutObject']);
    for (const grant of processed) expect(grant.resource).toContain('/compressed/*');
  });

  it('may only Query the event store and put events on the imgpipe bus', () => {
    expect(grantsOf('dynamodb:')).toEqual([{ actions: ['dynamodb:Query'], resource: expect.stringMatching(/ImageEvents/) }]);
    expect(grantsOf('events:').map((g) => g.actions)).toEqual([['events:PutEvents']]);
  });
});
