import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UserId } from '@imgpipe/contracts';
import type { AddressPolicy } from './address-policy';
import { webhookUrlProblem } from './webhook-url';

/** The events a webhook can subscribe to. */
export const NOTIFY_EVENT_NAMES = ['ImageProcessed', 'ImageProcessingFailed'] as const;
export type NotifyEventName = (typeof NOTIFY_EVENT_NAMES)[number];

/** At most this many webhooks: each event is delivered to every matching one. */
export const MAX_WEBHOOKS = 50;

/** One registration as written in the `WEBHOOKS` JSON. Unknown keys are refused (typos). */
export const WebhookRegistrationInputSchema = z.strictObject({
  /** Stable id (logs, idempotency keys); default derived from the URL. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -')
    .optional(),
  url: z.string().min(1).max(2048),
  /** The HMAC key; at least 16 characters (a random 32-byte hex string is a good one). */
  secret: z.string().min(16).max(512),
  /** Only this user's events. */
  userId: UserId.optional(),
  /** Only these events; default both. */
  events: z.array(z.enum(NOTIFY_EVENT_NAMES)).min(1).optional(),
});

/** A parsed registration: data, not code. */
export interface WebhookRegistration {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly userId?: string;
  readonly events?: readonly NotifyEventName[];
}

/** The `WEBHOOKS` list with ids filled in and unique. */
export const WebhookRegistrationsSchema = z
  .array(WebhookRegistrationInputSchema)
  .max(MAX_WEBHOOKS)
  .transform((inputs): WebhookRegistration[] =>
    inputs.map(({ id, url, secret, userId, events }) => ({
      id: id ?? defaultWebhookId(url),
      url,
      secret,
      ...(userId !== undefined ? { userId } : {}),
      ...(events !== undefined ? { events } : {}),
    })),
  )
  .superRefine((registrations, ctx) => {
    const seen = new Set<string>();
    registrations.forEach((registration, index) => {
      if (seen.has(registration.id)) {
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate webhook id ${registration.id}; give each an id` });
      }
      seen.add(registration.id);
    });
  });

/** `wh-` and 12 hex characters of the URL's SHA-256: stable across deployments. */
export function defaultWebhookId(url: string): string {
  return `wh-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

/**
 * The registrations' URL problems under `policy` (scheme, credentials, IP-literal hosts),
 * as `[index, message]`; empty when every URL is acceptable before DNS.
 */
export function webhookUrlProblems(
  registrations: readonly Pick<WebhookRegistration, 'url'>[],
  policy: AddressPolicy,
): Array<[number, string]> {
  return registrations.flatMap((registration, index): Array<[number, string]> => {
    const problem = webhookUrlProblem(registration.url, policy);
    return problem === undefined ? [] : [[index, `url ${problem}`]];
  });
}

/** Whether an event goes to this webhook: its `events` filter and its `userId` filter. */
export function webhookWants(
  registration: Pick<WebhookRegistration, 'userId' | 'events'>,
  event: { readonly detailType: NotifyEventName; readonly userId: string },
): boolean {
  if (registration.events && !registration.events.includes(event.detailType)) return false;
  return registration.userId === undefined || registration.userId === event.userId;
}
