import { CfnOutput, Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, Stats, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IRule } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import {
  DefaultDashboardFactory,
  MonitoringFacade,
  SnsAlarmActionStrategy,
  type CustomMetricGroup,
} from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import { stagedName } from '@imgpipe/infra-shared';
import { MetricNames, metricsNamespace } from '@imgpipe/platform';
import { failureNotRecordedMetric } from '../constructs/pipeline.construct';

/** The processing-time SLA: an image is compressed, thumbnailed and recorded within 5 s (p95). */
export const PROCESSING_SLA = Duration.seconds(5);
/** A function alarms when more than this share of its invocations fail in {@link ALARM_PERIOD}. */
export const MAX_ERROR_RATE = 0.05;
/** The period every alarm evaluates, one datapoint of it breaching is enough. */
export const ALARM_PERIOD = Duration.minutes(5);
/**
 * Failed executions page above this share of started ones (and at least
 * {@link MIN_FAILED_EXECUTIONS} in a period). An invalid upload is no failed execution (it ends
 * in ImageRejected), so what is left is the platform failing: at 1M images a day (~3,500 runs
 * in 5 minutes) 0.5 % is ~17 images in 5 minutes.
 */
export const MAX_FAILED_EXECUTION_RATE = 0.005;
export const MIN_FAILED_EXECUTIONS = 5;
/**
 * Throttles page when over this share of a function's invocations are throttled for
 * {@link THROTTLE_ALARM_PERIODS} periods in a row: a burst is absorbed by retries (compress
 * and thumbnail are throttled on purpose, at their reserved concurrency), a throttle rate
 * that lasts 15 minutes means the budget is too small for the load.
 */
export const MAX_THROTTLE_RATE = 0.1;
export const THROTTLE_ALARM_PERIODS = 3;
/** API and CDN 5xx: share of requests (over at least {@link MIN_REQUESTS_FOR_RATE}). */
export const MAX_5XX_RATE = 0.01;
export const MIN_REQUESTS_FOR_RATE = 100;
/** The notify queue: its oldest message older than this means notify has stopped keeping up. */
export const MAX_NOTIFY_MESSAGE_AGE = Duration.minutes(5);
/**
 * DynamoDB throttle events per table in a period, two periods of three: on-demand tables
 * throttle only on a hot key or a sudden 2x jump, and the SDK retries a few; hundreds in
 * 5 minutes, sustained, are a hot partition or a table at its account limit.
 */
export const MAX_TABLE_THROTTLES = 100;

/** The CloudWatch dashboard of a service (`imgpipe-dev-compress`) or of the pipeline (`imgpipe-dev-pipeline`). */
export const dashboardName = (stage: string, name: string): string => stagedName(stage, name);

/** One service's functions, by name (`Compress`, `Ingest`...), for its dashboard and alarms. */
export interface MonitoredService {
  readonly name: string;
  readonly functions: readonly IFunction[];
}

/**
 * A function run on a schedule (metadata's purge). An error rate means little for a job that
 * runs once an hour, so it alarms on any error instead, and when it has not run for two of
 * its intervals: a job that silently stopped breaks a promise (erasure after the undo window).
 */
export interface ScheduledJob {
  /** Alarm name part: `imgpipe-<stage>-<name>-missed-run`. */
  readonly name: string;
  /** One of the services' functions. */
  readonly fn: IFunction;
  /** How often the schedule runs it; at most 12 hours (the missed-run window is twice that, and CloudWatch's longest period is a day). */
  readonly interval: Duration;
}

export interface ObservabilityStackProps extends StackProps {
  /** `imgpipe:stage`: every alarm and dashboard name starts `imgpipe-<stage>-`. */
  readonly stage: string;
  readonly services: readonly MonitoredService[];
  /** Functions among the services' that run on a schedule. @default none */
  readonly scheduledJobs?: readonly ScheduledJob[];
  readonly stateMachine: IStateMachine;
  /** Every DLQ, by name: an alarm fires as soon as one holds a message. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** Queues whose depth the pipeline dashboard shows (the notify queue); each alarms when its oldest message is older than {@link MAX_NOTIFY_MESSAGE_AGE}. */
  readonly queues: Readonly<Record<string, IQueue>>;
  /** Functions invoked asynchronously (EventBridge targets): any `AsyncEventsDropped` alarms. @default none */
  readonly asyncFunctions?: readonly IFunction[];
  /** Every EventBridge rule, by name: any `FailedInvocations` alarms. @default none */
  readonly rules?: Readonly<Record<string, IRule>>;
  /** The HTTP API: 5xx rate alarm. @default none */
  readonly httpApi?: IHttpApi;
  /** The CDN: 5xx rate alarm (CloudFront metrics exist in us-east-1 only). @default none */
  readonly distribution?: IDistribution;
  /** Tables, by name: sustained throttle events alarm. @default none */
  readonly tables?: Readonly<Record<string, ITable>>;
}

