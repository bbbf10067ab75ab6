import { isIP } from 'node:net';
import { WebhookDeliveryError } from '../errors';
import { classifyAddress, isAddressClassAllowed, type AddressPolicy } from './address-policy';

/** Why a URL is not a webhook destination; `undefined` when its static form is fine. */
export function webhookUrlProblem(raw: string, policy: AddressPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return policy.allowHttp ? 'must use https: or http:' : 'must use https:';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  const address = ipLiteral(url);
  if (address !== undefined) {
    const kind = classifyAddress(address);
    if (!isAddressClassAllowed(kind, policy)) return `points at a ${kind} address`;
  }
  return undefined;
}

/**
 * Parses and checks a webhook URL before any connection: the scheme (https, or http when
 * allowed), no credentials, and an IP literal host in an allowed range. Host names are
 * checked again after DNS resolution, when connecting (see `HttpWebhookSender`).
 *
 * @throws {WebhookDeliveryError} `WEBHOOK_URL_REFUSED`.
 */
export function checkWebhookUrl(raw: string, policy: AddressPolicy): URL {
  const problem = webhookUrlProblem(raw, policy);
  if (problem !== undefined) {
    throw new WebhookDeliveryError({ code: 'WEBHOOK_URL_REFUSED', message: `webhook URL ${safeOrigin(raw)} ${problem}`, retryable: false });
  }
  return new URL(raw);
}

/** The host when it is an IP address (IPv6 without its brackets), else `undefined`. */
export function ipLiteral(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? undefined : host;
}

/** `scheme://host:port` of a URL, for logs and errors: the path and query may hold a token. */
export function safeOrigin(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '(unparsable URL)';
  }
}
