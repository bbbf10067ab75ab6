import { Duration, Stack } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  COMPRESSED_PREFIX,
  ImgpipeFunction,
  ServiceFunction,
  type InfraConfig,
  knobs,
  ORIGINALS_PREFIX,
  readInfraConfig,
  type PlatformTables,
  RULE_TARGET_RETRY,
  THUMBNAILS_PREFIX,
} from '@imgpipe/infra-shared';
import { METADATA_ENV, MetricNames, metricsNamespace } from '@imgpipe/platform';

/** The metadata service's knobs; each maps to one variable of apps/metadata/src/config.ts. */
export interface MetadataSettings {
  /** `RETENTION_DAYS`: read-model records expire this long after upload. @default never */
  readonly retentionDays?: number;
  /** `METADATA_MAX_ATTEMPTS`: attempts of one append + projection under concurrent writers. */
  readonly maxAttempts?: number;
  /** `RECONCILE_AFTER_MINUTES`: an image still processing this long after its last event is stuck. @default the app's (15) */
  readonly reconcileAfterMinutes?: number;
  /** `RECONCILE_MAX_REDRIVES`: re-drives of a stuck image before it fails `TIMED_OUT`. @default the app's (1) */
  readonly reconcileMaxRedrives?: number;
  /** How often the reconciler runs. @default {@link DEFAULT_RECONCILE_INTERVAL_MINUTES} */
  readonly reconcileIntervalMinutes?: number;
}

/**
 * The reconciler runs every 5 minutes by default: a stuck image is then settled at most 5
 * minutes after `RECONCILE_AFTER_MINUTES`, and a run that finds nothing costs eight index
 * Queries (one per shard) and one short invocation, about 8,600 a month.
 */
export const DEFAULT_RECONCILE_INTERVAL_MINUTES = 5;
/**
 * The reconciler reads the sparse index, one history and one `HeadObject` per stuck image,
 * then appends and publishes one event: 512 MB; 5 minutes bounds a backlog's run (what it
 * leaves, the next run finishes: every step is idempotent), and stays under the interval.
 */
export const RECONCILE_MEMORY_MB = 512;
export const RECONCILE_TIMEOUT = Duration.minutes(4);

export interface MetadataProps extends MetadataSettings {
  readonly config: InfraConfig;
  readonly tables: Pick<PlatformTables, 'imageMetadata' | 'imageEvents' | 'uploadGrants'>;
  readonly eventBus: IEventBus;
  /** Originals: the purge erases a deleted image's original (every version) after the undo window. */
  readonly originals: IBucket;
  /** Derivatives: a run finishing after a delete removes what it wrote; the purge removes any left. */
  readonly processed: IBucket;
  /** Where the purge schedule's target dead-letters an invocation it could not deliver. */
  readonly deadLetterQueue: IQueue;
  /** The on-failure destination of the bus consumer and the purge (both invoked asynchronously by EventBridge). */
  readonly asyncInvokeFailures: IQueue;
  /**
   * The CDN in front of the processed bucket: `RecordMetadata` writes its domain into the
   * delivery record's URLs (`CDN_BASE_URL`) and invalidates the derivatives a reprocess
   * replaced (`CDN_DISTRIBUTION_ID`). Absent: root-relative URLs, nothing to invalidate.
   */
  readonly distribution?: IDistribution;
}

/**
 * Memory and timeout. The record tasks and the bus consumer do a few DynamoDB round trips
 * (read the history, append, project), so 512 MB and 30 s (retries of an optimistic
 * append included). The rebuild scans the whole event store and rewrites the read model,
 * an operator's job that may run long: 1024 MB and Lambda's 15 minutes.
 */
export const METADATA_MEMORY_MB = 512;
export const METADATA_TIMEOUT = Duration.seconds(30);
/**
 * The two record tasks: the `RecordMetadata` and `RecordFailure` tasks' `TimeoutSeconds` in
 * libs/workflow/pipeline.asl.json (infra/src/stacks/pipeline.stack.spec.ts holds them equal),
 * so a timed-out task never leaves its function running on after the state machine moved on.
 */
export const RECORD_TASK_TIMEOUT = Duration.seconds(10);
/**
 * The `RecordThumbnails` task's `TimeoutSeconds` (issue 13): one append and one `PutEvents`,
 * best effort inside the thumbnail branch, so it is kept short in the Express budget.
 */
