import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import aslValidator from 'asl-validator';
import {
  definitionVariables,
  eventRules,
  loadPipelineDefinition,
  taskTimeoutsSeconds,
  PIPELINE_DEFINITION_PATH,
  PIPELINE_SUBSTITUTIONS,
  renderPipelineDefinition,
  type PipelineSubstitutions,
} from '@imgpipe/workflow';
import { buildApp } from '../app';
import { Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import {
  FAILURE_NOT_RECORDED_ERROR,
  failureNotRecordedMetric,
  RULE_TARGET_RETRY,
  toCdkEventPattern,
} from '../constructs/pipeline.construct';
import { allowStatements, actionsOf, defined } from '../testing/iam';
import { testApp } from '../testing/test-app';

const app = testApp({ 'imgpipe:logRetentionDays': 90 });
const stacks = buildApp(app, { nag: false });
const template = Template.fromStack(stacks.pipeline);
const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0]?.['Properties'] as {
  DefinitionSubstitutions: Record<string, unknown>;
};
const output = (stackName: string, logicalIdPrefix: string) => ({
  'Fn::GetStackOutput': Match.objectLike({ StackName: stackName, OutputName: Match.stringLikeRegexp(`${logicalIdPrefix}[0-9A-F]{8}Arn`) }),
});

describe('PipelineStack: the state machine', () => {
  it('is an Express machine logging failed executions without their data by default, traced with X-Ray', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ExecutionLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('logs every transition with its data only when the knobs say so (imgpipe:stateMachineLogLevel, imgpipe:stateMachineLogExecutionData)', () => {
    const raised = Template.fromStack(
      buildApp(testApp({ 'imgpipe:stateMachineLogLevel': 'ALL', 'imgpipe:stateMachineLogExecutionData': 'true' }), { nag: false }).pipeline,
    );
    raised.hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }) });
  });

  it('counts runs that ended in FailureNotRecorded from the execution log (the metric its alarm watches)', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('ExecutionLogs') },
      FilterPattern: `{ ($.type = "ExecutionFailed") && ($.details.error = "${FAILURE_NOT_RECORDED_ERROR}") }`,
      MetricTransformations: [
        // The test app's stage is the default, `dev`: its own namespace, `imgpipe/dev`.
        { MetricNamespace: 'imgpipe/dev', MetricName: failureNotRecordedMetric('dev').metricName, MetricValue: '1', DefaultValue: 0 },
      ],
    });
    const states = JSON.parse(readFileSync(PIPELINE_DEFINITION_PATH, 'utf8')) as { States: Record<string, { Type: string; Error?: string }> };
    expect(states.States['FailureNotRecorded']).toMatchObject({ Type: 'Fail', Error: FAILURE_NOT_RECORDED_ERROR });
  });

  it('gives no task function a timeout longer than its Task state’s TimeoutSeconds (a timed-out task leaves nothing running)', () => {
    const timeouts = taskTimeoutsSeconds(loadPipelineDefinition());
    const fns = {
      Compress: stacks.compress.service.fn,
      Thumbnail: stacks.thumbnail.service.fn,
      RecordThumbnails: stacks.metadata.service.recordThumbnails,
      RecordMetadata: stacks.metadata.service.recordMetadata,
      RecordFailure: stacks.metadata.service.recordFailure,
    };
    for (const [state, fn] of Object.entries(fns)) {
      const resource = Template.fromStack(Stack.of(fn)).toJSON()['Resources'][Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnFunction)] as {
        Properties: { Timeout: number };
      };
      expect([state, resource.Properties.Timeout]).toEqual([state, timeouts[state]]);
    }
  });

  it('runs the very file libs/workflow holds (an asset of pipeline.asl.json, not a copy)', () => {
    const assets = stacks.pipeline.node.findAll().filter((c): c is Asset => c instanceof Asset);
    expect(assets).toHaveLength(1);
    expect(readFileSync(join(app.outdir, defined(assets[0], 'the definition asset').assetPath), 'utf8')).toBe(readFileSync(PIPELINE_DEFINITION_PATH, 'utf8'));
  });

  it('fills every variable of the definition, and only those, with the task functions and the bus', () => {
    expect(Object.keys(machine.DefinitionSubstitutions).sort()).toEqual([...PIPELINE_SUBSTITUTIONS].sort());
    expect(definitionVariables().sort()).toEqual([...PIPELINE_SUBSTITUTIONS].sort());
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: {
        CompressFunctionArn: output('imgpipe-dev-compress', 'CompressCompressImage'),
        ThumbnailFunctionArn: output('imgpipe-dev-thumbnail', 'ThumbnailGenerateThumbnails'),
        RecordThumbnailsFunctionArn: output('imgpipe-dev-metadata', 'MetadataRecordThumbnails'),
        RecordFunctionArn: output('imgpipe-dev-metadata', 'MetadataRecordMetadata'),
        RecordFailureFunctionArn: output('imgpipe-dev-metadata', 'MetadataRecordFailure'),
        EventBusName: { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('RefEventBus') }) },
      },
    });
  });

  it('is a valid state machine with those substitutions filled (asl-validator)', () => {
    const filled = Object.fromEntries(
      Object.keys(machine.DefinitionSubstitutions).map((name) => [
        name,
        name === 'EventBusName' ? 'imgpipe' : `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
      ]),
    ) as unknown as PipelineSubstitutions;
    const result = aslValidator(renderPipelineDefinition(filled), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
  });

  it('may invoke exactly the five task functions (RecordThumbnails in the thumbnail branch too) and put events on the bus; nothing else but logs and X-Ray', () => {
    const statements = allowStatements(template, 'PipelineStateMachineRoleDefaultPolicy');
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    const statement = defined(invoke[0], 'the invoke statement');
    expect(actionsOf(statement)).toEqual(['lambda:InvokeFunction']);
    const invoked = (statement.Resource as unknown[]).map((r) => JSON.stringify(r));
    expect(invoked).toHaveLength(5);
    for (const fn of ['CompressCompressImage', 'ThumbnailGenerateThumbnails', 'MetadataRecordThumbnails', 'MetadataRecordMetadata', 'MetadataRecordFailure']) {
      expect(invoked.filter((r) => new RegExp(`${fn}[0-9A-F]{8}Arn`).test(r))).toHaveLength(1);
    }
    const others = statements.filter((s) => !actionsOf(s).includes('lambda:InvokeFunction')).flatMap(actionsOf);
    expect(others.filter((a) => !/^(logs|xray):/.test(a))).toEqual(['events:PutEvents']);
  });
});

describe('PipelineStack: the rules of libs/workflow', () => {
  const rules = eventRules({ originalsBucketName: 'placeholder' });
  const cfnRules = Object.values(template.findResources('AWS::Events::Rule')).map(
    (r) => r['Properties'] as { Description: string; EventBusName: unknown; EventPattern: unknown; Targets: Record<string, unknown>[] },
  );

  it('creates one rule per entry of eventRules, nothing declared twice', () => {
    expect(cfnRules).toHaveLength(rules.length);
    expect(cfnRules.map((r) => r.Description).sort()).toEqual(rules.map((r) => r.description).sort());
  });

  it.each(eventRules({ originalsBucketName: 'placeholder' }).map((r) => [r.name, r] as const))(
    '%s: the workflow pattern, on its bus',
    (_name, rule) => {
      const cfn = defined(cfnRules.find((r) => r.Description === rule.description), rule.name);
      const expected = JSON.parse(JSON.stringify(rule.eventPattern).replace('"placeholder"', '"@@bucket"')) as unknown;
      const actual = JSON.parse(JSON.stringify(cfn.EventPattern).replace(/\{"Fn::GetStackOutput":\{[^{}]*\{[^{}]*\}[^{}]*"OutputName":"PublishOutputRefOriginals[0-9A-F]+"\}\}/, '"@@bucket"')) as unknown;
      expect(actual).toEqual(expected);
      if (rule.eventBus === 'default') expect(cfn.EventBusName).toBe('default');
      else expect(JSON.stringify(cfn.EventBusName)).toMatch(/RefEventBus/);
    },
  );

  it('gives every target the retry policy and the rule-target DLQ', () => {
    for (const rule of cfnRules) {
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0]).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: RULE_TARGET_RETRY.retryAttempts, MaximumEventAgeInSeconds: RULE_TARGET_RETRY.maxEventAge.toSeconds() },
      });
      expect(JSON.stringify(rule.Targets[0]?.['DeadLetterConfig'])).toMatch(/RuleTargetsDlq[0-9A-F]{8}Arn/);
    }
  });

  it('targets the state machine, the notify queue, ingest onObjectCreated, metadata onPipelineEvent and the AVIF step', () => {
    const targetOf = (target: string): string => {
      const rule = defined(rules.find((r) => r.target === target), target);
      return JSON.stringify(defined(cfnRules.find((r) => r.Description === rule.description), rule.name).Targets[0]?.['Arn']);
    };
    expect(targetOf('pipeline')).toMatch(/"Ref":"PipelineStateMachine/);
    expect(targetOf('notify-queue')).toMatch(/NotifyQueue[0-9A-F]{8}Arn/);
    expect(targetOf('ingest-on-object-created')).toMatch(/IngestOnObjectCreated[0-9A-F]{8}Arn/);
    expect(targetOf('metadata')).toMatch(/MetadataOnPipelineEvent[0-9A-F]{8}Arn/);
    expect(targetOf('avif')).toMatch(/CompressAddAvifVariant[0-9A-F]{8}Arn/);
  });

  it('lets EventBridge invoke the three functions only from their own rule', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 3);
    template.allResourcesProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Pipeline'), 'Arn'] },
    });
  });

  it('lets the rule start executions of this machine only', () => {
    const statements = allowStatements(template, 'PipelineStateMachineEventsRole');
    expect(statements).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: expect.stringMatching(/^PipelineStateMachine/) } }),
    ]);
  });

  it('adds no statement to queues of other stacks (they grant EventBridge themselves)', () => {
    template.resourceCountIs('AWS::SQS::QueuePolicy', 0);
  });

  it('converts workflow patterns to the CDK shape and refuses keys it cannot map', () => {
    expect(toCdkEventPattern({ 'detail-type': ['A'], source: ['s'] })).toEqual({ detailType: ['A'], source: ['s'] });
    expect(() => toCdkEventPattern({ 'replay-name': ['x'] })).toThrow(/replay-name/);
  });
});

describe('FoundationStack: the rule-target DLQ policy', () => {
  it('lets EventBridge dead-letter from rules of this account only', () => {
    Template.fromStack(stacks.foundation).hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^RuleTargetsDlq') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowEventBridgeRuleDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });
});
