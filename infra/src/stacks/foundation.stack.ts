import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  CfnBucket,
  HttpMethods,
  ObjectOwnership,
  type BucketProps,
} from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { TABLES } from '@imgpipe/platform';
import type { Construct } from 'constructs';
import {
  COMPRESSED_PREFIX,
  THUMBNAILS_PREFIX,
  type DeadLetterQueues,
  type FoundationResources,
  type InfraConfig,
  type PlatformTables,
} from '@imgpipe/infra-shared';
import { createPlatformTable } from '../constructs/platform-table.construct';

export interface FoundationStackProps extends StackProps {
  readonly config: InfraConfig;
}

/**
 * How long the originals bucket keeps a version after it stops being current (a refused second
 * upload whose delete left a marker, anything a purge could not reach): one day, S3's minimum.
 */
export const ORIGINALS_NONCURRENT_EXPIRY = Duration.days(1);

/** How long a DLQ keeps a message: the SQS maximum, so a long weekend never loses one. */
const DLQ_RETENTION = Duration.days(14);

/**
 * Everything stateful, in one termination-protected stack whose resources all survive a
 * stack delete: the buckets, the tables, the bus and its archive, the topic and the DLQs.
 * Service stacks come and go; this one is deployed rarely and never torn down by accident.
 */
export class FoundationStack extends Stack {
  readonly resources: FoundationResources;

  constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { config } = props;

    const secureBucket = (bucketId: string, extra: BucketProps): Bucket =>
      new Bucket(this, bucketId, {
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        encryption: BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy: RemovalPolicy.RETAIN,
        ...extra,
      });

    // Log delivery needs SSE-S3 and ACL-less ownership on the target; access logs age out.
    const accessLogs = secureBucket('AccessLogs', {
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the originals and processed buckets; logging it into itself would loop.',
    });

    const originals = secureBucket('Originals', {
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'originals/',
      // Versioned so that ingest can refuse the second object of a used upload grant by deleting
      // that object's version (the first becomes current again). A version that stops being
      // current is kept one day, then erased: an original is personal data, and after a purge
      // (which deletes every version) nothing of it may linger. Delete markers left with no
      // version behind them are removed too.
      lifecycleRules: [
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: ORIGINALS_NONCURRENT_EXPIRY },
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // The browser POSTs straight to a presigned URL, and GETs its original through the short-lived
      // signed URL of `GET /images/{id}/original` (download, before/after); the signature is the
      // authorisation either way, CORS only lets the UI's origins read the answer.
      cors: [
        {
          allowedMethods: [HttpMethods.POST, HttpMethods.GET],
          allowedOrigins: [...config.uploadCorsOrigins],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Location'],
          maxAge: 3000,
        },
      ],
    });