export const RECORD_THUMBNAILS_TASK_TIMEOUT = Duration.seconds(5);
export const REBUILD_MEMORY_MB = 1024;
export const REBUILD_TIMEOUT = Duration.minutes(15);
/**
 * The purge scans the read model for deleted images past their undo window and, for each,
 * erases a few objects and rewrites its history: network-bound, so 512 MB; Lambda's 15
 * minutes, so a backlog is worked through in one run (it is idempotent: what a run leaves,
 * the next one finishes).
 */
export const PURGE_MEMORY_MB = 512;
export const PURGE_TIMEOUT = Duration.minutes(15);

/**
 * The metadata service: its functions over the event store (the truth) and the read model
 * (its projection). The first five read and write both tables; only `recordFailure`
 * (`ImageProcessingFailed`), `recordThumbnails` (`ThumbnailsGenerated`) and the purge
 * (`ImagePurged`) publish, so only they may put events on the bus.
 * - `recordMetadata`: state machine task `RecordMetadata`; when the image was deleted while
 *   the run was in flight, it removes the image's derivatives (`s3:ListBucket` and
 *   `s3:DeleteObject` on the processed bucket's `compressed/` and `thumbnails/`) and records nothing;
 * - `recordFailure`: state machine task `RecordFailure`;
 * - `recordThumbnails`: state machine task `RecordThumbnails`, in the thumbnail branch: records
 *   `ThumbnailsGenerated` before the full-size encode ends and puts it on the bus (issue 13);
 * - `onPipelineEvent`: the bus consumer that appends every imgpipe event to the history;
 * - `rebuildReadModel`: operations (re-project one image or all from the event store);
 * - `purgeDeleted`: every `imgpipe:purgeIntervalMinutes` (an EventBridge schedule, retried and
 *   dead-lettered like every rule target), erases the originals of images whose undo window
 *   has passed (every version: `s3:ListBucketVersions`, `s3:DeleteObjectVersion`), removes any
 *   derivative left, redacts their history (`UpdateItem`), appends and publishes `ImagePurged`
 *   and writes the tombstone. Its grants are item-level and exactly what those steps call.
 */
