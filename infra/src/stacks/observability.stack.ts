import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, Stats, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
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
import { METRICS_NAMESPACE } from '@imgpipe/infra-shared';

/** The processing-time SLA: an image is compressed, thumbnailed and recorded within 5 s (p95). */
export const PROCESSING_SLA = Duration.seconds(5);
/** A function alarms when more than this share of its invocations fail in {@link ALARM_PERIOD}. */
export const MAX_ERROR_RATE = 0.05;
/** The period every alarm evaluates, one datapoint of it breaching is enough. */
export const ALARM_PERIOD = Duration.minutes(5);

/** The CloudWatch dashboard of a service (`imgpipe-compress`) or of the pipeline (`imgpipe-pipeline`). */
export const dashboardName = (name: string): string => `imgpipe-${name}`;

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
  /** Alarm name part: `imgpipe-<name>-missed-run`. */
  readonly name: string;
  /** One of the services' functions. */
  readonly fn: IFunction;
  /** How often the schedule runs it; at most 12 hours (the missed-run window is twice that, and CloudWatch's longest period is a day). */
  readonly interval: Duration;
}

export interface ObservabilityStackProps extends StackProps {
  readonly services: readonly MonitoredService[];
  /** Functions among the services' that run on a schedule. @default none */
  readonly scheduledJobs?: readonly ScheduledJob[];
  readonly stateMachine: IStateMachine;
  /** Every DLQ, by name: an alarm fires as soon as one holds a message. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** Queues whose depth the pipeline dashboard shows (the notify queue). */
  readonly queues: Readonly<Record<string, IQueue>>;
}

/** An imgpipe custom metric (Powertools EMF, namespace `imgpipe`, dimension `service`). */
const imgpipeMetric = (metricName: string, service: string, statistic: string, label?: string): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
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
 * - any DLQ holding a message;
 * - a function's error rate over 5 % in 5 minutes (a scheduled job's: any error), and any throttle;
 * - a scheduled job that has not run for two of its intervals;
 * - any failed or timed-out pipeline execution;
 * - p95 `ProcessingTimeMs` over the 5 s SLA.
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
        metricFactoryDefaults: { namespace: METRICS_NAMESPACE, period: ALARM_PERIOD },
        alarmFactoryDefaults: {
          alarmNamePrefix: `imgpipe-${name}`,
          actionsEnabled: true,
          action: new SnsAlarmActionStrategy({ onAlarmTopic: this.opsTopic }),
          datapointsToAlarm: 1,
          evaluationPeriods: 1,
        },
        dashboardFactory: new DefaultDashboardFactory(this, `${name}Dashboards`, {
          dashboardNamePrefix: dashboardName(name),
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
          addThrottlesCountAlarm: { Critical: { maxErrorCount: 0 } },
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
        alarmName: `imgpipe-${job.name}-missed-run`,
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
      addFailedExecutionCountAlarm: { Critical: { maxErrorCount: 0 } },
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
      pipeline.monitorSqsQueue({ queue, alarmFriendlyName: `${name}-queue`, humanReadableName: `Queue ${name}` });
    }
    pipeline.monitorCustom({
      alarmFriendlyName: 'imgpipe-metrics',
      humanReadableName: `imgpipe metrics (namespace ${METRICS_NAMESPACE})`,
      metricGroups: customMetricGroups(),
    });
    facades['pipeline'] = pipeline;
    this.facades = facades;

    new CfnOutput(this, 'OpsTopicArn', { value: this.opsTopic.topicArn });
  }
}

/** The window a scheduled job must have run in: two of its intervals (CloudWatch periods are whole minutes, at most a day). */
export function missedRunWindow(interval: Duration): Duration {
  const minutes = 2 * interval.toMinutes();
  if (minutes > 24 * 60) throw new Error(`a scheduled job's interval must be at most 12 hours for its missed-run alarm, got ${interval.toHumanString()}`);
  return Duration.minutes(minutes);
}

/** The dashboard groups of the custom metrics, with the SLA alarm on p95 processing time. */
function customMetricGroups(): CustomMetricGroup[] {
  const failedByCode: IMetric = new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},code,service} MetricName="ImagesFailed"', 'Sum', ${ALARM_PERIOD.toSeconds()})`,
    usingMetrics: {},
    label: 'ImagesFailed',
    period: ALARM_PERIOD,
  });
  return [
    {
      title: 'Images processed / failed by code',
      metrics: [imgpipeMetric('ImagesProcessed', 'metadata', Stats.SUM, 'ImagesProcessed'), failedByCode as MathExpression],
    },
    {
      title: 'Processing time (ms): p50 / p95 / p99, SLA 5 s at p95',
      metrics: [
        imgpipeMetric('ProcessingTimeMs', 'metadata', Stats.p(50), 'p50'),
        {
          metric: imgpipeMetric('ProcessingTimeMs', 'metadata', Stats.p(95), 'p95'),
          alarmFriendlyName: 'processing-time-p95',
          addAlarm: {
            Critical: {
              threshold: PROCESSING_SLA.toMilliseconds(),
              comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
            },
          },
        },
        imgpipeMetric('ProcessingTimeMs', 'metadata', Stats.p(99), 'p99'),
      ],
    },
    {
      title: 'Bytes saved / compression ratio',
      metrics: [
        imgpipeMetric('BytesSaved', 'metadata', Stats.SUM, 'BytesSaved'),
        imgpipeMetric('CompressionRatio', 'metadata', Stats.AVERAGE, 'CompressionRatio (avg)'),
      ],
    },
  ];
}
