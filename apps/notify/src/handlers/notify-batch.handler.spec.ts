import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { ImageProcessedV1, ImageUploadedV1, exampleEnvelope, toEventBridgeEvent } from '@imgpipe/contracts';
import { logger } from '@imgpipe/platform';
import { RecordingNotifier } from '@imgpipe/platform/testing';
import { createNotifyUseCase } from '../notify.use-case';
import { testContext, toSqsEvent, toSqsRecord } from '../testing/sqs-records';
import { HttpWebhookSender } from '../webhook/http-webhook-sender';
import { createNotifyBatchHandler } from './notify-batch.adapter';

const sample = (name: string): SQSEvent =>
  JSON.parse(readFileSync(join(__dirname, '../../events', name), 'utf8')) as SQSEvent;

function arrange() {
  const notifier = new RecordingNotifier();
  const useCase = createNotifyUseCase({ notifier, webhookSender: new HttpWebhookSender(), webhooks: [] });
  return { notifier, handler: createNotifyBatchHandler(() => useCase) };
}

describe('notify batch handler', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each(['sqs-image-processed.json', 'sqs-image-processing-failed.json'])('processes the sample %s', async (name) => {
    const { notifier, handler } = arrange();

    const response = await handler(sample(name), testContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(notifier.notifications).toHaveLength(1);
  });

  it('reports exactly the bad record of a batch and processes the others', async () => {
    const { notifier, handler } = arrange();
    const batch = sample('sqs-batch-with-invalid-record.json');
    const [good1, bad, good2] = batch.Records;

    const response = await handler(batch, testContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: bad?.messageId }] });
    const notifiedEvents = notifier.notifications.map((n) => (JSON.parse(n.message as string) as { eventId: string }).eventId);
    const eventIdOf = (body: string) => (JSON.parse(body) as { detail: { eventId: string } }).detail.eventId;
    expect(notifiedEvents.sort()).toEqual([eventIdOf(good1?.body ?? ''), eventIdOf(good2?.body ?? '')].sort());
    expect(errors).toHaveBeenCalledWith(
      expect.stringContaining('not a notify event'),
      expect.objectContaining({ messageId: bad?.messageId, issues: expect.arrayContaining([expect.objectContaining({ path: expect.arrayContaining(['data']) })]) }),
    );
  });

  it.each([
    ['not JSON', '{"version":'],
    ['JSON but no event', '{"hello":"world"}'],
    ['an event notify does not consume', JSON.stringify(toEventBridgeEvent(ImageUploadedV1, exampleEnvelope(ImageUploadedV1, 'minimal')))],
    [
      'a consumed event from a foreign source',
      JSON.stringify({ ...toEventBridgeEvent(ImageProcessedV1, exampleEnvelope(ImageProcessedV1, 'minimal')), source: 'attacker' }),
    ],
  ])('reports a record whose body is %s as failed', async (_name, body) => {
    const { notifier, handler } = arrange();
    const good = JSON.stringify(toEventBridgeEvent(ImageProcessedV1, exampleEnvelope(ImageProcessedV1, 'full')));

    const response = await handler(toSqsEvent([toSqsRecord(good, 'good'), toSqsRecord(body, 'bad')]), testContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(notifier.notifications).toHaveLength(1);
  });

  it('reports every record of a batch that fails entirely, rather than throwing', async () => {
    const { notifier, handler } = arrange();

    const response = await handler(toSqsEvent([toSqsRecord('x', 'a'), toSqsRecord('y', 'b')]), testContext());

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a', 'b']);
    expect(notifier.notifications).toHaveLength(0);
  });

  it('reports a record whose deliveries failed', async () => {
    const failing = {
      notify: () => Promise.reject(Object.assign(new Error('SNS down'), { retryable: true })),
    };
    const useCase = createNotifyUseCase({ notifier: failing, webhookSender: new HttpWebhookSender(), webhooks: [] });
    const handler = createNotifyBatchHandler(() => useCase);

    const response = await handler(sample('sqs-image-processed.json'), testContext());

    const id = sample('sqs-image-processed.json').Records[0]?.messageId;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: id }] });
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('notification failed'), expect.objectContaining({ messageId: id }));
  });
});
