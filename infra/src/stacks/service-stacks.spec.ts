import { Match, Template } from 'aws-cdk-lib/assertions';
import { CAPACITY_DEFAULTS } from '@imgpipe/infra-shared';
import { loadPipelineDefinition, taskTimeoutsSeconds } from '@imgpipe/workflow';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';

const app = testApp({ 'imgpipe:logRetentionDays': 14, 'imgpipe:logLevel': 'DEBUG' });
const stacks = buildApp(app, { nag: false });

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every Allow statement of every IAM policy in the template (of the role of function `fnId` only, when given). */
function allowStatements(template: Template, fnId?: string): Statement[] {
  const policies = Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([logicalId]) => fnId === undefined || logicalId.includes(`${fnId}Role`))
    .map(([, policy]) => policy);
  return policies.flatMap((policy) =>
    ((policy['Properties'] as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement ?? []).filter(
      (s) => s.Effect === 'Allow',
    ),
  );
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The S3 statements, with their resources as readable strings (cross-stack ARN + suffix). */
function s3Grants(template: Template, fnId?: string): { actions: string[]; resource: string }[] {
  return allowStatements(template, fnId)
    .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
    .map((s) => ({ actions: actionsOf(s), resource: JSON.stringify(s.Resource) }));
}

const ORIGINALS = /Originals[0-9A-F]{8}Arn/;
const PROCESSED = /Processed[0-9A-F]{8}Arn/;

describe.each([
  {
    name: 'compress',
    stack: stacks.compress,
    service: 'compress',
    // The full-size variants, and the rendition set's large renditions (issue 13: made from its full-size decode).
    writes: ['compressed/*', 'thumbnails/*'],
    entry: 'compress-image.handler',
    // The stack also holds the AVIF step after ImageProcessed (its own role: avif-step.spec.ts).
    fnId: 'CompressImage',
    task: 'Compress',
    reserved: CAPACITY_DEFAULTS.compressReservedConcurrency,
  },
  {
    name: 'thumbnail',
    stack: stacks.thumbnail,
    service: 'thumbnail',
    writes: ['thumbnails/*'],
    entry: 'generate-thumbnails.handler',
    fnId: 'GenerateThumbnails',
    task: 'Thumbnail',
    reserved: CAPACITY_DEFAULTS.thumbnailReservedConcurrency,
  },
])('$name stack', ({ stack, service, writes, fnId, task, reserved }) => {
  const template = Template.fromStack(stack);
  /** The task's function (a stack may hold more: compress's AVIF step). */
  const taskFunction = () =>
    Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables['POWERTOOLS_SERVICE_NAME'] === service,
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];

  it(`grants exactly s3:GetObject on originals uploads/* and s3:PutObject on processed ${writes.join(' and ')}`, () => {
    const grants = s3Grants(template, fnId);
    const reads = grants.filter((g) => ORIGINALS.test(g.resource));
    const writesTo = grants.filter((g) => PROCESSED.test(g.resource));
    expect(reads).toEqual([{ actions: ['s3:GetObject'], resource: expect.stringContaining('/uploads/*') }]);
    expect(grants).toHaveLength(reads.length + writesTo.length);
    expect(writesTo.flatMap((g) => g.actions)).toEqual(writesTo.map(() => 's3:PutObject'));
    // Every processed resource granted, as its key pattern: exactly these prefixes (the statements
    // may be one with several resources, CDK's minimizePolicies, or one a prefix).
    const patterns = writesTo.flatMap((g) => [...g.resource.matchAll(/"\/([a-z0-9-]+\/\*)"/g)].map((m) => m[1]));
    expect(patterns.sort()).toEqual([...writes].sort());
  });

  it('can never write, delete or list the originals bucket', () => {
    const onOriginals = s3Grants(template).filter((g) => ORIGINALS.test(g.resource));
    for (const grant of onOriginals) {
      expect(grant.actions.filter((a) => /^s3:(Put|Delete|List|\*)/.test(a) || a === '*')).toEqual([]);
    }
  });

  it('has no wildcard actions and no AWS managed policy', () => {
    for (const statement of allowStatements(template)) {
      expect(actionsOf(statement).filter((a) => a.includes('*'))).toEqual([]);
    }
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role['Properties']).not.toHaveProperty('ManagedPolicyArns');
    }
  });

  it('writes only to its own log group (besides X-Ray, which has no resource-level permissions)', () => {
    const logs = allowStatements(template, fnId).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    expect(logs).toHaveLength(1);
    expect(logs[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/LogGroup[0-9A-F]{8}$/), 'Arn'] });
    const xray = allowStatements(template, fnId).filter((s) => actionsOf(s).some((a) => a.startsWith('xray:')));
    expect(xray.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('runs on arm64 Node.js 22 with active tracing, JSON logs (REPORT lines kept) and the Powertools environment', () => {
    expect(taskFunction()).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 2048,
      // The state machine's TimeoutSeconds for this task: the function never outlives its task.
      Timeout: taskTimeoutsSeconds(loadPipelineDefinition())[task],
      // The burst budget (imgpipe:*ReservedConcurrency).
      ReservedConcurrentExecutions: reserved,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'DEBUG',
        // INFO keeps START/END/REPORT (duration, max memory used, init duration).
        SystemLogLevel: 'INFO',
        LogGroup: { Ref: Match.stringLikeRegexp('LogGroup') },
      },
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: service,
          // The stage's own namespace (the test app's stage is `dev`), so two stages' metrics never mix.
          POWERTOOLS_METRICS_NAMESPACE: 'imgpipe/dev',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
          ORIGINALS_BUCKET: Match.anyValue(),
          PROCESSED_BUCKET: Match.anyValue(),
        }),
      },
    });
  });

  it('keeps its logs for the configured retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('sets no service knob it was not given, so the service defaults apply', () => {
    const [fn] = taskFunction();
    if (!fn) throw new Error(`no ${service} function`);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
      ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'ORIGINALS_BUCKET', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'PROCESSED_BUCKET'].sort(),
    );
  });

  it('runs sharp with two glibc malloc arenas and a fixed 1 MiB mmap threshold, so a warm instance does not grow', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '1048576' }) },
    });
  });
});