    // S3 -> EventBridge delivery (ingest's onObjectCreated rule listens on the default bus).
    // Set on the CloudFormation resource itself: the L2's `eventBridgeEnabled: true` goes
    // through a custom-resource Lambda (BucketNotificationsHandler) that would be one more
    // function, role and managed policy to run and to justify, for a property CloudFormation
    // supports natively.
    (originals.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    // Derivatives are reproducible from originals + event history, so no versioning here; it
    // also means a deleted image's renditions are gone at once (no noncurrent version to expire).
    const processed = secureBucket('Processed', {
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'processed/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // A backstop, inert while the bucket is unversioned: should versioning ever be turned on,
        // a purged image's derivatives would otherwise live on as noncurrent versions for ever.
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: ORIGINALS_NONCURRENT_EXPIRY },
      ],
    });

    // CloudFront (Origin Access Control) reads the derivatives. The distribution lives in the
    // delivery stack; naming its ARN here would make the two stacks depend on each other, so
    // the grant is to this account's distributions, on the derivative prefixes only.
    processed.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudFrontOacReadDerivatives',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [processed.arnForObjects(`${COMPRESSED_PREFIX}*`), processed.arnForObjects(`${THUMBNAILS_PREFIX}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: '*' }) },
        },
      }),
    );

    const tables: PlatformTables = {
      imageMetadata: createPlatformTable(this, TABLES.imageMetadata),
      imageEvents: createPlatformTable(this, TABLES.imageEvents),
      idempotency: createPlatformTable(this, TABLES.idempotency),
      // Written by ingest at presign time, claimed by the first object; expired by TTL.
      uploadGrants: createPlatformTable(this, TABLES.uploadGrants),
      // The API's per-user request counters (ingest's HttpApi only); expired by TTL.
      rateLimits: createPlatformTable(this, TABLES.rateLimits),
    };

    const eventBus = new EventBus(this, 'EventBus', { eventBusName: config.eventBusName });
    eventBus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const archive = new Archive(this, 'EventArchive', {
      sourceEventBus: eventBus,
      description: `Every event on ${config.eventBusName}, kept for replay`,
      // An archive needs a pattern; "from this account" matches every event the bus accepts.
      eventPattern: { account: [this.account] },
      retention: Duration.days(config.archiveRetentionDays),
    });
    archive.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const topicKey = new Key(this, 'NotificationsKey', {
      description: 'Encrypts the imgpipe notifications topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const notificationsTopic = new Topic(this, 'Notifications', {
      displayName: 'imgpipe notifications',
      masterKey: topicKey,
      enforceSSL: true,
    });
    notificationsTopic.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const deadLetterQueue = (queueId: string): Queue => {
      const queue = new Queue(this, queueId, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: DLQ_RETENTION,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue (of consumers in other stacks); a DLQ of a DLQ would only move the problem.',
      });
      return queue;
    };
    const ruleTargetsDlq = deadLetterQueue('RuleTargetsDlq');
    // EventBridge dead-letters a failed delivery here. The rules live in the pipeline stack;
    // naming their ARNs would make this stack depend on it (a cycle), so the grant is to any
    // rule of this account and region, and the pipeline stack imports the queue (its targets
    // then add no policy of their own).
    ruleTargetsDlq.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowEventBridgeRuleDeadLetters',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [ruleTargetsDlq.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    const deadLetterQueues: DeadLetterQueues = {
      ruleTargets: ruleTargetsDlq,
      notify: deadLetterQueue('NotifyDlq'),
      asyncInvokes: deadLetterQueue('AsyncInvokesDlq'),
    };

    const webhooksSecret = new Secret(this, 'Webhooks', {
      description: 'imgpipe notify: the webhook list, JSON [{ "url", "secret", "userId"?, "events"?, "id"? }]',
      // Created as an empty list; the real one is put by a person after the deploy.
      // CloudFormation writes the value only when the template's value changes, and this one
      // never does, so a later deploy never overwrites the list that was put.
      secretStringValue: SecretValue.unsafePlainText('[]'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(webhooksSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook signing secrets are shared with each receiver, who must change theirs at the same moment; a Lambda rotation cannot reach the receivers, so rotation is a person putting a new list (notify re-reads it within WEBHOOKS_SECRET_MAX_AGE_S).',
    });

    this.resources = {
      buckets: { originals, processed },
      tables,
      eventBus,
      archive,
      notificationsTopic,
      deadLetterQueues,
      webhooksSecret,
    };

    // What people and the CLI (replay, redrive) need to find on a real account.
    const outputs: Record<string, string> = {
      OriginalsBucketName: originals.bucketName,
      ProcessedBucketName: processed.bucketName,
      ImageMetadataTableName: tables.imageMetadata.tableName,
      ImageEventsTableName: tables.imageEvents.tableName,
      IdempotencyTableName: tables.idempotency.tableName,
      UploadGrantsTableName: tables.uploadGrants.tableName,
      RateLimitsTableName: tables.rateLimits.tableName,
      EventBusName: eventBus.eventBusName,
      EventArchiveArn: archive.archiveArn,
      NotificationsTopicArn: notificationsTopic.topicArn,
      RuleTargetsDlqUrl: deadLetterQueues.ruleTargets.queueUrl,
      NotifyDlqUrl: deadLetterQueues.notify.queueUrl,
      AsyncInvokesDlqUrl: deadLetterQueues.asyncInvokes.queueUrl,
      WebhooksSecretArn: webhooksSecret.secretArn,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
