import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ServiceFunction, type InfraConfig, knobs } from '@imgpipe/infra-shared';
import { NOTIFY_ENV } from '@imgpipe/platform';

/** The notify service's knobs; each maps to one variable of apps/notify/src/config.ts. */
export interface NotifySettings {
  /** `WEBHOOK_TIMEOUT_MS` (max 30 000). @default the service default (5000) */
  readonly webhookTimeoutMs?: number;
  /** `WEBHOOK_MAX_RESPONSE_BYTES`. @default the service default (4096) */
  readonly webhookMaxResponseBytes?: number;
  /** `WEBHOOKS_SECRET_MAX_AGE_S`: how long a read of the webhook list is reused. @default the service default (300) */
  readonly webhooksSecretMaxAgeSeconds?: number;
}

export interface NotifyProps extends NotifySettings {
  readonly config: InfraConfig;
  readonly topic: ITopic;
  readonly idempotencyTable: ITable;
  /** The image histories (`EVENTS_TABLE`, read only): an event of an image deleted meanwhile is not delivered. */
  readonly eventsTable: ITable;
  /** The notify queue's redrive target. */
  readonly deadLetterQueue: IQueue;
  /** The bus whose rules may send to the notify queue. */
  readonly eventBus: IEventBus;
  /** The webhook list (`WEBHOOKS_SECRET_ARN`), read at run time. */
  readonly webhooksSecret: ISecret;
}

/**
 * Memory and timeout: one SNS publish and a few HTTPS webhooks per record, 10 records a
 * batch in parallel, each webhook bounded by `WEBHOOK_TIMEOUT_MS` (5 s by default):
 * network-bound, so 512 MB; 30 s covers a batch whose webhooks all hit their timeout.
 */
export const NOTIFY_MEMORY_MB = 512;
export const NOTIFY_TIMEOUT = Duration.seconds(30);
/** Records a batch. */
export const NOTIFY_BATCH_SIZE = 10;
/**
 * AWS's guidance for an SQS event source: a visibility timeout of at least six times the
 * function timeout, so a message is not handed out again while a retried invocation (Lambda
 * retries throttled polls) still works on it.
 */
export const NOTIFY_QUEUE_VISIBILITY = Duration.seconds(NOTIFY_TIMEOUT.toSeconds() * 6);
/** Deliveries of one message before the queue moves it to the DLQ. */
export const NOTIFY_MAX_RECEIVE_COUNT = 5;

/**
 * The notify service: the queue the outcome rule feeds (redriving to the notify DLQ after
 * {@link NOTIFY_MAX_RECEIVE_COUNT} receives) and the batch function consuming it with
 * partial batch responses, publishing to the SNS topic and keeping per-target idempotency
 * records in DynamoDB.
 *
 * The queue's policy lets EventBridge send from the rules of the imgpipe bus in this account
 * (ARN pattern, not one rule's ARN): the rule lives in the pipeline stack, and naming its ARN
 * here would make the two stacks depend on each other. The pipeline stack imports the queue,
 * so its target adds no policy of its own.
 */
export class NotifyService extends Construct {
  readonly queue: Queue;
  readonly fn: ServiceFunction<typeof NOTIFY_ENV>;

  constructor(scope: Construct, id: string, props: NotifyProps) {
    super(scope, id);
    const { config } = props;

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: NOTIFY_QUEUE_VISIBILITY,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: NOTIFY_MAX_RECEIVE_COUNT },
    });
    const stack = Stack.of(this);
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowImgpipeBusRules',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${props.eventBus.eventBusName}/*`,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );

    this.fn = new ServiceFunction(this, 'NotifyBatch', {
      service: 'notify',
      env: NOTIFY_ENV,
      entry: 'apps/notify/src/handlers/notify-batch.handler.ts',
      description: 'imgpipe notify: ImageProcessed / ImageProcessingFailed -> SNS and webhooks',
      memorySize: NOTIFY_MEMORY_MB,
      timeout: NOTIFY_TIMEOUT,
      logRetention: config.logRetention,
      logLevel: config.logLevel,
      environment: knobs(NOTIFY_ENV, {
        WEBHOOK_TIMEOUT_MS: props.webhookTimeoutMs,
        WEBHOOK_MAX_RESPONSE_BYTES: props.webhookMaxResponseBytes,
        WEBHOOKS_SECRET_MAX_AGE_S: props.webhooksSecretMaxAgeSeconds,
      }),
    })
      .bindTopic('NOTIFY_TOPIC_ARN', props.topic)
      .bindTable('IDEMPOTENCY_TABLE', props.idempotencyTable, 'read-write')
      .bindTable('EVENTS_TABLE', props.eventsTable, 'read')
      .bindSecret('WEBHOOKS_SECRET_ARN', props.webhooksSecret);

    this.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: NOTIFY_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
  }
}