/** An imgpipe custom metric (Powertools EMF, namespace `imgpipe`, dimension `service`). */
const imgpipeMetric = (namespace: string, metricName: string, service: string, statistic: string, label?: string): Metric =>
  new Metric({
    namespace,
    metricName,
    dimensionsMap: { service },
    statistic,
    period: ALARM_PERIOD,
    ...(label ? { label } : {}),
  });

/**
 * Dashboards and alarms with cdk-monitoring-constructs: one dashboard per service (each
 * function's invocations, errors, duration p50/p95/p99 and throttles) and one for the
 * pipeline (state machine executions, queue and DLQ depth, the imgpipe custom metrics).
 * Alarms go to the ops topic (KMS-encrypted, CloudWatch may use the key):
 * - any DLQ holding a message (the async-invoke on-failure queue included);
 * - a function's error rate over 5 % in 5 minutes (a scheduled job's: any error), and a
 *   throttle rate over 10 % for 15 minutes;
 * - a scheduled job that has not run for two of its intervals;
 * - failed pipeline executions over 0.5 % (an invalid upload is a success), any timed-out one,
 *   any run that ended in `FailureNotRecorded`;
 * - any `AsyncEventsDropped`, any EventBridge `FailedInvocations`, the notify queue's oldest
 *   message over 5 minutes, API and CDN 5xx over 1 %, sustained DynamoDB throttles;
 * - p95 `ProcessingTimeMs` over the 5 s SLA.
 * The pipeline dashboard has a "Platform health" row with each of these.
 */
