import { Match, Template } from 'aws-cdk-lib/assertions';
import { TABLES } from '@imgpipe/platform';
import { buildApp } from '../app';
import { testApp } from '../testing/test-app';

// One synth for the file (context overrides the archive retention to prove it is configurable;
// a 90-day archive needs an undo window at least 83 days long).
const app = testApp({ 'imgpipe:archiveRetentionDays': 90, 'imgpipe:undoWindowSeconds': 90 * 86_400 });
const { foundation } = buildApp(app, { nag: false });
const template = Template.fromStack(foundation);

const bucketLogicalId = (prefix: string): string => {
  const ids = Object.keys(template.findResources('AWS::S3::Bucket')).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

describe('FoundationStack', () => {
  it('is termination-protected and retains every stateful resource', () => {
    expect(foundation.terminationProtection).toBe(true);
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::DynamoDB::Table',
      'AWS::Events::EventBus',
      'AWS::Events::Archive',
      'AWS::SNS::Topic',
      'AWS::SQS::Queue',
      'AWS::KMS::Key',
      'AWS::SecretsManager::Secret',
    ]) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('runs no custom-resource Lambda (EventBridge notifications are set natively)', () => {
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('versions the originals bucket, expires noncurrent versions and sends events to EventBridge', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' })]),
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: bucketLogicalId('AccessLogs') }, LogFilePrefix: 'originals/' },
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['POST', 'GET'] })] },
    });
  });

  it('erases what stops being current in the originals bucket within a day, on the whole bucket', () => {
    const originals = template.findResources('AWS::S3::Bucket')[bucketLogicalId('Originals')];
    const rules = (originals?.['Properties'] as { LifecycleConfiguration: { Rules: Record<string, unknown>[] } }).LifecycleConfiguration.Rules;
    // A refused second upload, or a version a purge left behind: gone a day after it stops being current.
    expect(rules).toContainEqual({ Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' });
    expect(rules).toContainEqual({ Id: 'remove-expired-delete-markers', ExpiredObjectDeleteMarker: true, Status: 'Enabled' });
    expect(rules).toContainEqual({ Id: 'abort-incomplete-multipart', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' });
    // No filter: every key, whatever its prefix or tags.
    for (const rule of rules) expect(rule).not.toHaveProperty('Prefix');
    for (const rule of rules) expect(rule).not.toHaveProperty('TagFilters');
  });

  it('does not version the processed bucket, so a deleted rendition is gone at once; noncurrent versions would expire in a day', () => {
    const processed = template.findResources('AWS::S3::Bucket')[bucketLogicalId('Processed')];
    expect(processed?.['Properties']).not.toHaveProperty('VersioningConfiguration');
    expect(processed?.['Properties']).toMatchObject({
      LifecycleConfiguration: {
        Rules: [
          { Id: 'abort-incomplete-multipart', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
          { Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
        ],
      },
    });
    const rules = (processed?.['Properties'] as { LifecycleConfiguration: { Rules: Record<string, unknown>[] } }).LifecycleConfiguration.Rules;
    for (const rule of rules) expect(rule).not.toHaveProperty('Prefix');
  });

  it('blocks public access and encrypts every bucket, and logs the data buckets', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const bucket of Object.values(buckets)) {
      expect(bucket['Properties']).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      });
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: bucketLogicalId('AccessLogs') }, LogFilePrefix: 'processed/' },
    });
  });

  it('denies non-TLS requests on every bucket', () => {
    for (const prefix of ['Originals', 'Processed', 'AccessLogs']) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketLogicalId(prefix) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('declares the read model from the shared table definition: keys, GSI, TTL, PITR, on-demand', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'imageId', KeyType: 'HASH' },
        { AttributeName: 'uploadedAt', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'user-id-index',
          KeySchema: [
            { AttributeName: 'userId', KeyType: 'HASH' },
            { AttributeName: 'uploadedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          // Sparse: only a record still processing carries processingShard (the reconciler's Query).
          IndexName: 'processing-since-index',
          KeySchema: [
            { AttributeName: 'processingShard', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('declares the event store and the idempotency table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'imageId', KeyType: 'HASH' },
        { AttributeName: 'sequence', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'sequence', AttributeType: 'N' }]),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(TABLES).length);
  });

  it('declares the upload grants table from TABLES.uploadGrants: keyed by image id, expired by TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: TABLES.uploadGrants.partitionKey.name, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'imageId', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table')).filter((id) => id.startsWith(TABLES.uploadGrants.id))).toHaveLength(1);
  });

  it('declares every table of TABLES, and nothing else', () => {
    const ids = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    expect(ids).toHaveLength(Object.keys(TABLES).length);
    for (const def of Object.values(TABLES)) expect(ids.filter((id) => id.startsWith(def.id))).toHaveLength(1);
  });

  it('creates the imgpipe bus with an archive whose retention comes from context', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'imgpipe-dev' });
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 90,
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventBus'), 'Arn'] },
    });
  });

  it('archives for the undo window plus a week by default (14 days), since archived events name the files a purge erases', () => {
    const { foundation: defaults } = buildApp(testApp(), { nag: false });
    Template.fromStack(defaults).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 14 });
  });

  it('follows a longer undo window when the archive retention is not set', () => {
    const { foundation: longer } = buildApp(testApp({ 'imgpipe:undoWindowSeconds': 30 * 86_400 }), { nag: false });
    Template.fromStack(longer).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 37 });
  });

  it('encrypts the topic with a rotated key and denies non-TLS publishing', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('keeps three encrypted, TLS-only DLQs for 14 days (rule targets, notify, async-invoke failures)', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(3);
    for (const queue of queues) {
      expect(queue['Properties']).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    }
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      3,
    );
  });

  it('exposes the resources the other stacks and the CLI need', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of ['OriginalsBucketName', 'ProcessedBucketName', 'UploadGrantsTableName', 'EventBusName', 'EventArchiveArn', 'RuleTargetsDlqUrl', 'NotifyDlqUrl', 'AsyncInvokesDlqUrl', 'WebhooksSecretArn']) {
      expect(outputs).toContain(name);
    }
  });

  it('keeps the webhook list in a secret that starts as an empty list and is never rewritten by a deploy', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: '[]', Description: Match.stringLikeRegexp('webhook list') });
    // No generated value: the template's value is constant, so CloudFormation never writes it again.
    const [secret] = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secret?.['Properties']).not.toHaveProperty('GenerateSecretString');
  });
});
