import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ImageProcessedV1, createEnvelope, toEventBridgeEvent, type DataInputOf } from '@imgpipe/contracts';
import { TABLES, IdempotencyValidationError, createAwsClients, logger, type AwsClients } from '@imgpipe/platform';
import { LOCAL_CREDENTIALS, LOCAL_REGION, RecordingNotifier, startLocalDynamo, type LocalPeer } from '@imgpipe/platform/testing';
import { deliverOncePerEvent } from './deliver-once';
import type { NotificationDeliveryError } from './errors';
import { createNotifyBatchHandler } from './handlers/notify-batch.adapter';
import { createNotifyUseCase } from './notify.use-case';
import { testContext, toSqsEvent, toSqsRecord } from './testing/sqs-records';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver';
import { HttpWebhookSender } from './webhook/http-webhook-sender';

const TABLE = 'notify-idempotency';

describe('per-event idempotency (Powertools DynamoDB persistence layer on dynalite)', () => {
  let dynamo: LocalPeer;
  let clients: AwsClients;
  let receiver: WebhookReceiver;
  let notifier: RecordingNotifier;
  let handler: ReturnType<typeof createNotifyBatchHandler>;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tables: [{ definition: TABLES.idempotency, name: TABLE }] });
    clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: dynamo.endpoint } });
  });
  afterAll(async () => {
    clients.destroy();
    await dynamo.stop();
  });

  beforeEach(async () => {
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    receiver = await startWebhookReceiver();
    notifier = new RecordingNotifier();
    const useCase = createNotifyUseCase({
      notifier,
      webhookSender: new HttpWebhookSender({ allowHttp: true, allowLoopback: true }),
      webhooks: [{ id: 'receiver', url: `${receiver.origin}/hook`, secret: 'whsec_idempotency_0123456789' }],
      once: deliverOncePerEvent({ tableName: TABLE, client: clients.dynamodb }),
    });
    handler = createNotifyBatchHandler(() => useCase);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await receiver.stop();
  });

  /** An ImageProcessed event body with a fresh event id (records persist across tests). */
  function eventBody(eventId: string = randomUUID(), data: Partial<DataInputOf<typeof ImageProcessedV1>> = {}): string {
    const envelope = createEnvelope(ImageProcessedV1, { ...ImageProcessedV1.examples.full, ...data }, {
      eventId,
      correlationId: 'corr-idempotency',
      occurredAt: '2025-06-01T12:00:00.000Z',
    });
    return JSON.stringify(toEventBridgeEvent(ImageProcessedV1, envelope));
  }

  it('notifies once when the same message is delivered again', async () => {
    const body = eventBody();

    const first = await handler(toSqsEvent([toSqsRecord(body, 'm-1', 1)]), testContext());
    const second = await handler(toSqsEvent([toSqsRecord(body, 'm-1', 2)]), testContext());

    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(notifier.notifications).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });

  it('notifies once when EventBridge delivered the event twice (two messages, one event id)', async () => {
    const body = eventBody();

    await handler(toSqsEvent([toSqsRecord(body, 'copy-1')]), testContext());
    await handler(toSqsEvent([toSqsRecord(body, 'copy-2')]), testContext());

    expect(notifier.notifications).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });

  it('stores one record per event and target in the idempotency table', async () => {
    const before = await countItems();

    await handler(toSqsEvent([toSqsRecord(eventBody(), 'm-count')]), testContext());

    expect((await countItems()) - before).toBe(2); // sns + webhook:receiver
  });

  it('repeats only the failed target when a retried message finally succeeds', async () => {
    const body = eventBody();
    let answer = 503;
    receiver.respondWith((_req, res) => res.writeHead(answer).end());

    const first = await handler(toSqsEvent([toSqsRecord(body, 'm-retry', 1)]), testContext());
    answer = 204;
    const second = await handler(toSqsEvent([toSqsRecord(body, 'm-retry', 2)]), testContext());
    const third = await handler(toSqsEvent([toSqsRecord(body, 'm-retry', 3)]), testContext());

    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-retry' }] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(third).toEqual({ batchItemFailures: [] });
    expect(notifier.notifications).toHaveLength(1); // SNS succeeded the first time and was not repeated
    expect(receiver.received).toHaveLength(2); // the 503 and the 204, nothing after
  });

  it('refuses the same event id with a different payload instead of notifying again', async () => {
    const errors = jest.mocked(logger.error);
    const eventId = randomUUID();
    await handler(toSqsEvent([toSqsRecord(eventBody(eventId), 'm-a')]), testContext());

    const changed = await handler(
      toSqsEvent([toSqsRecord(eventBody(eventId, { processingTimeMs: 9999 }), 'm-b')]),
      testContext(),
    );

    expect(changed).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-b' }] });
    const logged = errors.mock.calls.find(([, extra]) => (extra as { messageId?: string }).messageId === 'm-b');
    const error = (logged?.[1] as { error: NotificationDeliveryError }).error;
    expect(error.failures.map((f) => f.error)).toEqual([
      expect.any(IdempotencyValidationError),
      expect.any(IdempotencyValidationError),
    ]);
    expect(notifier.notifications).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });

  it('notifies once for two copies of an event in one batch', async () => {
    const body = eventBody();

    const response = await handler(toSqsEvent([toSqsRecord(body, 'dup-1'), toSqsRecord(body, 'dup-2')]), testContext());
    // A copy that met the other still in progress is reported and retried; the retry is a no-op.
    const retried = response.batchItemFailures.map((f) => toSqsRecord(body, f.itemIdentifier, 2));
    if (retried.length > 0) await handler(toSqsEvent(retried), testContext());

    expect(notifier.notifications).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });

  async function countItems(): Promise<number> {
    const out = await clients.dynamodb.send(new ScanCommand({ TableName: TABLE, Select: 'COUNT' }));
    return out.Count ?? 0;
  }
});
