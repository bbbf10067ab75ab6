import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { EventBus, Rule, type EventPattern, type IEventBus, type IRuleTarget } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup, MetricFilter, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import {
  DEFAULT_EVENT_BUS_NAME,
  eventRules,
  PIPELINE_DEFINITION_PATH,
  type EventBridgePattern,
  type EventRule,
  type PipelineSubstitutions,
  type RuleTarget,
} from '@imgpipe/workflow';
import { readInfraConfig, RULE_TARGET_RETRY, type StateMachineLogLevel } from '@imgpipe/infra-shared';
import { metricsNamespace } from '@imgpipe/platform';
import { Construct } from 'constructs';

/** The functions behind the state machine's Lambda Task states. */
export interface PipelineTaskFunctions {
  readonly compress: IFunction;
  readonly thumbnail: IFunction;
  /** The thumbnail branch's early record of `ThumbnailsGenerated` (issue 13). */
  readonly recordThumbnails: IFunction;
  readonly recordMetadata: IFunction;
  readonly recordFailure: IFunction;
}

export interface PipelineProps {
  readonly tasks: PipelineTaskFunctions;
  readonly eventBus: IEventBus;
  readonly originals: IBucket;
  /** The notify service's queue (target of the outcome rule). */
  readonly notifyQueue: IQueue;
  /** Ingest's upload validator (target of the S3 Object Created rule). */
  readonly onObjectCreated: IFunction;
  /** Metadata's bus consumer (target of the every-event rule). */
  readonly onPipelineEvent: IFunction;
  /** Compress's AVIF step after `ImageProcessed` (target of `image-processed-to-avif`). */
  readonly addAvifVariant: IFunction;
  /** Where every rule target dead-letters what it could not deliver. */
  readonly deadLetterQueue: IQueue;
  readonly logRetention: RetentionDays;
  /** The execution log's level and whether it carries execution data (`imgpipe:stateMachineLog*`). */
  readonly logs: { readonly level: StateMachineLogLevel; readonly includeExecutionData: boolean };
}

/**
 * The metric counting runs that ended in `FailureNotRecorded` (RecordFailure itself failed:
 * nothing says the image failed), from a filter on the execution log, which logs every failed
 * execution at ERROR and above. Its alarm is in the Observability stack.
 */
export const failureNotRecordedMetric = (stage: string) => ({ namespace: metricsNamespace(stage), metricName: 'PipelineFailureNotRecorded' }) as const;
/** The `Fail` state's error name in pipeline.asl.json. */
export const FAILURE_NOT_RECORDED_ERROR = 'FailureNotRecorded';

// Re-exported from infra-shared, where every rule target of the app (here and in the service
// stacks) takes it from.
export { RULE_TARGET_RETRY };

/** The workflow's pattern keys as the CDK's `EventPattern` names them (it renders them back). */
const PATTERN_KEYS: Readonly<Record<string, keyof EventPattern>> = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
};

/** A `@imgpipe/workflow` pattern as the CDK `Rule` takes it; the synthesised pattern is the same JSON. */
export function toCdkEventPattern(pattern: EventBridgePattern): EventPattern {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const cdkKey = PATTERN_KEYS[key];
    if (!cdkKey) throw new Error(`event pattern key "${key}" has no CDK EventPattern field`);
    converted[cdkKey] = value;
  }
  return converted as EventPattern;
}

/**
 * The pipeline: the Express state machine of `libs/workflow/pipeline.asl.json` (the very
 * file the local runtime runs) and the event rules of `libs/workflow` (nothing about the
 * flow is declared here, only how each rule target maps to a resource).
 *
 * - The state machine logs to its own log group at `imgpipe:stateMachineLogLevel` (ERROR:
 *   failed executions only, without execution data, by default) and traces with X-Ray.
 *   A metric filter counts runs that ended in `FailureNotRecorded`. Its role may invoke exactly the five task functions and put events on the
 *   bus (`PublishProcessed`), nothing else.
 * - Every rule target retries ({@link RULE_TARGET_RETRY}) and dead-letters to the foundation's
 *   rule-target DLQ.
 */
