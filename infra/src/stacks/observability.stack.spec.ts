import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MetricNames, TABLES } from '@imgpipe/platform';
import { buildApp } from '../app';
import { defined } from '../testing/iam';
import { testApp } from '../testing/test-app';
import {
  MAX_5XX_RATE,
  MAX_ERROR_RATE,
  MAX_FAILED_EXECUTION_RATE,
  MAX_NOTIFY_MESSAGE_AGE,
  MAX_TABLE_THROTTLES,
  MAX_THROTTLE_RATE,
  MIN_FAILED_EXECUTIONS,
  missedRunWindow,
  PROCESSING_SLA,
  THROTTLE_ALARM_PERIODS,
} from './observability.stack';

const stacks = buildApp(testApp(), { nag: false });
const template = Template.fromStack(stacks.observability);
const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a['Properties'] as Record<string, unknown>);
const alarmNamed = (pattern: RegExp) => alarms.filter((a) => pattern.test(String(a['AlarmName'])));
const dashboardBodies = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((d) =>
  // The body is JSON inside a Fn::Join: drop the escaping to search it.
  JSON.stringify((d['Properties'] as { DashboardBody: unknown }).DashboardBody).replace(/\\/g, ''),
);

describe('ObservabilityStack', () => {
  it('has one dashboard per service and one for the pipeline', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((d) => String((d['Properties'] as { DashboardName?: unknown }).DashboardName));
    expect(names.sort()).toEqual(['compress', 'ingest', 'metadata', 'notify', 'pipeline', 'thumbnail'].map((n) => `imgpipe-dev-${n}`));
  });

  it('shows invocations, errors, throttles and duration p50/p95/p99 of every function', () => {
    const services = dashboardBodies.filter((b) => !b.includes('imgpipe pipeline'));
    expect(services).toHaveLength(5);
    for (const body of services) {
      for (const needle of ['"Invocations"', '"Errors"', '"Throttles"', '"Duration"', '"stat":"p50"', '"stat":"p95"', '"stat":"p99"']) expect(body).toContain(needle);
    }
  });

  it('shows executions started/succeeded/failed/timed out, DLQ depth and the imgpipe metrics on the pipeline dashboard', () => {
    const pipeline = defined(dashboardBodies.find((b) => b.includes('imgpipe pipeline')), 'the pipeline dashboard');
    for (const needle of [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ApproximateNumberOfMessagesVisible',
      'ImagesProcessed',
      'ProcessingTimeMs',
      'BytesSaved',
      'CompressionRatio',
    ]) {
      expect(pipeline).toContain(needle);
    }
    expect(pipeline).toContain(`SEARCH('{imgpipe/dev,code,service} MetricName="ImagesFailed"', 'Sum', 300)`);
    // The API's 429s, by rate class (recordRequestRateLimited's dimension).
    expect(pipeline).toContain(`SEARCH('{imgpipe/dev,rateClass,service} MetricName="${MetricNames.RequestsRateLimited}"', 'Sum', 300)`);
  });

  it('names every alarm and dashboard after the stage (imgpipe:stage), so two stages can share an account', () => {
    expect(alarms.map((a) => String(a['AlarmName'])).filter((n) => !n.startsWith('imgpipe-dev-'))).toEqual([]);
    const prod = Template.fromStack(buildApp(testApp({ 'imgpipe:stage': 'prod' }), { nag: false }).observability);
    const prodNames = Object.values(prod.findResources('AWS::CloudWatch::Alarm')).map((a) => String((a['Properties'] as { AlarmName: string }).AlarmName));
    expect(prodNames.length).toBe(alarms.length);
    expect(prodNames.filter((n) => !n.startsWith('imgpipe-prod-'))).toEqual([]);
    prod.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'imgpipe-prod-pipeline' });
  });

  it('sends every alarm to the ops topic', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm['AlarmActions']).toEqual([{ Ref: expect.stringMatching(/^OpsAlarms/) }]);
      expect(alarm).toMatchObject({ ActionsEnabled: true });
      expect(alarm['DatapointsToAlarm']).toBeLessThanOrEqual(alarm['EvaluationPeriods'] as number);
    }
  });

  it('alarms on an error rate over 5 % in 5 minutes for the 11 request-driven functions, and on a throttle rate over 10 % for 15 minutes of all 13 (a burst is absorbed, not paged)', () => {
    const faultRate = alarmNamed(/Fault-Rate/);
    // metadata's RecordThumbnails and compress's AVIF step (issue 13) among them.
    expect(faultRate).toHaveLength(11);
    for (const alarm of faultRate) {
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: MAX_ERROR_RATE });
      expect(JSON.stringify(alarm['Metrics'])).toMatch(/"MetricName":"Errors".*"Period":300,"Stat":"Average"/);
    }
    expect(alarmNamed(/Throttled-Count/)).toEqual([]);
    const throttles = alarmNamed(/Throttled-Rate/);
    // All 13: the 12 above and the reconciler of images stuck processing.
    expect(throttles).toHaveLength(13);
    for (const alarm of throttles) {
      expect(alarm).toMatchObject({
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: MAX_THROTTLE_RATE,
        DatapointsToAlarm: THROTTLE_ALARM_PERIODS,
        EvaluationPeriods: THROTTLE_ALARM_PERIODS,
      });
    }
  });

  it('alarms on any error of the scheduled purge (a rate means nothing for an hourly job), and on its function only', () => {
    // The purge's, and the reconciler's (also a scheduled job).
    const faultCount = alarmNamed(/Fault-Count/).filter((a) => JSON.stringify(a['Metrics']).includes('MetadataPurgeDeleted'));
    expect(alarmNamed(/Fault-Count/)).toHaveLength(2);
    expect(faultCount).toHaveLength(1);
    expect(faultCount[0]).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    const metrics = JSON.stringify(faultCount[0]?.['Metrics']);
    expect(metrics).toMatch(/"MetricName":"Errors"/);
    expect(metrics).toMatch(/"OutputName":"PublishOutputRefMetadataPurgeDeleted[0-9A-F]{8}/);
    // Not also under the rate alarm: one failure, one alarm.
    for (const alarm of alarmNamed(/Fault-Rate/)) expect(JSON.stringify(alarm['Metrics'])).not.toContain('MetadataPurgeDeleted');
  });

  it('alarms when the purge has not run for two of its intervals, counting no data as not run', () => {
    const [alarm, ...more] = alarmNamed(/purge-missed-run/);
    expect(more).toEqual([]);
    expect(alarm).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      MetricName: 'Invocations',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 2 * 3600,
    });
    expect(JSON.stringify(alarm?.['Dimensions'])).toMatch(/"OutputName":"PublishOutputRefMetadataPurgeDeleted[0-9A-F]{8}/);
    const every15 = Template.fromStack(buildApp(testApp({ 'imgpipe:purgeIntervalMinutes': 15 }), { nag: false }).observability);
    every15.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'imgpipe-dev-purge-missed-run', Period: 1800 });
  });

  it('refuses a job interval whose missed-run window would exceed a CloudWatch period', () => {
    expect(missedRunWindow(Duration.hours(12)).toMinutes()).toBe(1440);
    expect(() => missedRunWindow(Duration.minutes(721))).toThrow(/at most 12 hours/);
  });

  it('alarms on failed executions as a rate (invalid uploads are successes), on any timed-out one and on any FailureNotRecorded run', () => {
    expect(alarmNamed(/StateMachine-Failure-Count/)).toEqual([]);
    const [rate] = alarmNamed(/failed-execution-rate/);
    expect(rate).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: MAX_FAILED_EXECUTION_RATE });
    const metrics = JSON.stringify(rate?.['Metrics']);
    expect(metrics).toContain(`IF(failed >= ${MIN_FAILED_EXECUTIONS}, failed / MAX([started, 1]), 0)`);
    expect(metrics).toMatch(/ExecutionsFailed.*ExecutionsStarted|ExecutionsStarted.*ExecutionsFailed/);
    expect(alarmNamed(/StateMachine-TimedOut-Count/)[0]).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    const [notRecorded] = alarmNamed(/failure-not-recorded/);
    expect(notRecorded).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(JSON.stringify(notRecorded)).toMatch(/"MetricName":"PipelineFailureNotRecorded","Namespace":"imgpipe\/dev"/);
  });

  it('alarms on any AsyncEventsDropped of the EventBridge-invoked functions and any FailedInvocations of the seven rules', () => {
    const dropped = alarmNamed(/async-events-dropped/);
    expect(dropped.map((a) => a['AlarmName']).sort()).toEqual([
      'imgpipe-dev-add-avif-variant-async-events-dropped',
      'imgpipe-dev-on-object-created-async-events-dropped',
      'imgpipe-dev-on-pipeline-event-async-events-dropped',
      'imgpipe-dev-purge-deleted-async-events-dropped',
      'imgpipe-dev-reconcile-stuck-async-events-dropped',
    ]);
    for (const alarm of dropped) {
      expect(alarm).toMatchObject({ Threshold: 0 });
      expect(JSON.stringify(alarm)).toMatch(/"MetricName":"AsyncEventsDropped","Namespace":"AWS\/Lambda"/);
    }
    const failed = alarmNamed(/failed-invocations/);
    // The pipeline's five rules (the AVIF step's too), the purge's and the reconciler's schedules.
    expect(failed).toHaveLength(7);
    for (const alarm of failed) {
      expect(alarm).toMatchObject({ Threshold: 0 });
      expect(JSON.stringify(alarm)).toMatch(/"MetricName":"FailedInvocations","Namespace":"AWS\/Events"/);
    }
  });

  it('alarms on the notify queue’s oldest message, API and CDN 5xx rates, and sustained DynamoDB throttles of every table', () => {
    expect(alarmNamed(/notify-queue-Queue-Message-Age/)[0]).toMatchObject({ Threshold: MAX_NOTIFY_MESSAGE_AGE.toSeconds() });
    const [api] = alarmNamed(/api-5xx-rate/);
    expect(api).toMatchObject({ Threshold: MAX_5XX_RATE });
    expect(JSON.stringify(api?.['Metrics'])).toMatch(/"MetricName":"5xx".*"MetricName":"Count"|"MetricName":"Count".*"MetricName":"5xx"/);
    const [cdn] = alarmNamed(/cdn-5xx-rate/);
    expect(cdn).toMatchObject({ Threshold: MAX_5XX_RATE * 100 });
    expect(JSON.stringify(cdn)).toMatch(/"MetricName":"5xxErrorRate","Namespace":"AWS\/CloudFront"/);
    const tables = alarmNamed(/^imgpipe-dev-table-.*-throttles$/);
    // One alarm per platform table, whatever tables there are (TABLES is their one list).
    expect(tables).toHaveLength(Object.keys(TABLES).length);
    for (const alarm of tables) expect(alarm).toMatchObject({ Threshold: MAX_TABLE_THROTTLES, DatapointsToAlarm: 2, EvaluationPeriods: 3 });
  });

  it('shows each of those alarms’ metrics in a platform-health row of the pipeline dashboard', () => {
    const pipeline = defined(dashboardBodies.find((b) => b.includes('imgpipe pipeline')), 'the pipeline dashboard');
    for (const needle of ['Platform health', 'AsyncEventsDropped', 'FailedInvocations', '5xxErrorRate', 'WriteThrottleEvents', 'PipelineFailureNotRecorded', 'ApproximateAgeOfOldestMessage']) {
      expect(pipeline).toContain(needle);
    }
  });

  it('alarms as soon as any DLQ holds a message', () => {
    for (const pattern of [/rule-targets-dlq/, /notify-dlq/, /async-invokes-dlq/]) {
      const matching = alarmNamed(pattern);
      expect(matching).toHaveLength(1);
      expect(matching[0]).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
      expect(JSON.stringify(matching[0]?.['Metrics'])).toContain('ApproximateNumberOfMessagesVisible');
    }
  });

  it('alarms when p95 processing time exceeds the 5 s SLA', () => {
    const [alarm] = alarmNamed(/processing-time-p95/);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: PROCESSING_SLA.toMilliseconds() });
    expect(JSON.stringify(alarm?.['Metrics'])).toMatch(/"MetricName":"ProcessingTimeMs","Namespace":"imgpipe\/dev".*"Stat":"p95"/);
  });

  it('encrypts the ops topic with a key CloudWatch may use', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OpsTopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
  });
});