export class ObservabilityStack extends Stack {
  readonly opsTopic: Topic;
  readonly facades: Readonly<Record<string, MonitoringFacade>>;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);

    const key = new Key(this, 'OpsTopicKey', {
      description: 'Encrypts the imgpipe ops alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to an encrypted topic only if they may use its key.
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.opsTopic = new Topic(this, 'OpsAlarms', { displayName: 'imgpipe ops alarms', masterKey: key, enforceSSL: true });

    const facade = (name: string): MonitoringFacade =>
      new MonitoringFacade(this, `${name}Monitoring`, {
        metricFactoryDefaults: { namespace: metricsNamespace(props.stage), period: ALARM_PERIOD },
        alarmFactoryDefaults: {
          alarmNamePrefix: stagedName(props.stage, name),
          actionsEnabled: true,
          action: new SnsAlarmActionStrategy({ onAlarmTopic: this.opsTopic }),
          datapointsToAlarm: 1,
          evaluationPeriods: 1,
        },
        dashboardFactory: new DefaultDashboardFactory(this, `${name}Dashboards`, {
          dashboardNamePrefix: dashboardName(props.stage, name),
          createDashboard: true,
          createSummaryDashboard: false,
          createAlarmDashboard: false,
        }),
      });

    const facades: Record<string, MonitoringFacade> = {};
    for (const service of props.services) {
      const monitoring = facade(service.name).addLargeHeader(`imgpipe ${service.name}`);
      for (const fn of service.functions) {
        const scheduled = (props.scheduledJobs ?? []).some((job) => job.fn === fn);
        monitoring.monitorLambdaFunction({
          lambdaFunction: fn,
          // Lambda's Errors averaged per invocation is the error rate (0-1); a scheduled job
          // runs too rarely for a rate: any error alarms.
          ...(scheduled
            ? { addFaultCountAlarm: { Critical: { maxErrorCount: 0 } } }
            : { addFaultRateAlarm: { Critical: { maxErrorRate: MAX_ERROR_RATE } } }),
          addThrottlesRateAlarm: {
            Critical: { maxErrorRate: MAX_THROTTLE_RATE, datapointsToAlarm: THROTTLE_ALARM_PERIODS, evaluationPeriods: THROTTLE_ALARM_PERIODS },
          },
        });
      }
      monitoring.monitorCustom({
        alarmFriendlyName: `${service.name}-duration`,
        humanReadableName: `${service.name}: duration percentiles`,
        metricGroups: [
          {
            title: 'Duration p50 / p95 / p99 (ms)',
            metrics: service.functions.flatMap((fn) =>
              [Stats.p(50), Stats.p(95), Stats.p(99)].map((statistic) =>
                fn.metricDuration({ statistic, period: ALARM_PERIOD, label: `${fn.node.id} ${statistic}` }),
              ),
            ),
          },
        ],
      });
      facades[service.name] = monitoring;
    }

    for (const job of props.scheduledJobs ?? []) {
      const window = missedRunWindow(job.interval);
      new Alarm(this, `${job.name}MissedRun`, {
        alarmName: stagedName(props.stage, `${job.name}-missed-run`),
        alarmDescription: `imgpipe ${job.name} (${job.fn.node.path}) has not run for ${window.toHumanString()}: check its schedule rule and the rule-targets DLQ`,
        metric: job.fn.metricInvocations({ statistic: Stats.SUM, period: window }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // No datapoint at all is exactly the failure this alarm is for.
        treatMissingData: TreatMissingData.BREACHING,
        actionsEnabled: true,
      }).addAlarmAction(new SnsAction(this.opsTopic));
    }

    const pipeline = facade('pipeline').addLargeHeader('imgpipe pipeline');
    pipeline.monitorStepFunction({
      stateMachine: props.stateMachine,
      // By construction no run outlives the Express limit (libs/workflow asl-budget): any timeout is a bug.
      addTimedOutExecutionCountAlarm: { Critical: { maxErrorCount: 0 } },
    });
    pipeline.monitorCustom({
      alarmFriendlyName: 'executions',
      humanReadableName: 'Executions: started / succeeded / failed / timed out',
      metricGroups: [
        {
          title: 'Executions',
          metrics: (['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut'] as const).map((metricName) =>
            props.stateMachine.metric(metricName, { statistic: Stats.SUM, period: ALARM_PERIOD, label: metricName }),
          ),
        },
      ],
    });
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      pipeline.monitorSqsQueue({
        queue,
        alarmFriendlyName: `${name}-dlq`,
        humanReadableName: `DLQ ${name}`,
        addQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0 } },
      });
    }
    for (const [name, queue] of Object.entries(props.queues)) {
      pipeline.monitorSqsQueue({
        queue,
        alarmFriendlyName: `${name}-queue`,
        humanReadableName: `Queue ${name}`,
        addQueueMaxMessageAgeAlarm: { Critical: { maxAgeInSeconds: MAX_NOTIFY_MESSAGE_AGE.toSeconds() } },
      });
    }
    const health = platformHealthAlarms(this, props);
    for (const alarm of health.alarms) alarm.addAlarmAction(new SnsAction(this.opsTopic));
    pipeline.monitorCustom({
      alarmFriendlyName: 'platform-health',
      humanReadableName: 'Platform health (each has an alarm)',
      metricGroups: health.groups,
    });
    pipeline.monitorCustom({
      alarmFriendlyName: 'imgpipe-metrics',
      humanReadableName: `imgpipe metrics (namespace ${metricsNamespace(props.stage)})`,
      metricGroups: customMetricGroups(metricsNamespace(props.stage)),
    });
    facades['pipeline'] = pipeline;
    this.facades = facades;

    new CfnOutput(this, 'OpsTopicArn', { value: this.opsTopic.topicArn });
  }
}


/**
 * The alarms cdk-monitoring-constructs has no ready-made form for, and the dashboard groups
 * that show their metrics. Rates are metric math guarded by a minimum count, so a quiet night
 * (one failure in ten) does not page while a 1M/day load pages on a fraction of a percent.
 */
