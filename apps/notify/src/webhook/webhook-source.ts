import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { parseWebhookList } from '../config';
import type { AddressPolicy } from './address-policy';
import type { WebhookRegistration } from './registrations';

/**
 * Where the notify function finds its webhook list on each invocation. The list is the same
 * array (by identity) for as long as its source has not changed, so a caller can rebuild what
 * it derives from the list only when the list changes.
 */
export type WebhookSource = () => Promise<readonly WebhookRegistration[]>;

/** A list fixed at cold start (`WEBHOOKS`, or none). */
export function staticWebhooks(webhooks: readonly WebhookRegistration[]): WebhookSource {
  return async () => webhooks;
}

export interface SecretWebhooksOptions {
  /** The secret's ARN (`WEBHOOKS_SECRET_ARN`). */
  readonly secretArn: string;
  /** Seconds a read value is reused before the secret is read again (`WEBHOOKS_SECRET_MAX_AGE_S`). */
  readonly maxAgeSeconds: number;
  /** The URL policy every listed webhook must pass, as for `WEBHOOKS`. */
  readonly policy: AddressPolicy;
  /** Powertools' Secrets Manager provider (it caches for `maxAgeSeconds`). */
  readonly provider: Pick<SecretsProvider, 'get'>;
}

/**
 * The list held in a Secrets Manager secret (its string is the `WEBHOOKS` JSON), read through
 * Powertools Parameters, cached for `maxAgeSeconds`, parsed and checked only when its text
 * changes. A secret that is missing, binary or not a valid list throws: the invocation fails
 * and SQS redelivers (then dead-letters) its messages, rather than notifying nobody.
 *
 * @throws ConfigError naming `WEBHOOKS_SECRET_ARN` and the fields at fault, never a value.
 */
export function secretWebhooks(options: SecretWebhooksOptions): WebhookSource {
  let last: { readonly text: string; readonly webhooks: readonly WebhookRegistration[] } | undefined;
  return async () => {
    const value = await options.provider.get(options.secretArn, { maxAge: options.maxAgeSeconds });
    if (typeof value !== 'string') {
      throw new TypeError(
        value === undefined
          ? `the webhook secret ${options.secretArn} has no value`
          : `the webhook secret ${options.secretArn} is binary; store the webhook list as a JSON string`,
      );
    }
    if (last?.text !== value) last = { text: value, webhooks: parseWebhookList(value, options.policy) };
    return last.webhooks;
  };
}
