import { Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_RECONCILE_INTERVAL_MINUTES, RECONCILE_TIMEOUT } from '@imgpipe/metadata-infra';
import { RULE_TARGET_RETRY } from '@imgpipe/infra-shared';
import { buildApp } from '../app';
import { grantsOf } from '../testing/iam';
import { testApp } from '../testing/test-app';

// The reconciler of images stuck processing (apps/metadata reconcile-stuck), as the metadata stack declares it.
const stacks = buildApp(testApp(), { nag: false });
const template = Template.fromStack(stacks.metadata);

describe('the reconciler of images stuck processing (MetadataStack)', () => {
  it('runs the reconcile-stuck entry on a schedule, retried and dead-lettered like every rule target, inside its interval', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('re-drives or fails images stuck processing'),
      Timeout: RECONCILE_TIMEOUT.toSeconds(),
    });
    expect(RECONCILE_TIMEOUT.toMinutes()).toBeLessThan(DEFAULT_RECONCILE_INTERVAL_MINUTES);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: `rate(${DEFAULT_RECONCILE_INTERVAL_MINUTES} minutes)`,
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MetadataReconcileStuck'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: RULE_TARGET_RETRY.retryAttempts, MaximumEventAgeInSeconds: RULE_TARGET_RETRY.maxEventAge.toSeconds() },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
    // What Lambda gives up on after an async invoke is kept.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^MetadataReconcileStuck') },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('grants exactly what it calls: the index and histories, a HeadObject on originals, PutEvents; no Scan, no delete of objects', () => {
    const grants = grantsOf(template, 'MetadataReconcileStuckRole');
    const actions = Object.keys(grants).sort();
    expect(actions).toEqual(
      // sqs:SendMessage: the async-invokes on-failure destination.
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'events:PutEvents', 's3:GetObject', 'sqs:SendMessage'].sort(),
    );
    expect(grants['s3:GetObject']?.every((r) => r.includes('/uploads/*'))).toBe(true);
    expect(actions).not.toContain('dynamodb:Scan');
  });

  it('alarms on any image the reconciler failed TIMED_OUT', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'imgpipe/dev',
      MetricName: 'ImagesTimedOut',
      Dimensions: [{ Name: 'service', Value: 'metadata' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});
