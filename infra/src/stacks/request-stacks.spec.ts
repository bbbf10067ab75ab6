import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';
import { NOTIFY_TIMEOUT } from '@imgpipe/notify-infra';
import { RULE_TARGET_RETRY } from '@imgpipe/infra-shared';
import { DYNAMODB_READ, DYNAMODB_WRITE, grantsOf } from '../testing/iam';
import { testApp } from '../testing/test-app';

// One synth for the file: ingest, metadata and notify (bundling skipped).
const stacks = buildApp(testApp(), { nag: false });

/** Matches one rendered grant resource: a cross-stack ARN by logical-id prefix, with `suffix` joined on (or none). */
type ResourceMatcher = (rendered: string) => boolean;
const arn =
  (logicalIdPrefix: string, suffix?: string): ResourceMatcher =>
  (rendered) =>
    new RegExp(`${logicalIdPrefix}[0-9A-F]{8}(Arn)?[0-9A-F]{8}"`).test(rendered) &&
    (suffix ? rendered.endsWith(`"${suffix}"]]}`) : !rendered.includes('Fn::Join'));
const matching =
  (pattern: RegExp): ResourceMatcher =>
  (rendered) =>
    pattern.test(rendered);

const expectResources = (grants: Record<string, string[]>, action: string, matchers: ResourceMatcher[]): void => {
  const resources = grants[action] ?? [];
  expect(resources).toHaveLength(matchers.length);
  for (const matcher of matchers) expect(resources.filter(matcher)).toHaveLength(1);
};

const functionEnv = (template: Template, description: RegExp): Record<string, unknown> => {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) =>
    description.test(String((f['Properties'] as { Description?: string }).Description)),
  );
  expect(fns).toHaveLength(1);
  return (fns[0]?.['Properties'] as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
};