export class Pipeline extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;
  /** One rule per entry of `eventRules`, by its target. */
  readonly rules: Readonly<Record<RuleTarget, Rule>>;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { tasks, eventBus } = props;

    this.logGroup = new LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const substitutions: PipelineSubstitutions = {
      CompressFunctionArn: tasks.compress.functionArn,
      ThumbnailFunctionArn: tasks.thumbnail.functionArn,
      RecordThumbnailsFunctionArn: tasks.recordThumbnails.functionArn,
      RecordFunctionArn: tasks.recordMetadata.functionArn,
      RecordFailureFunctionArn: tasks.recordFailure.functionArn,
      EventBusName: eventBus.eventBusName,
    };
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromFile(PIPELINE_DEFINITION_PATH),
      definitionSubstitutions: { ...substitutions },
      logs: { destination: this.logGroup, level: LogLevel[props.logs.level], includeExecutionData: props.logs.includeExecutionData },
      tracingEnabled: true,
    });
    // The definition is a file, so the CDK cannot see which functions it calls: grant exactly
    // the five (plain ARNs: the definition invokes $LATEST, never a version or alias).
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [tasks.compress, tasks.thumbnail, tasks.recordThumbnails, tasks.recordMetadata, tasks.recordFailure].map((fn) => fn.functionArn),
      }),
    );
    eventBus.grantPutEventsTo(this.stateMachine);
    new MetricFilter(this, 'FailureNotRecordedRuns', {
      logGroup: this.logGroup,
      filterPattern: FilterPattern.all(
        FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'),
        FilterPattern.stringValue('$.details.error', '=', FAILURE_NOT_RECORDED_ERROR),
      ),
      metricNamespace: failureNotRecordedMetric(readInfraConfig(this.node).stage).namespace,
      metricName: failureNotRecordedMetric(readInfraConfig(this.node).stage).metricName,
      metricValue: '1',
      defaultValue: 0,
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'Logs at ERROR (failed executions) by default, not ALL: ALL logs every state transition, tens of GB a day at 1M images, with user data when execution data is on. imgpipe:stateMachineLogLevel=ALL raises it for debugging; X-Ray traces every execution meanwhile.',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Two service-mandated wildcards: X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs log delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups, ...) support no resource-level permissions, per the AWS service authorization reference and the Step Functions logging guide.',
    });

    // The rule-target DLQ and the notify queue are imported (by ARN) so the targets add no
    // statement to their policies in other stacks: their own stacks grant EventBridge.
    const deadLetterQueue = Queue.fromQueueAttributes(this, 'RuleTargetsDlq', {
      queueArn: props.deadLetterQueue.queueArn,
      queueUrl: props.deadLetterQueue.queueUrl,
    });
    const notifyQueue = Queue.fromQueueAttributes(this, 'NotifyQueue', {
      queueArn: props.notifyQueue.queueArn,
      queueUrl: props.notifyQueue.queueUrl,
    });
    const delivery = { ...RULE_TARGET_RETRY, deadLetterQueue };
    const targets: Readonly<Record<RuleTarget, IRuleTarget>> = {
      pipeline: new SfnStateMachine(this.stateMachine, delivery),
      'notify-queue': new SqsQueue(notifyQueue, delivery),
      'ingest-on-object-created': new LambdaFunction(props.onObjectCreated, delivery),
      metadata: new LambdaFunction(props.onPipelineEvent, delivery),
      avif: new LambdaFunction(props.addAvifVariant, delivery),
    };

    const defaultBus = EventBus.fromEventBusName(this, 'DefaultBus', DEFAULT_EVENT_BUS_NAME);
    const rules: Partial<Record<RuleTarget, Rule>> = {};
    for (const rule of eventRules({ originalsBucketName: props.originals.bucketName })) {
      rules[rule.target] = this.createRule(rule, rule.eventBus === DEFAULT_EVENT_BUS_NAME ? defaultBus : eventBus, targets[rule.target]);
    }
    this.rules = rules as Record<RuleTarget, Rule>;
  }

  /** One rule; its physical name is left to CloudFormation (the construct id is the workflow's name). */
  private createRule(rule: EventRule, bus: IEventBus, target: IRuleTarget): Rule {
    return new Rule(this, rule.name, {
      eventBus: bus,
      description: rule.description,
      eventPattern: toCdkEventPattern(rule.eventPattern),
      targets: [target],
    });
  }
}
