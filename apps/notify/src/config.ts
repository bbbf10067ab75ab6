import { z } from 'zod';
import {
  ConfigError,
  awsConfigSchema,
  declaredEnvSchema,
  envBoolean,
  NOTIFY_ENV,
  envInt,
  loadConfig,
  resourcesConfigSchema,
  toAwsClientsConfig,
  type AwsClientsConfig,
  type Env,
} from '@imgpipe/platform';
import type { AddressPolicy } from './webhook/address-policy';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_WEBHOOK_TIMEOUT_MS } from './webhook/http-webhook-sender';
import { WebhookRegistrationsSchema, webhookUrlProblems, type WebhookRegistration } from './webhook/registrations';

const jsonText = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The text is not echoed: it holds the webhook secrets.
    ctx.addIssue({ code: 'custom', message: 'must be JSON' });
    return z.NEVER;
  }
});

/** The webhook list and the address policy its URLs are checked against. */
const webhookShape = {
  WEBHOOKS: jsonText.pipe(WebhookRegistrationsSchema).default([]),
  WEBHOOK_ALLOW_HTTP: envBoolean().default(false),
  WEBHOOK_ALLOW_LOOPBACK: envBoolean().default(false),
};

type WebhookEnv = { WEBHOOKS: WebhookRegistration[]; WEBHOOK_ALLOW_HTTP: boolean; WEBHOOK_ALLOW_LOOPBACK: boolean };

function checkWebhookUrls(env: WebhookEnv, ctx: z.RefinementCtx): void {
  const policy = { allowHttp: env.WEBHOOK_ALLOW_HTTP, allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK };
  for (const [index, message] of webhookUrlProblems(env.WEBHOOKS, policy)) {
    ctx.addIssue({ code: 'custom', path: ['WEBHOOKS', index, 'url'], message });
  }
}

/**
 * Environment of the notify function.
 * - `NOTIFY_TOPIC_ARN`: the SNS topic.
 * - `IDEMPOTENCY_TABLE`: Powertools idempotency records.
 * - `WEBHOOKS`: JSON `[{ "url", "secret", "userId"?, "events"?, "id"? }]` (default none).
 * - `WEBHOOKS_SECRET_ARN`: a Secrets Manager secret whose string is that same JSON, read at
 *   run time instead of `WEBHOOKS` (on AWS: the secrets stay out of the function's
 *   configuration); re-read every `WEBHOOKS_SECRET_MAX_AGE_S` (default 300) so a changed
 *   or rotated list is picked up without a deploy. Setting both is refused.
 * - `WEBHOOK_TIMEOUT_MS` (default 5000), `WEBHOOK_MAX_RESPONSE_BYTES` (default 4096).
 * - `WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOW_LOOPBACK`: `true` only for a local receiver.
 * - `EVENTS_TABLE` (optional): the image histories; when set, an event of an image deleted
 *   meanwhile is not delivered (see `NotifyDependencies.histories`).
 */
export const notifyEnvSchema = declaredEnvSchema(
  NOTIFY_ENV,
  awsConfigSchema
    .extend({
      NOTIFY_TOPIC_ARN: z
        .string()
        .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
      IDEMPOTENCY_TABLE: resourcesConfigSchema.shape.IDEMPOTENCY_TABLE,
      EVENTS_TABLE: resourcesConfigSchema.shape.EVENTS_TABLE.optional(),
      ...webhookShape,
      WEBHOOKS_SECRET_ARN: z
        .string()
        .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret ARN')
        .optional(),
      WEBHOOKS_SECRET_MAX_AGE_S: envInt().min(1).max(3600).default(300),
      WEBHOOK_TIMEOUT_MS: envInt().max(30_000).default(DEFAULT_WEBHOOK_TIMEOUT_MS),
      WEBHOOK_MAX_RESPONSE_BYTES: envInt().max(1024 * 1024).default(DEFAULT_MAX_RESPONSE_BYTES),
    })
    .superRefine((env, ctx) => {
      checkWebhookUrls(env, ctx);
      if (env.WEBHOOKS_SECRET_ARN !== undefined && env.WEBHOOKS.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['WEBHOOKS_SECRET_ARN'],
          message: 'set WEBHOOKS or WEBHOOKS_SECRET_ARN, not both (the secret would silently win)',
        });
      }
    }),
);

const webhookListSchema = z.object(webhookShape).superRefine(checkWebhookUrls);

/**
 * Reads a webhook list held outside the environment (the `WEBHOOKS_SECRET_ARN` secret's
 * string) with the same checks as `WEBHOOKS`; throws a `ConfigError` naming `source` and the
 * fields at fault (e.g. `WEBHOOKS_SECRET_ARN.0.url url must use https:`), never a value.
 */
export function parseWebhookList(text: string, policy: AddressPolicy, source = 'WEBHOOKS_SECRET_ARN'): WebhookRegistration[] {
  try {
    return loadConfig(webhookListSchema, {
      WEBHOOKS: text.trim() === '' ? '[]' : text,
      WEBHOOK_ALLOW_HTTP: String(policy.allowHttp),
      WEBHOOK_ALLOW_LOOPBACK: String(policy.allowLoopback),
    }).WEBHOOKS;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.problems.map((p) => ({ ...p, variable: p.variable.replace(/^WEBHOOKS/, source) })));
  }
}

/** The notify function's configuration, read once per cold start. */
export interface NotifyConfig {
  readonly aws: AwsClientsConfig;
  readonly topicArn: string;
  readonly idempotencyTable: string;
  /** The image histories, read to drop an event of an image deleted meanwhile; absent: not checked. */
  readonly eventsTable?: string;
  readonly webhooks: readonly WebhookRegistration[];
  /** Where the webhook list is read at run time instead of {@link webhooks}. */
  readonly webhooksSecret?: { readonly arn: string; readonly maxAgeSeconds: number };
  readonly webhookPolicy: AddressPolicy;
  readonly webhookTimeoutMs: number;
  readonly webhookMaxResponseBytes: number;
}

/**
 * Reads and checks the environment; throws a `ConfigError` naming every bad variable
 * (e.g. `WEBHOOKS.0.url url must use https:`), never echoing a value.
 */
export function loadNotifyConfig(env: Env = process.env): NotifyConfig {
  const e = loadConfig(notifyEnvSchema, env);
  return {
    aws: toAwsClientsConfig(e),
    topicArn: e.NOTIFY_TOPIC_ARN,
    idempotencyTable: e.IDEMPOTENCY_TABLE,
    ...(e.EVENTS_TABLE !== undefined ? { eventsTable: e.EVENTS_TABLE } : {}),
    webhooks: e.WEBHOOKS,
    ...(e.WEBHOOKS_SECRET_ARN !== undefined
      ? { webhooksSecret: { arn: e.WEBHOOKS_SECRET_ARN, maxAgeSeconds: e.WEBHOOKS_SECRET_MAX_AGE_S } }
      : {}),
    webhookPolicy: { allowHttp: e.WEBHOOK_ALLOW_HTTP, allowLoopback: e.WEBHOOK_ALLOW_LOOPBACK },
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookMaxResponseBytes: e.WEBHOOK_MAX_RESPONSE_BYTES,
  };
}