describe('IngestStack', () => {
  const template = Template.fromStack(stacks.ingest);

  it('has two functions: the HTTP API and the upload validator, both with sharp installed (no pixels, 512 MB)', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 512, TracingConfig: { Mode: 'Active' } },
      2,
    );
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('upload API'), Timeout: 10 });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('checks an uploaded original'), Timeout: 30 });
  });

  it('lets only the API presign and check an original still exists: s3:PutObject and s3:GetObject on originals uploads/*, no delete', () => {
    const api = grantsOf(template, 'IngestHttpApiRole');
    expectResources(api, 's3:PutObject', [arn('Originals', '/uploads/*')]);
    expectResources(api, 's3:GetObject', [arn('Originals', '/uploads/*')]);
    expect(Object.keys(api).sort()).toEqual(
      [
        's3:PutObject',
        's3:GetObject',
        's3:DeleteObject',
        's3:ListBucket',
        ...DYNAMODB_READ,
        'dynamodb:PutItem',
        // The per-user limits' counters (rate-limits.spec.ts).
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'cloudfront:CreateInvalidation',
      ].sort(),
    );
    // The original is kept through the undo window: only metadata's purge erases it.
    expect((api['s3:DeleteObject'] ?? []).filter(arn('Originals', '/uploads/*'))).toEqual([]);
  });

  it('lets the API list and delete derivatives under compressed/ and thumbnails/ only', () => {
    const api = grantsOf(template, 'IngestHttpApiRole');
    expectResources(api, 's3:DeleteObject', [arn('Processed', '/compressed/*'), arn('Processed', '/thumbnails/*')]);
    expectResources(api, 's3:ListBucket', [matching(/s3:prefix":\["compressed\/\*"\]/), matching(/s3:prefix":\["thumbnails\/\*"\]/)]);
  });

  it('lets the API read both tables (and the user-id index), put and get upload grants, and put events; it writes no other table', () => {
    const api = grantsOf(template, 'IngestHttpApiRole');
    for (const action of DYNAMODB_READ) {
      expectResources(api, action, [
        arn('ImageEvents'),
        arn('ImageMetadata'),
        arn('ImageMetadata', '/index/*'),
        ...(action === 'dynamodb:GetItem' ? [arn('UploadGrants')] : []),
      ]);
    }
    // A grant is written at presign time (conditional put), and the caller's counter is updated
    // (per-user limits); nothing else is ever written.
    expectResources(api, 'dynamodb:PutItem', [arn('UploadGrants')]);
    expectResources(api, 'dynamodb:UpdateItem', [arn('RateLimits')]);
    for (const action of DYNAMODB_WRITE.filter((a) => a !== 'dynamodb:PutItem' && a !== 'dynamodb:UpdateItem')) expect(api[action]).toBeUndefined();
    expectResources(api, 'events:PutEvents', [arn('EventBus')]);
  });

  it('lets the API invalidate paths on the Delivery stack\'s distribution only, whose id it is given', () => {
    const api = grantsOf(template, 'IngestHttpApiRole');
    const deliveryCdn = /"Fn::GetStackOutput":\{"StackName":"imgpipe-dev-delivery","Region":\{"Ref":"AWS::Region"\},"OutputName":"PublishOutputRefCdn[0-9A-F]{8}[0-9A-F]{8}"\}/;
    expect(api['cloudfront:CreateInvalidation']).toEqual([
      expect.stringMatching(new RegExp(`^\\{"Fn::Join":\\["",\\["arn:",\\{"Ref":"AWS::Partition"\\},":cloudfront::",\\{"Ref":"AWS::AccountId"\\},":distribution/",\\{${deliveryCdn.source}\\}\\]\\]\\}$`)),
    ]);
    expect(JSON.stringify(functionEnv(template, /upload API/)['CDN_DISTRIBUTION_ID'])).toMatch(deliveryCdn);
    // The validator never invalidates.
    expect(functionEnv(template, /checks an uploaded original/)).not.toHaveProperty('CDN_DISTRIBUTION_ID');
  });

  it('lets the validator read originals uploads/* (a given version too), claim a grant, and erase a refused version; nothing more', () => {
    const validator = grantsOf(template, 'IngestOnObjectCreatedRole');
    expect(Object.keys(validator).sort()).toEqual(
      // sqs:SendMessage: its on-failure destination (the async-invokes DLQ).
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'events:PutEvents', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectVersion', 'sqs:SendMessage'].sort(),
    );
    for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:DeleteObjectVersion']) {
      expectResources(validator, action, [arn('Originals', '/uploads/*')]);
    }
    // Claiming is an update of the grant table alone; the event store and read model are not its to touch.
    expectResources(validator, 'dynamodb:GetItem', [arn('UploadGrants')]);
    expectResources(validator, 'dynamodb:UpdateItem', [arn('UploadGrants')]);
  });

  it('gives both handlers every variable the ingest config requires, the grants table included', () => {
    for (const description of [/upload API/, /checks an uploaded original/]) {
      const env = functionEnv(template, description);
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining(['ORIGINALS_BUCKET', 'PROCESSED_BUCKET', 'IMAGES_TABLE', 'EVENTS_TABLE', 'EVENT_BUS_NAME', 'GRANTS_TABLE']),
      );
      expect(JSON.stringify(env['GRANTS_TABLE'])).toMatch(/"OutputName":"PublishOutputRefUploadGrants[0-9A-F]{8}/);
      // Unset in context: the service's own default window applies (one definition, in libs/contracts).
      expect(env).not.toHaveProperty('UNDO_WINDOW_SECONDS');
    }
  });

  it('passes the configured undo window to both handlers', () => {
    const configured = Template.fromStack(buildApp(testApp({ 'imgpipe:undoWindowSeconds': 172_800 }), { nag: false }).ingest);
    for (const description of [/upload API/, /checks an uploaded original/]) {
      expect(functionEnv(configured, description)['UNDO_WINDOW_SECONDS']).toBe('172800');
    }
  });
});

