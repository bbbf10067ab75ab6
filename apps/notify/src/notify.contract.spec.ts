import { readStoredExamples, storedExampleVersions, type StoredExample } from '@imgpipe/contracts/artifacts';
import { logger } from '@imgpipe/platform';
import { RecordingNotifier } from '@imgpipe/platform/testing';
import { createNotifyBatchHandler } from './handlers/notify-batch.adapter';
import { NOTIFY_CONTRACTS, createNotifyUseCase, type NotifyContract } from './notify.use-case';
import { eventBridgeEventAround, testContext, toSqsEvent, toSqsRecord } from './testing/sqs-records';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver';
import { HttpWebhookSender } from './webhook/http-webhook-sender';
import { verifyWebhookSignature } from './webhook/signature';

/**
 * Consumer contract test: every stored example of every version of the events notify
 * consumes, from every source that may publish it, as EventBridge delivers it into SQS.
 */
const cases: Array<[string, NotifyContract, string, StoredExample]> = NOTIFY_CONTRACTS.flatMap((contract) =>
  contract.sources.flatMap((source) =>
    readStoredExamples(contract).map((example): [string, NotifyContract, string, StoredExample] => [
      `${contract.id}/${example.name} from ${source}`,
      contract,
      source,
      example,
    ]),
  ),
);

const STATUS = { ImageProcessed: 'processed', ImageProcessingFailed: 'failed' } as const;
const secret = 'whsec_contract_test_0123456789';

describe('notify consumes every stored example', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver.stop());
  beforeEach(() => {
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    receiver.received.length = 0;
  });
  afterEach(() => jest.restoreAllMocks());

  it('knows every stored version of ImageProcessed and ImageProcessingFailed', () => {
    const stored = storedExampleVersions().filter((id) => /^(ImageProcessed|ImageProcessingFailed)\.v\d+$/.test(id));
    expect(NOTIFY_CONTRACTS.map((c) => c.id).sort()).toEqual(stored);
    expect(cases.length).toBeGreaterThanOrEqual(stored.length);
  });

  it.each(cases)('%s', async (_name, contract, source, example) => {
    const notifier = new RecordingNotifier();
    const useCase = createNotifyUseCase({
      notifier,
      webhookSender: new HttpWebhookSender({ allowHttp: true, allowLoopback: true }),
      webhooks: [{ id: 'contract', url: `${receiver.origin}/hook`, secret }],
    });
    const handler = createNotifyBatchHandler(() => useCase);
    const event = eventBridgeEventAround({ detailType: contract.detailType, source, detail: example.detail });

    const response = await handler(toSqsEvent([toSqsRecord(event, 'contract-1')]), testContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const detail = example.detail as { eventId: string; data: { userId: string; imageId: string } };
    expect(notifier.notifications).toHaveLength(1);
    expect(notifier.notifications[0]?.attributes).toEqual({
      userId: detail.data.userId,
      status: STATUS[contract.detailType],
      detailType: contract.detailType,
    });
    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0];
    expect(request?.headers['imgpipe-event-id']).toBe(detail.eventId);
    expect(verifyWebhookSignature({ header: request?.headers['imgpipe-signature'], body: request?.body ?? '', secret }).valid).toBe(
      true,
    );
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({
      eventId: detail.eventId,
      detailType: contract.detailType,
      version: contract.version,
      data: { imageId: detail.data.imageId },
    });
  });
});
