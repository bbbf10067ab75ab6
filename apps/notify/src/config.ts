import { z } from 'zod';
import {
  awsConfigSchema,
  envBoolean,
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

/**
 * Environment of the notify function.
 * - `NOTIFY_TOPIC_ARN`: the SNS topic.
 * - `IDEMPOTENCY_TABLE`: Powertools idempotency records.
 * - `WEBHOOKS`: JSON `[{ "url", "secret", "userId"?, "events"?, "id"? }]` (default none).
 * - `WEBHOOK_TIMEOUT_MS` (default 5000), `WEBHOOK_MAX_RESPONSE_BYTES` (default 4096).
 * - `WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOW_LOOPBACK`: `true` only for a local receiver.
 */
export const notifyEnvSchema = awsConfigSchema
  .extend({
    NOTIFY_TOPIC_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
    IDEMPOTENCY_TABLE: resourcesConfigSchema.shape.IDEMPOTENCY_TABLE,
    WEBHOOKS: jsonText.pipe(WebhookRegistrationsSchema).default([]),
    WEBHOOK_TIMEOUT_MS: envInt().max(30_000).default(DEFAULT_WEBHOOK_TIMEOUT_MS),
    WEBHOOK_MAX_RESPONSE_BYTES: envInt().max(1024 * 1024).default(DEFAULT_MAX_RESPONSE_BYTES),
    WEBHOOK_ALLOW_HTTP: envBoolean().default(false),
    WEBHOOK_ALLOW_LOOPBACK: envBoolean().default(false),
  })
  .superRefine((env, ctx) => {
    const policy = { allowHttp: env.WEBHOOK_ALLOW_HTTP, allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK };
    for (const [index, message] of webhookUrlProblems(env.WEBHOOKS, policy)) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOKS', index, 'url'], message });
    }
  });

/** The notify function's configuration, read once per cold start. */
export interface NotifyConfig {
  readonly aws: AwsClientsConfig;
  readonly topicArn: string;
  readonly idempotencyTable: string;
  readonly webhooks: readonly WebhookRegistration[];
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
    webhooks: e.WEBHOOKS,
    webhookPolicy: { allowHttp: e.WEBHOOK_ALLOW_HTTP, allowLoopback: e.WEBHOOK_ALLOW_LOOPBACK },
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookMaxResponseBytes: e.WEBHOOK_MAX_RESPONSE_BYTES,
  };
}