function platformHealthAlarms(scope: Construct, props: ObservabilityStackProps): { alarms: Alarm[]; groups: CustomMetricGroup[] } {
  const alarms: Alarm[] = [];
  const groups: CustomMetricGroup[] = [];
  const sum = { statistic: Stats.SUM, period: ALARM_PERIOD };
  const alarm = (id: string, metric: IMetric, threshold: number, description: string, periods = 1): Alarm => {
    const created = new Alarm(scope, id, {
      alarmName: stagedName(props.stage, id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([a-z])([0-9])/g, '$1-$2').toLowerCase()),
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: Math.min(periods, 2),
      treatMissingData: TreatMissingData.NOT_BREACHING,
      actionsEnabled: true,
    });
    alarms.push(created);
    return created;
  };

  const started = props.stateMachine.metric('ExecutionsStarted', sum);
  const failedExecutions = props.stateMachine.metric('ExecutionsFailed', sum);
  const failedRate = new MathExpression({
    expression: `IF(failed >= ${MIN_FAILED_EXECUTIONS}, failed / MAX([started, 1]), 0)`,
    usingMetrics: { failed: failedExecutions, started },
    label: 'failed executions (share of started)',
    period: ALARM_PERIOD,
  });
  alarm('PipelineFailedExecutionRate', failedRate, MAX_FAILED_EXECUTION_RATE,
    `Over ${MAX_FAILED_EXECUTION_RATE * 100} % of pipeline executions failed (at least ${MIN_FAILED_EXECUTIONS}): the platform, not the uploads (an invalid image ends in ImageRejected, a success). Runbook: docs/deploy.md "Failed executions".`);
  const notRecorded = new Metric({ ...failureNotRecordedMetric(props.stage), ...sum, label: 'FailureNotRecorded runs' });
  alarm('PipelineFailureNotRecorded', notRecorded, 0,
    'A pipeline run failed and RecordFailure could not record it: the image stays processing. Runbook: docs/deploy.md "FailureNotRecorded".');
  groups.push({ title: 'Executions failed (rate) / FailureNotRecorded', metrics: [failedRate, notRecorded] });

  const dropped = (props.asyncFunctions ?? []).map((fn) => {
    const metric = fn.metric('AsyncEventsDropped', { ...sum, label: `${fn.node.id} AsyncEventsDropped` });
    alarm(`${fn.node.id}AsyncEventsDropped`, metric, 0,
      `Lambda dropped asynchronous events of ${fn.node.path} (no destination took them). Runbook: docs/deploy.md "Async-invoke failures".`);
    return metric;
  });
  const failedInvocations = Object.entries(props.rules ?? {}).map(([name, rule]) => {
    const metric = new Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { RuleName: rule.ruleName }, ...sum, label: `${name} FailedInvocations` });
    alarm(`Rule${name.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase())}FailedInvocations`, metric, 0,
      `EventBridge could not deliver events of rule ${name} to its target (they went to the rule-targets DLQ). Runbook: docs/deploy.md "Rule-target failures".`);
    return metric;
  });
  if (dropped.length + failedInvocations.length > 0) {
    groups.push({ title: 'Async events dropped / rule FailedInvocations', metrics: [...dropped, ...failedInvocations] });
  }

  const edge: (Metric | MathExpression)[] = [];
  if (props.httpApi) {
    const errors = props.httpApi.metricServerError({ ...sum });
    const count = props.httpApi.metricCount({ ...sum });
    const rate = new MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, errors / requests, 0)`,
      usingMetrics: { errors, requests: count },
      label: 'API 5xx (share of requests)',
      period: ALARM_PERIOD,
    });
    alarm('Api5xxRate', rate, MAX_5XX_RATE, `Over ${MAX_5XX_RATE * 100} % of API requests answered 5xx (throttled Lambda, errors, timeouts).`);
    edge.push(rate);
  }
  if (props.distribution) {
    // CloudFront publishes 5xxErrorRate (a percentage) in us-east-1 only, region "Global".
    const rate = new Metric({
      namespace: 'AWS/CloudFront',
      metricName: '5xxErrorRate',
      dimensionsMap: { DistributionId: props.distribution.distributionId, Region: 'Global' },
      statistic: Stats.AVERAGE,
      period: ALARM_PERIOD,
      region: 'us-east-1',
      label: 'CDN 5xx %',
    });
    if (Stack.of(scope).region === 'us-east-1' || Token.isUnresolved(Stack.of(scope).region)) {
      alarm('Cdn5xxRate', rate, MAX_5XX_RATE * 100, `Over ${MAX_5XX_RATE * 100} % of CDN responses were 5xx (the processed bucket or the CDN function).`, 2);
    }
    edge.push(rate);
  }
  if (edge.length > 0) groups.push({ title: 'API / CDN 5xx', metrics: edge });

  // Metric ids must be unique within one dashboard graph: one pair per table.
  const tableThrottles = Object.entries(props.tables ?? {}).map(([name, table], i) => {
    const metric = new MathExpression({
      expression: `reads${i} + writes${i}`,
      usingMetrics: {
        [`reads${i}`]: table.metric('ReadThrottleEvents', { ...sum }),
        [`writes${i}`]: table.metric('WriteThrottleEvents', { ...sum }),
      },
      label: `${name} throttle events`,
      period: ALARM_PERIOD,
    });
    alarm(`Table${name.charAt(0).toUpperCase()}${name.slice(1)}Throttles`, metric, MAX_TABLE_THROTTLES,
      `DynamoDB table ${name} throttled over ${MAX_TABLE_THROTTLES} requests in 5 minutes, in two periods of three.`, 3);
    return metric;
  });
  if (tableThrottles.length > 0) groups.push({ title: 'DynamoDB throttle events', metrics: tableThrottles });
  return { alarms, groups };
}

/** The window a scheduled job must have run in: two of its intervals (CloudWatch periods are whole minutes, at most a day). */
export function missedRunWindow(interval: Duration): Duration {
  const minutes = 2 * interval.toMinutes();
  if (minutes > 24 * 60) throw new Error(`a scheduled job's interval must be at most 12 hours for its missed-run alarm, got ${interval.toHumanString()}`);
  return Duration.minutes(minutes);
}

