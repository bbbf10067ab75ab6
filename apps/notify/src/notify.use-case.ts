import type { Context } from 'aws-lambda';
import { allContracts, foldHistory, type KnownContract, type ParsedEvent } from '@imgpipe/contracts';
import { systemClock, type Clock, type ImageEventStore, type Notifier } from '@imgpipe/platform';
import { NotificationDeliveryError, type FailedDelivery } from './errors';
import { webhookWants, type NotifyEventName, type WebhookRegistration } from './webhook/registrations';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhookBody } from './webhook/signature';
import type { WebhookSender } from './webhook/webhook-sender.port';

/** Every version of the events notify consumes. */
export type NotifyContract = Extract<KnownContract, { detailType: NotifyEventName }>;

/** Every stored version of `ImageProcessed` and `ImageProcessingFailed`, for parsing SQS bodies. */
export const NOTIFY_CONTRACTS: readonly NotifyContract[] = allContracts.filter(
  (contract): contract is NotifyContract =>
    contract.detailType === 'ImageProcessed' || contract.detailType === 'ImageProcessingFailed',
);

/** A parsed event notify handles (narrow on `detailType`, then `version`). */
export type NotifyEvent = ParsedEvent<NotifyContract>;

/** `status` of a notification: what subscribers filter on. */
export type NotificationStatus = 'processed' | 'failed';

const STATUS: Readonly<Record<NotifyEventName, NotificationStatus>> = {
  ImageProcessed: 'processed',
  ImageProcessingFailed: 'failed',
};

/**
 * What subscribers receive, on SNS and as the webhook body: the event's envelope plus its
 * name and status. Built from the event alone, so a redelivery produces the same bytes.
 */
export interface NotificationPayload {
  readonly eventId: string;
  readonly detailType: NotifyEventName;
  /** The contract version of `data`. */
  readonly version: number;
  readonly status: NotificationStatus;
  readonly correlationId: string;
  readonly occurredAt: string;
  readonly data: NotifyEvent['envelope']['data'];
}

/** The payload of an event. */
export function toNotificationPayload(event: NotifyEvent): NotificationPayload {
  const { envelope } = event;
  return {
    eventId: envelope.eventId,
    detailType: event.detailType,
    version: envelope.version,
    status: STATUS[event.detailType],
    correlationId: envelope.correlationId,
    occurredAt: envelope.occurredAt,
    data: envelope.data,
  };
}

/** The SNS target's name. */
export const SNS_TARGET = 'sns';
/** A webhook target's name: `webhook:<registration id>`. */
export const webhookTarget = (registration: Pick<WebhookRegistration, 'id'>): `webhook:${string}` =>
  `webhook:${registration.id}`;

/** One delivery of one event to one target: the unit that runs at most once. */
export interface DeliveryJob {
  readonly eventId: string;
  /** {@link SNS_TARGET} or `webhook:<id>`. */
  readonly target: string;
  readonly detailType: NotifyEventName;
  readonly status: NotificationStatus;
  readonly userId: string;
  /** The payload as JSON: the SNS message and the signed webhook body. */
  readonly body: string;
}

/** What a completed delivery left (stored by idempotency and replayed to duplicates). */
export interface DeliveryReceipt {
  readonly target: string;
  /** The SNS message id. */
  readonly messageId?: string;
  /** The webhook's HTTP status. */
  readonly status?: number;
}

/** Performs one delivery (the Lambda context is for idempotency's in-progress expiry). */
export type Deliver = (job: DeliveryJob, context?: Context) => Promise<DeliveryReceipt>;

export interface NotifyDependencies {
  /** The SNS topic. */
  readonly notifier: Notifier;
  readonly webhookSender: WebhookSender;
  readonly webhooks: readonly WebhookRegistration[];
  /** The signature timestamp's clock. */
  readonly clock?: Clock;
  /**
   * Wraps each delivery so it runs at most once per event and target; in production
   * {@link deliverOncePerEvent} (Powertools idempotency). Default: no wrapping.
   */
  readonly once?: (deliver: Deliver) => Deliver;
  /**
   * The image histories (the event store). When given, an event of an image whose history
   * folds to `deleted` (the one fold; purged included) is not delivered to any target: a
   * message that waited in the queue (a retried webhook, a DLQ redrive) never tells anyone
   * about an image its owner deleted, nor carries its file name past the purge.
   */
  readonly histories?: Pick<ImageEventStore, 'load'>;
}