describe('MetadataStack', () => {
  const template = Template.fromStack(stacks.metadata);
  const roles = ['RecordMetadata', 'RecordFailure', 'RecordThumbnails', 'OnPipelineEvent', 'RebuildReadModel'];

  it('has the six handlers, the rebuild and the purge sized for a full scan', () => {
    // The seventh: the reconciler of images stuck processing (reconcile-stuck.spec.ts).
    template.resourceCountIs('AWS::Lambda::Function', 7);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { MemorySize: 512, Timeout: 30 }, 1);
    // The two record tasks: their Task states' TimeoutSeconds (pipeline.stack.spec.ts holds them equal).
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { MemorySize: 512, Timeout: 10 }, 2);
    // The early record of the thumbnails (issue 13): best effort, 5 s, as its Task state.
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('task RecordThumbnails'), MemorySize: 512, Timeout: 5 }, 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('re-projects'),
      MemorySize: 1024,
      Timeout: 900,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('erases deleted images'),
      MemorySize: 512,
      Timeout: 900,
    });
  });

  it.each(roles)('%s reads and writes the event store and the read model, and nothing else but the bus and derivatives', (role) => {
    const grants = grantsOf(template, `Metadata${role}Role`);
    for (const action of [...DYNAMODB_READ, ...DYNAMODB_WRITE]) {
      expectResources(grants, action, [arn('ImageEvents'), arn('ImageMetadata'), arn('ImageMetadata', '/index/*')]);
    }
    const others: Record<string, string[]> = {
      // It removes a reprocessed image's replaced derivatives and invalidates their CDN paths.
      RecordMetadata: ['cloudfront:CreateInvalidation', 's3:DeleteObject', 's3:ListBucket'],
      RecordFailure: ['events:PutEvents'],
      // It puts the ThumbnailsGenerated it recorded on the bus, for the live update.
      RecordThumbnails: ['events:PutEvents'],
      // Its on-failure destination (the async-invokes DLQ): EventBridge invokes it asynchronously;
      // and the file of an AVIF that arrives after a delete or a reprocess, which it does not record.
      OnPipelineEvent: ['s3:DeleteObject', 'sqs:SendMessage'],
    };
    expect(Object.keys(grants).filter((a) => !a.startsWith('dynamodb:')).sort()).toEqual(others[role] ?? []);
  });

  it('lets recordMetadata remove a deleted image\'s late derivatives: list and delete under compressed/ and thumbnails/ only', () => {
    const grants = grantsOf(template, 'MetadataRecordMetadataRole');
    expectResources(grants, 's3:DeleteObject', [arn('Processed', '/compressed/*'), arn('Processed', '/thumbnails/*')]);
    expectResources(grants, 's3:ListBucket', [matching(/s3:prefix":\["compressed\/\*"\]/), matching(/s3:prefix":\["thumbnails\/\*"\]/)]);
    expect(Object.values(grants).flat().filter(arn('Originals', '/uploads/*'))).toEqual([]);
  });

  it('lets onPipelineEvent delete under compressed/ only (a discarded AVIF), nothing of the originals', () => {
    const grants = grantsOf(template, 'MetadataOnPipelineEventRole');
    expectResources(grants, 's3:DeleteObject', [arn('Processed', '/compressed/*')]);
    expect(Object.values(grants).flat().filter(arn('Originals', '/uploads/*'))).toEqual([]);
  });

  it('lets only recordFailure (ImageProcessingFailed), recordThumbnails (ThumbnailsGenerated) and the purge (ImagePurged) put events', () => {
    expectResources(grantsOf(template, 'MetadataRecordFailureRole'), 'events:PutEvents', [arn('EventBus')]);
    expectResources(grantsOf(template, 'MetadataRecordThumbnailsRole'), 'events:PutEvents', [arn('EventBus')]);
    expectResources(grantsOf(template, 'MetadataPurgeDeletedRole'), 'events:PutEvents', [arn('EventBus')]);
    for (const role of ['RecordMetadata', 'OnPipelineEvent', 'RebuildReadModel']) {
      expect(grantsOf(template, `Metadata${role}Role`)['events:PutEvents']).toBeUndefined();
    }
  });

  it('lets the purge erase every version under originals uploads/* and derivatives, and touch the tables item by item', () => {
    const purge = grantsOf(template, 'MetadataPurgeDeletedRole');
    expect(Object.keys(purge).sort()).toEqual(
      [
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:ListBucketVersions',
        'events:PutEvents',
        'sqs:SendMessage',
      ].sort(),
    );
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion']) {
      expectResources(purge, action, [arn('Originals', '/uploads/*'), arn('Processed', '/compressed/*'), arn('Processed', '/thumbnails/*')]);
    }
    const listVersions = purge['s3:ListBucketVersions'] ?? [];
    expect(listVersions).toHaveLength(3);
    for (const [bucket, prefix] of [['Originals', 'uploads'], ['Processed', 'compressed'], ['Processed', 'thumbnails']] as const) {
      expect(listVersions.filter((r) => new RegExp(`${bucket}[0-9A-F]{8}Arn.* if \\{"StringLike":\\{"s3:prefix":\\["${prefix}\\/\\*"\\]\\}\\}$`).test(r))).toHaveLength(1);
    }
    // Read model: find (Scan), read (Query), tombstone (PutItem, DeleteItem); event store: load, redact, append.
    // (A grant on the read model covers its user-id index too, as `table.grant` gives it.)
    const readModel = [arn('ImageMetadata'), arn('ImageMetadata', '/index/*')];
    expectResources(purge, 'dynamodb:Scan', readModel);
    expectResources(purge, 'dynamodb:Query', [...readModel, arn('ImageEvents')]);
    expectResources(purge, 'dynamodb:PutItem', [...readModel, arn('ImageEvents')]);
    // ...and the erased image's upload grant (its key names the file).
    expectResources(purge, 'dynamodb:DeleteItem', [...readModel, arn('UploadGrants')]);
    expectResources(purge, 'dynamodb:UpdateItem', [arn('ImageEvents')]);
    expectResources(purge, 'dynamodb:GetItem', [arn('ImageEvents')]);
  });

  it('runs the purge hourly from a schedule rule, retried and dead-lettered like every rule target', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'))
      .map((r) => r['Properties'] as Record<string, unknown>)
      // The other schedule is the reconciler's (reconcile-stuck.spec.ts).
      .filter((r) => /purge/.test(String(r['Description'])));
    expect(rules).toHaveLength(1);
    const purgeFn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, f]) =>
      /erases deleted images/.test(String((f['Properties'] as { Description?: string }).Description)),
    )?.[0];
    expect(rules[0]).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [purgeFn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: RULE_TARGET_RETRY.retryAttempts, MaximumEventAgeInSeconds: RULE_TARGET_RETRY.maxEventAge.toSeconds() },
          DeadLetterConfig: {
            Arn: { 'Fn::GetStackOutput': expect.objectContaining({ StackName: 'imgpipe-dev-foundation', OutputName: expect.stringMatching(/RuleTargetsDlq[0-9A-F]{8}Arn/) }) },
          },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [purgeFn, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MetadataPurgeSchedule'), 'Arn'] },
    });
    // The queue is imported: no policy of its own here (the Foundation's lets this account's rules send).
    template.resourceCountIs('AWS::SQS::QueuePolicy', 0);
  });

  it('runs the purge as often as imgpipe:purgeIntervalMinutes says', () => {
    const every15 = Template.fromStack(buildApp(testApp({ 'imgpipe:purgeIntervalMinutes': 15 }), { nag: false }).metadata);
    every15.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  it('gives every handler the variables the metadata config requires; the window only when configured', () => {
    for (const description of [/task RecordMetadata/, /task RecordFailure/, /task RecordThumbnails/, /appends bus events/, /re-projects/, /erases deleted images/]) {
      const env = functionEnv(template, description);
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining(['EVENTS_TABLE', 'IMAGES_TABLE', 'EVENT_BUS_NAME', 'ORIGINALS_BUCKET', 'PROCESSED_BUCKET']),
      );
      expect(env).not.toHaveProperty('UNDO_WINDOW_SECONDS');
    }
    const configured = Template.fromStack(buildApp(testApp({ 'imgpipe:undoWindowSeconds': 172_800 }), { nag: false }).metadata);
    for (const description of [/task RecordMetadata/, /erases deleted images/]) {
      expect(functionEnv(configured, description)['UNDO_WINDOW_SECONDS']).toBe('172800');
    }
  });
});

