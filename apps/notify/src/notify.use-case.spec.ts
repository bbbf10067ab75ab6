import { ImageProcessedV1, ImageProcessingFailedV1, exampleEnvelope, parseKnownEvent, toEventBridgeEvent } from '@imgpipe/contracts';
import { type Notification, type Notifier } from '@imgpipe/platform';
import { ManualClock, RecordingNotifier } from '@imgpipe/platform/testing';
import { NotificationDeliveryError } from './errors';
import { NOTIFY_CONTRACTS, createNotifyUseCase, toNotificationPayload, type NotifyEvent } from './notify.use-case';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver';
import { HttpWebhookSender } from './webhook/http-webhook-sender';
import type { WebhookRegistration } from './webhook/registrations';
import { verifyWebhookSignature } from './webhook/signature';

const processed: NotifyEvent = parseKnownEvent(
  NOTIFY_CONTRACTS,
  toEventBridgeEvent(ImageProcessedV1, exampleEnvelope(ImageProcessedV1, 'full')),
);
const failed: NotifyEvent = parseKnownEvent(
  NOTIFY_CONTRACTS,
  toEventBridgeEvent(ImageProcessingFailedV1, exampleEnvelope(ImageProcessingFailedV1, 'minimal'), { source: 'imgpipe.ingest' }),
);
const processedUser = processed.envelope.data.userId;
const secret = 'whsec_receiver_one_0123456789';
const start = '2025-06-01T12:00:00.000Z';

describe('notify use case', () => {
  let receiver: WebhookReceiver;
  let notifier: RecordingNotifier;
  let clock: ManualClock;
  const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    notifier = new RecordingNotifier();
    clock = new ManualClock(start);
  });
  afterEach(() => receiver.stop());

  const hook = (over: Partial<WebhookRegistration> = {}): WebhookRegistration => ({
    id: 'one',
    url: `${receiver.origin}/hooks/imgpipe`,
    secret,
    ...over,
  });

  it('publishes to SNS with userId, status and detailType attributes', async () => {
    const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks: [], clock });

    const result = await notify(processed);

    expect(notifier.notifications).toHaveLength(1);
    const [sns] = notifier.notifications as [Notification];
    expect(sns.attributes).toEqual({ userId: processedUser, status: 'processed', detailType: 'ImageProcessed' });
    expect(JSON.parse(sns.message as string)).toEqual(toNotificationPayload(processed));
    expect(result).toEqual({
      eventId: processed.envelope.eventId,
      detailType: 'ImageProcessed',
      deliveries: [{ target: 'sns', messageId: 'message-1' }],
    });
  });

  it('marks a failure event with status failed', async () => {
    const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks: [], clock });

    await notify(failed);

    expect(notifier.notifications[0]?.attributes).toMatchObject({ status: 'failed', detailType: 'ImageProcessingFailed' });
    expect(JSON.parse(notifier.notifications[0]?.message as string)).toMatchObject({
      status: 'failed',
      data: { code: 'EMPTY', reason: 'The file is empty.' },
    });
  });

  describe('webhooks', () => {
    it('POSTs the payload signed over timestamp and body; the receiver verifies it', async () => {
      const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks: [hook()], clock });

      const result = await notify(processed);

      expect(result.deliveries).toEqual([
        { target: 'sns', messageId: 'message-1' },
        { target: 'webhook:one', status: 204 },
      ]);
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received as [(typeof receiver.received)[number]];
      expect(request.path).toBe('/hooks/imgpipe');
      expect(request.headers['imgpipe-event-id']).toBe(processed.envelope.eventId);
      expect(request.headers['imgpipe-event-type']).toBe('ImageProcessed');
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual(toNotificationPayload(processed));

      const header = request.headers['imgpipe-signature'];
      const t = Date.parse(start) / 1000;
      expect(header).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
      // The receiver checks at its own clock, a little later than the send.
      const at = (seconds: number) => Date.parse(start) + seconds * 1000;
      expect(verifyWebhookSignature({ header, body: request.body, secret, now: at(2) })).toEqual({ valid: true, timestamp: t });
      expect(verifyWebhookSignature({ header, body: request.body.replace('"processed"', '"failed"'), secret, now: at(2) })).toEqual({
        valid: false,
        reason: 'mismatch',
      });
      expect(verifyWebhookSignature({ header, body: request.body, secret, now: at(301) })).toEqual({
        valid: false,
        reason: 'expired',
      });
    });

    it('signs with the time of sending', async () => {
      const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks: [hook()], clock });
      clock.advance(90_000);

      await notify(processed);

      const header = receiver.received[0]?.headers['imgpipe-signature'];
      expect(header).toContain(`t=${Date.parse(start) / 1000 + 90},`);
    });

    it('delivers only to webhooks whose userId and events filters match', async () => {
      const webhooks = [
        hook({ id: 'mine', url: `${receiver.origin}/mine`, userId: processedUser }),
        hook({ id: 'other-user', url: `${receiver.origin}/other-user`, userId: 'someone-else' }),
        hook({ id: 'failures-only', url: `${receiver.origin}/failures-only`, events: ['ImageProcessingFailed'] }),
        hook({ id: 'all', url: `${receiver.origin}/all` }),
      ];
      const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks, clock });

      await notify(processed);

      expect(receiver.received.map((r) => r.path).sort()).toEqual(['/all', '/mine']);
    });

    it('still publishes and delivers to the others when one webhook fails, then names the failed one', async () => {
      receiver.respondWith((req, res) => res.writeHead(req.path === '/broken' ? 503 : 200).end());
      const webhooks = [hook({ id: 'broken', url: `${receiver.origin}/broken` }), hook({ id: 'fine', url: `${receiver.origin}/fine` })];
      const notify = createNotifyUseCase({ notifier, webhookSender: sender, webhooks, clock });

      const error = await notify(processed).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(NotificationDeliveryError);
      expect(error).toMatchObject({ retryable: true, eventId: processed.envelope.eventId });
      expect((error as NotificationDeliveryError).failures.map((f) => f.target)).toEqual(['webhook:broken']);
      expect(notifier.notifications).toHaveLength(1);
      expect(receiver.received.map((r) => r.path).sort()).toEqual(['/broken', '/fine']);
    });

    it('reports an SNS failure without losing the webhook delivery', async () => {
      const down: Notifier = { notify: () => Promise.reject(Object.assign(new Error('SNS Publish failed'), { retryable: true })) };
      const notify = createNotifyUseCase({ notifier: down, webhookSender: sender, webhooks: [hook()], clock });

      const error = await notify(processed).catch((e: unknown) => e);

      expect((error as NotificationDeliveryError).failures.map((f) => f.target)).toEqual(['sns']);
      expect(receiver.received).toHaveLength(1);
    });

    it('refuses a webhook on a loopback address under the strict policy, and is not retryable for it', async () => {
      const strict = new HttpWebhookSender();
      const notify = createNotifyUseCase({ notifier, webhookSender: strict, webhooks: [hook({ url: 'https://127.0.0.1:9/x' })], clock });

      const error = await notify(processed).catch((e: unknown) => e);

      expect(error).toMatchObject({ retryable: false });
      expect((error as NotificationDeliveryError).failures[0]?.error).toMatchObject({ code: 'WEBHOOK_URL_REFUSED' });
    });
  });
});
