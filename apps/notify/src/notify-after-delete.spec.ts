import { ImageDeletedV2, ImageProcessedV1, createEnvelope, exampleEnvelope, parseKnownEvent, toEventBridgeEvent } from '@imgpipe/contracts';
import { InMemoryImageEventStore, ManualClock, RecordingNotifier } from '@imgpipe/platform/testing';
import { NOTIFY_CONTRACTS, createNotifyUseCase, type NotifyEvent } from './notify.use-case';
import type { WebhookSender } from './webhook/webhook-sender.port';

const processed: NotifyEvent = parseKnownEvent(
  NOTIFY_CONTRACTS,
  toEventBridgeEvent(ImageProcessedV1, exampleEnvelope(ImageProcessedV1, 'full')),
);
const { imageId, userId } = processed.envelope.data;

/** A webhook sender that records what it was asked to send. */
function recordingSender() {
  const sent: string[] = [];
  const sender: WebhookSender = {
    send: async (request) => {
      sent.push(request.body);
      return { status: 204, bodyBytesRead: 0, truncated: false };
    },
  };
  return { sender, sent };
}

/** The image's history: its ImageProcessed, then (optionally) its owner's delete. */
async function history(deleted: boolean) {
  const store = new InMemoryImageEventStore();
  const events = [processed.envelope];
  if (deleted) {
    events.push(
      createEnvelope(
        ImageDeletedV2,
        { imageId, userId, deletedKeys: [], deletedAt: '2025-06-01T12:00:00.000Z', undoUntil: '2025-06-08T12:00:00.000Z' },
        { correlationId: imageId, occurredAt: '2025-06-01T12:00:00.000Z' },
      ) as never,
    );
  }
  await store.append(
    imageId,
    0,
    events.map((envelope, index) => ({
      eventId: envelope.eventId,
      source: index === 0 ? 'imgpipe.metadata' : 'imgpipe.ingest',
      detailType: index === 0 ? 'ImageProcessed' : 'ImageDeleted',
      occurredAt: envelope.occurredAt,
      detail: envelope as unknown as Record<string, unknown>,
    })),
  );
  return store;
}

describe('notify: an image deleted while its notification waited', () => {
  const clock = new ManualClock('2025-06-01T12:05:00.000Z');
  const webhooks = [{ id: 'one', url: 'https://hooks.example.test/imgpipe', secret: 'whsec_receiver_one_0123456789' }];

  it('delivers nothing, to SNS or any webhook, once the history says the image is deleted', async () => {
    const notifier = new RecordingNotifier();
    const { sender, sent } = recordingSender();
    const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks, clock, histories: await history(true) });

    const result = await notify(processed);

    expect(result).toEqual({ eventId: processed.envelope.eventId, detailType: 'ImageProcessed', deliveries: [], discarded: 'ImageDeleted' });
    expect(notifier.notifications).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('control: the same event of an image nobody deleted is delivered everywhere', async () => {
    const notifier = new RecordingNotifier();
    const { sender, sent } = recordingSender();
    const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks, clock, histories: await history(false) });

    const result = await notify(processed);

    expect(result.discarded).toBeUndefined();
    expect(notifier.notifications).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });
});