describe('NotifyStack', () => {
  const template = Template.fromStack(stacks.notify);

  it('consumes its queue in batches with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotifyQueue'), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives the queue a visibility timeout of at least six function timeouts and a redrive to the notify DLQ after 5 receives', () => {
    const queue = Object.values(template.findResources('AWS::SQS::Queue'))[0]?.['Properties'] as {
      VisibilityTimeout: number;
      RedrivePolicy: { deadLetterTargetArn: unknown; maxReceiveCount: number };
      SqsManagedSseEnabled: boolean;
    };
    template.resourceCountIs('AWS::SQS::Queue', 1);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * NOTIFY_TIMEOUT.toSeconds());
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: NOTIFY_TIMEOUT.toSeconds() });
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(JSON.stringify(queue.RedrivePolicy.deadLetterTargetArn)).toMatch(/NotifyDlq[0-9A-F]{8}Arn/);
    expect(queue.SqsManagedSseEnabled).toBe(true);
  });

  it('lets EventBridge send only from rules on the imgpipe bus of this account, and only over TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ]),
      },
    });
    const policy = JSON.stringify(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policy).toContain(':rule/');
    expect(policy).toMatch(/"OutputName":"PublishOutputRefEventBus[0-9A-F]+"\}\},"\/\*"\]\]/);
  });

  it('publishes to the topic (with its key), keeps idempotency records, reads the webhook secret and consumes the queue, nothing else', () => {
    const grants = grantsOf(template, 'NotifyNotifyBatchRole');
    expectResources(grants, 'sns:Publish', [matching(/RefNotifications[0-9A-F]{8}/)]);
    expectResources(grants, 'kms:GenerateDataKey*', [arn('NotificationsKey')]);
    // Notify reads an image's history (to send nothing for a deleted image) and never writes it.
    for (const action of DYNAMODB_READ) expectResources(grants, action, [arn('Idempotency'), arn('ImageEvents')]);
    for (const action of DYNAMODB_WRITE) expectResources(grants, action, [arn('Idempotency')]);
    expect(Object.keys(grants).filter((a) => a.startsWith('sqs:')).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    for (const action of ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']) {
      expectResources(grants, action, [matching(/RefWebhooks[0-9A-F]{8}/)]);
    }
    expect(Object.keys(grants).filter((a) => !/^(sqs|dynamodb|sns|kms|secretsmanager):/.test(a))).toEqual([]);
    expect(Object.keys(grants).filter((a) => a.startsWith('sns:'))).toEqual(['sns:Publish']);
  });

  it('sets the topic ARN, the idempotency table and the webhook secret\'s ARN (never a webhook list) the notify config requires', () => {
    const env = functionEnv(template, /notify/);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['NOTIFY_TOPIC_ARN', 'IDEMPOTENCY_TABLE', 'WEBHOOKS_SECRET_ARN']));
    expect(JSON.stringify(env['WEBHOOKS_SECRET_ARN'])).toMatch(/RefWebhooks[0-9A-F]{8}/);
    expect(env).not.toHaveProperty('WEBHOOKS');
  });
});