export interface NotifyResult {
  readonly eventId: string;
  readonly detailType: NotifyEventName;
  /** One receipt per target, SNS first; none when the event was discarded. */
  readonly deliveries: readonly DeliveryReceipt[];
  /** Set when nothing was delivered because the image is deleted. */
  readonly discarded?: 'ImageDeleted';
}

/**
 * Notifies about one `ImageProcessed` / `ImageProcessingFailed` event: publishes it to the
 * SNS topic (attributes `userId`, `status`, `detailType`) and POSTs it, signed, to every
 * registered webhook that wants it. Targets are delivered independently; when some fail,
 * the others still complete (and, wrapped by `once`, are not repeated on the retry) and a
 * {@link NotificationDeliveryError} names the failed ones.
 *
 * @example
 * ```ts
 * const notify = createNotifyUseCase({ notifier, webhookSender, webhooks, once: deliverOncePerEvent(persistence) });
 * await notify(parseKnownEvent(NOTIFY_CONTRACTS, record.body), context);
 * ```
 */
export function createNotifyUseCase(deps: NotifyDependencies): (event: NotifyEvent, context?: Context) => Promise<NotifyResult> {
  const clock = deps.clock ?? systemClock;
  const webhooksByTarget = new Map<string, WebhookRegistration>(
    deps.webhooks.map((registration) => [webhookTarget(registration), registration]),
  );

  const deliverNow: Deliver = async (job) => {
    if (job.target === SNS_TARGET) {
      const { messageId } = await deps.notifier.notify({
        message: job.body,
        attributes: { userId: job.userId, status: job.status, detailType: job.detailType },
      });
      return { target: job.target, messageId };
    }
    const registration = webhooksByTarget.get(job.target);
    if (!registration) throw new RangeError(`no webhook registered as ${job.target}`);
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    const response = await deps.webhookSender.send({
      url: registration.url,
      body: job.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'imgpipe-webhooks/1',
        [SIGNATURE_HEADER]: signWebhookBody({ secret: registration.secret, body: job.body, timestamp }),
        [EVENT_ID_HEADER]: job.eventId,
        [EVENT_TYPE_HEADER]: job.detailType,
      },
    });
    return { target: job.target, status: response.status };
  };
  const deliver = deps.once ? deps.once(deliverNow) : deliverNow;

  /** Whether the image's history folds to deleted; an unreadable history does not stop a notification. */
  const imageDeleted = async (imageId: string): Promise<boolean> => {
    if (!deps.histories) return false;
    const history = await deps.histories.load(imageId);
    try {
      return foldHistory(history)?.status === 'deleted';
    } catch {
      return false;
    }
  };

  return async (event, context) => {
    const payload = toNotificationPayload(event);
    if (await imageDeleted(event.envelope.data.imageId)) {
      return { eventId: payload.eventId, detailType: payload.detailType, deliveries: [], discarded: 'ImageDeleted' };
    }
    const userId = event.envelope.data.userId;
    const base = {
      eventId: payload.eventId,
      detailType: payload.detailType,
      status: payload.status,
      userId,
      body: JSON.stringify(payload),
    };
    const targets = [
      SNS_TARGET,
      ...deps.webhooks
        .filter((registration) => webhookWants(registration, { detailType: payload.detailType, userId }))
        .map(webhookTarget),
    ];
    const outcomes = await Promise.allSettled(targets.map((target) => deliver({ ...base, target }, context)));

    const failures: FailedDelivery[] = [];
    const deliveries: DeliveryReceipt[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') deliveries.push(outcome.value);
      else {
        const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
        failures.push({ target: targets[index] ?? '?', error });
      }
    });
    if (failures.length > 0) throw new NotificationDeliveryError(payload.eventId, failures);
    return { eventId: payload.eventId, detailType: payload.detailType, deliveries };
  };
}