/** The dashboard groups of the custom metrics, with the SLA alarm on p95 processing time. */
function customMetricGroups(namespace: string): CustomMetricGroup[] {
  const failedByCode: IMetric = new MathExpression({
    expression: `SEARCH('{${namespace},code,service} MetricName="ImagesFailed"', 'Sum', ${ALARM_PERIOD.toSeconds()})`,
    usingMetrics: {},
    label: 'ImagesFailed',
    period: ALARM_PERIOD,
  });
  // No alarm: a 429 is the per-user limit doing its job (docs/deploy.md, "Per-user limits"); the
  // graph shows whether the limits bite real users. Platform failures alarm on 5xx (Api5xxRate).
  const rateLimitedByClass: IMetric = new MathExpression({
    expression: `SEARCH('{${namespace},rateClass,service} MetricName="${MetricNames.RequestsRateLimited}"', 'Sum', ${ALARM_PERIOD.toSeconds()})`,
    usingMetrics: {},
    label: MetricNames.RequestsRateLimited,
    period: ALARM_PERIOD,
  });
  return [
    {
      title: 'Images processed / failed by code',
      metrics: [imgpipeMetric(namespace, 'ImagesProcessed', 'metadata', Stats.SUM, 'ImagesProcessed'), failedByCode as MathExpression],
    },
    {
      title: 'Processing time (ms): p50 / p95 / p99, SLA 5 s at p95',
      metrics: [
        imgpipeMetric(namespace, 'ProcessingTimeMs', 'metadata', Stats.p(50), 'p50'),
        {
          metric: imgpipeMetric(namespace, 'ProcessingTimeMs', 'metadata', Stats.p(95), 'p95'),
          alarmFriendlyName: 'processing-time-p95',
          addAlarm: {
            Critical: {
              threshold: PROCESSING_SLA.toMilliseconds(),
              comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
            },
          },
        },
        imgpipeMetric(namespace, 'ProcessingTimeMs', 'metadata', Stats.p(99), 'p99'),
      ],
    },
    {
      title: 'Bytes saved / compression ratio',
      metrics: [
        imgpipeMetric(namespace, 'BytesSaved', 'metadata', Stats.SUM, 'BytesSaved'),
        imgpipeMetric(namespace, 'CompressionRatio', 'metadata', Stats.AVERAGE, 'CompressionRatio (avg)'),
      ],
    },
    { title: 'API requests refused with 429 (per-user limits), by class', metrics: [rateLimitedByClass as MathExpression] },
  ];
}