export class MetadataService extends Construct {
  readonly recordMetadata: ServiceFunction<typeof METADATA_ENV>;
  readonly recordFailure: ServiceFunction<typeof METADATA_ENV>;
  readonly recordThumbnails: ServiceFunction<typeof METADATA_ENV>;
  readonly onPipelineEvent: ServiceFunction<typeof METADATA_ENV>;
  readonly rebuildReadModel: ServiceFunction<typeof METADATA_ENV>;
  readonly purgeDeleted: ServiceFunction<typeof METADATA_ENV>;
  /** The schedule that runs {@link purgeDeleted}, every {@link purgeInterval}. */
  readonly purgeSchedule: Rule;
  readonly purgeInterval: Duration;
  /** Re-drives or fails `TIMED_OUT` the images stuck processing (apps/metadata reconcile-stuck). */
  readonly reconcileStuck: ServiceFunction<typeof METADATA_ENV>;
  /** The schedule that runs {@link reconcileStuck}, every {@link reconcileInterval}. */
  readonly reconcileSchedule: Rule;
  readonly reconcileInterval: Duration;
  /** Any image failed `TIMED_OUT` by the reconciler: the pipeline lost a run twice (the platform broke, not the input). */
  readonly timedOutAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MetadataProps) {
    super(scope, id);
    const { config, tables, eventBus, originals, processed } = props;
    const environment = knobs(METADATA_ENV, {
      RETENTION_DAYS: props.retentionDays,
      METADATA_MAX_ATTEMPTS: props.maxAttempts,
      RECONCILE_AFTER_MINUTES: props.reconcileAfterMinutes,
      RECONCILE_MAX_REDRIVES: props.reconcileMaxRedrives,
      // The one window of the app (CDK context), the same value ingest writes into ImageDeleted.
      UNDO_WINDOW_SECONDS: config.undoWindowSeconds,
    });

    const newFunction = (
      fnId: string,
      handlerFile: string,
      description: string,
      sizing: { memorySize: number; timeout: Duration },
    ): ServiceFunction<typeof METADATA_ENV> =>
      new ServiceFunction(this, fnId, {
        service: 'metadata',
        env: METADATA_ENV,
        entry: `apps/metadata/src/handlers/${handlerFile}.handler.ts`,
        description: `imgpipe metadata: ${description}`,
        ...sizing,
        logRetention: config.logRetention,
        logLevel: config.logLevel,
        environment,
      });
    const fn = (...args: Parameters<typeof newFunction>): ServiceFunction<typeof METADATA_ENV> =>
      newFunction(...args)
        .bindTable('EVENTS_TABLE', tables.imageEvents, 'read-write')
        .bindTable('IMAGES_TABLE', tables.imageMetadata, 'read-write');

    const small = { memorySize: METADATA_MEMORY_MB, timeout: METADATA_TIMEOUT };
    const recordTask = { memorySize: METADATA_MEMORY_MB, timeout: RECORD_TASK_TIMEOUT };
    this.recordMetadata = fn('RecordMetadata', 'record-metadata', 'records a processed image (task RecordMetadata)', recordTask)
      // A run that finishes after a delete removes the image's derivatives (list, then delete).
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'list'], { prefix: COMPRESSED_PREFIX })
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'list'], { prefix: THUMBNAILS_PREFIX });
    if (props.distribution) {
      this.recordMetadata.nameResource('CDN_BASE_URL', `https://${props.distribution.distributionDomainName}`);
      this.recordMetadata.nameResource('CDN_DISTRIBUTION_ID', props.distribution.distributionId);
      // On this distribution only; the ARN built in this stack's account, as ingest's delete does.
      this.recordMetadata.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['cloudfront:CreateInvalidation'],
          resources: [
            Stack.of(this).formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: props.distribution.distributionId }),
          ],
        }),
      );
    }
    this.recordFailure = fn('RecordFailure', 'record-failure', 'records and publishes a failure (task RecordFailure)', recordTask)
      .bindEventBus('EVENT_BUS_NAME', eventBus);
    // Records the thumbnails early and tells the bus (the live update follows the metadata rule).
    this.recordThumbnails = fn('RecordThumbnails', 'record-thumbnails', 'records thumbnails before the full-size encode ends (task RecordThumbnails)', {
      memorySize: METADATA_MEMORY_MB,
      timeout: RECORD_THUMBNAILS_TASK_TIMEOUT,
    }).bindEventBus('EVENT_BUS_NAME', eventBus);
    this.onPipelineEvent = fn('OnPipelineEvent', 'on-pipeline-event', 'appends bus events to the image history', small)
      // An AVIF (ImageVariantAdded) that arrives after a delete or a reprocess is not recorded: its file is removed.
      .bindBucket('PROCESSED_BUCKET', processed, ['delete'], { prefix: COMPRESSED_PREFIX });
    this.rebuildReadModel = fn('RebuildReadModel', 'rebuild-read-model', 're-projects the read model from the event store', {
      memorySize: REBUILD_MEMORY_MB,
      timeout: REBUILD_TIMEOUT,
    });

    this.purgeDeleted = newFunction('PurgeDeleted', 'purge-deleted', 'erases deleted images after the undo window (scheduled)', {
      memorySize: PURGE_MEMORY_MB,
      timeout: PURGE_TIMEOUT,
    })
      // Finds the images to purge (Scan with a filter), reads one (Query), writes the tombstone
      // (conditional PutItem; DeleteItem when an older projection left it under another key).
      .bindTableActions('IMAGES_TABLE', tables.imageMetadata, ['Query', 'Scan', 'PutItem', 'DeleteItem'])
      // Loads a history (Query), rewrites it redacted (UpdateItem), appends ImagePurged
      // (conditional PutItem; GetItem reads the event at a conflicting sequence).
      .bindTableActions('EVENTS_TABLE', tables.imageEvents, ['Query', 'GetItem', 'PutItem', 'UpdateItem'])
      // Removes the purged image's upload grant: its key holds the file name (DeleteItem only).
      .bindTableActions('GRANTS_TABLE', tables.uploadGrants, ['DeleteItem'])
      // Every version of every key under the image's prefixes: ListObjectVersions, then
      // DeleteObjects naming each version id (an unversioned bucket's is "null", still a
      // version delete); a plain delete where no version id is known.
      .bindBucket('ORIGINALS_BUCKET', originals, ['delete', 'delete-version', 'list-versions'], { prefix: ORIGINALS_PREFIX })
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'delete-version', 'list-versions'], { prefix: COMPRESSED_PREFIX })
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'delete-version', 'list-versions'], { prefix: THUMBNAILS_PREFIX })
      // ImagePurged goes on the bus too, so the archive and the UI hear of it.
      .bindEventBus('EVENT_BUS_NAME', eventBus);
    // As the pipeline's targets: imported by ARN, so the target adds no statement to the
    // Foundation's queue policy (which already lets this account's rules send).
    const deadLetterQueue = Queue.fromQueueAttributes(this, 'RuleTargetsDlq', {
      queueArn: props.deadLetterQueue.queueArn,
      queueUrl: props.deadLetterQueue.queueUrl,
    });
    this.purgeInterval = Duration.minutes(config.purgeIntervalMinutes);
    this.purgeSchedule = new Rule(this, 'PurgeSchedule', {
      description: `imgpipe metadata: purge deleted images past their undo window, every ${config.purgeIntervalMinutes} min`,
      schedule: Schedule.rate(this.purgeInterval),
      targets: [new LambdaFunction(this.purgeDeleted, { ...RULE_TARGET_RETRY, deadLetterQueue })],
    });

    this.reconcileStuck = newFunction('ReconcileStuck', 'reconcile-stuck', 're-drives or fails images stuck processing (scheduled)', {
      memorySize: RECONCILE_MEMORY_MB,
      timeout: RECONCILE_TIMEOUT,
    })
      // The sparse processing index (Query), the read model of one image (Query), the projection
      // (conditional PutItem; DeleteItem when an older projection left it under another key).
      .bindTableActions('IMAGES_TABLE', tables.imageMetadata, ['Query', 'PutItem', 'DeleteItem'])
      // Loads a history (Query), appends (conditional PutItem; GetItem reads a conflicting sequence).
      .bindTableActions('EVENTS_TABLE', tables.imageEvents, ['Query', 'GetItem', 'PutItem'])
      // Whether the original is still there before a re-drive (HeadObject needs s3:GetObject).
      .bindBucket('ORIGINALS_BUCKET', originals, ['read'], { prefix: ORIGINALS_PREFIX })
      // The re-driven ImageUploaded and the ImageProcessingFailed go on the bus.
      .bindEventBus('EVENT_BUS_NAME', eventBus)
      .nameResource('PROCESSED_BUCKET', processed.bucketName);
    this.reconcileInterval = Duration.minutes(props.reconcileIntervalMinutes ?? DEFAULT_RECONCILE_INTERVAL_MINUTES);
    this.reconcileSchedule = new Rule(this, 'ReconcileSchedule', {
      description: `imgpipe metadata: re-drive or fail images stuck processing, every ${this.reconcileInterval.toMinutes()} min`,
      schedule: Schedule.rate(this.reconcileInterval),
      targets: [new LambdaFunction(this.reconcileStuck, { ...RULE_TARGET_RETRY, deadLetterQueue })],
    });
    this.timedOutAlarm = new Metric({
      namespace: metricsNamespace(readInfraConfig(this.node).stage),
      metricName: MetricNames.ImagesTimedOut,
      dimensionsMap: { service: 'metadata' },
      statistic: 'Sum',
      period: Duration.minutes(15),
    }).createAlarm(this, 'ImagesTimedOutAlarm', {
      alarmDescription: 'The reconciler failed images TIMED_OUT: runs were lost even after a re-drive (see docs/deploy.md, "Images stuck processing").',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // EventBridge invokes these asynchronously: what Lambda gives up on is kept, not dropped.
    this.onPipelineEvent.deadLetterAsyncInvokes(props.asyncInvokeFailures);
    this.purgeDeleted.deadLetterAsyncInvokes(props.asyncInvokeFailures);
    this.reconcileStuck.deadLetterAsyncInvokes(props.asyncInvokeFailures);

    // The metadata config requires the bus name and both buckets (one schema serves every
    // handler); a function that does not call one gets its name without a grant.
    for (const quiet of [this.recordMetadata, this.onPipelineEvent, this.rebuildReadModel]) {
      quiet.nameResource('EVENT_BUS_NAME', eventBus.eventBusName);
    }
    for (const named of [this.recordMetadata, this.recordFailure, this.recordThumbnails, this.onPipelineEvent, this.rebuildReadModel]) {
      named.nameResource('ORIGINALS_BUCKET', originals.bucketName);
    }
    for (const named of [this.recordFailure, this.recordThumbnails, this.onPipelineEvent, this.rebuildReadModel]) {
      named.nameResource('PROCESSED_BUCKET', processed.bucketName);
    }
  }

  /** The functions of the service, for dashboards and alarms. */
  get functions(): readonly ImgpipeFunction[] {
    return [this.recordMetadata, this.recordFailure, this.recordThumbnails, this.onPipelineEvent, this.rebuildReadModel, this.purgeDeleted, this.reconcileStuck];
  }
}
