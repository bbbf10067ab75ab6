import { makeIdempotentOperation, type IdempotentOperationOptions } from '@imgpipe/platform';
import type { Deliver, DeliveryJob } from './notify.use-case';

/** The idempotency operation name (key prefix) of notify's deliveries. */
export const DELIVERY_OPERATION = 'notify.deliver';

/** `<eventId>#<target>`: the idempotency key of one delivery. */
export function deliveryKey(job: Pick<DeliveryJob, 'eventId' | 'target'>): string {
  return `${job.eventId}#${job.target}`;
}

/**
 * Powertools idempotency (DynamoDB persistence layer) around each delivery, keyed by the
 * event id and the target, so a redelivered SQS message notifies each target once, and a
 * message whose first attempt reached only some targets repeats only the others. The body
 * is validated: the same event id with a different payload is an
 * `IdempotencyValidationError`, never a second, different notification.
 *
 * @example
 * createNotifyUseCase({ ..., once: deliverOncePerEvent({ tableName: config.idempotencyTable, client: clients.dynamodb }) });
 */
export function deliverOncePerEvent(
  persistence: IdempotentOperationOptions<DeliveryJob>['persistence'],
  options: { readonly expiresAfterSeconds?: number } = {},
): (deliver: Deliver) => Deliver {
  return (deliver) =>
    makeIdempotentOperation((job: DeliveryJob) => deliver(job), {
      name: DELIVERY_OPERATION,
      key: deliveryKey,
      validate: (job) => job.body,
      persistence,
      ...(options.expiresAfterSeconds !== undefined ? { expiresAfterSeconds: options.expiresAfterSeconds } : {}),
    });
}
