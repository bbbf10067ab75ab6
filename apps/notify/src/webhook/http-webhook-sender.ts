import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { WebhookDeliveryError } from '../errors';
import { classifyAddress, isAddressClassAllowed, type AddressPolicy } from './address-policy';
import { checkWebhookUrl, safeOrigin } from './webhook-url';
import type { WebhookRequest, WebhookResponse, WebhookSender } from './webhook-sender.port';

/** Resolves a host name to every address it has (the system resolver by default). */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface HttpWebhookSenderOptions extends Partial<AddressPolicy> {
  /** The whole exchange (DNS, connect, TLS, response) must finish within this; default 5000. */
  readonly timeoutMs?: number;
  /** Response body bytes read at most; the rest is dropped and the socket closed. Default 4096. */
  readonly maxResponseBytes?: number;
  /** Host name resolution; injectable for tests. */
  readonly resolve?: ResolveHost;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RESPONSE_BYTES = 4096;

const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * {@link WebhookSender} on `node:http(s)`, treating every URL as hostile:
 * - https only unless `allowHttp`; no credentials in the URL;
 * - the host is resolved by the sender itself and the connection goes to the address it
 *   checked (no second lookup an attacker's DNS could answer differently); if any address
 *   is private, link-local, metadata, reserved or (unless `allowLoopback`) loopback, the
 *   delivery is refused;
 * - one deadline for the whole exchange, redirects are never followed, and at most
 *   `maxResponseBytes` of the answer are read;
 * - no connection reuse (`agent: false`), TLS certificates verified as usual.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly policy: AddressPolicy;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly resolve: ResolveHost;

  constructor(options: HttpWebhookSenderOptions = {}) {
    this.policy = { allowHttp: options.allowHttp ?? false, allowLoopback: options.allowLoopback ?? false };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.resolve = options.resolve ?? systemResolve;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive integer');
    if (!Number.isInteger(this.maxResponseBytes) || this.maxResponseBytes < 0) {
      throw new RangeError('maxResponseBytes must be a non-negative integer');
    }
  }

  async send(request: WebhookRequest): Promise<WebhookResponse> {
    const url = checkWebhookUrl(request.url, this.policy);
    const origin = safeOrigin(request.url);
    // Set when the guarded lookup refuses, so the socket error maps back to the refusal.
    let refusal: WebhookDeliveryError | undefined;
    const lookup: LookupFunction = (hostname, options, callback) => {
      this.vet(hostname, origin).then(
        (addresses) => {
          const first = addresses[0] as LookupAddress;
          if (options.all) callback(null, [...addresses]);
          else callback(null, first.address, first.family);
        },
        (error: unknown) => {
          if (error instanceof WebhookDeliveryError) refusal = error;
          callback(error as NodeJS.ErrnoException, '', 0);
        },
      );
    };

    const transport = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body, 'utf8');
    return new Promise<WebhookResponse>((resolve, reject) => {
      let settled = false;
      let timedOut = false;
      const finish = (outcome: { ok: WebhookResponse } | { error: Error }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        if ('ok' in outcome) resolve(outcome.ok);
        else reject(outcome.error);
      };

      const req = transport.request(url, {
        method: 'POST',
        agent: false,
        lookup,
        headers: { ...request.headers, 'content-length': String(body.length) },
      });
      const timer = setTimeout(() => {
        timedOut = true;
        finish({
          error: new WebhookDeliveryError({ code: 'WEBHOOK_TIMEOUT', message: `webhook ${origin} did not answer within ${this.timeoutMs} ms`, retryable: true }),
        });
      }, this.timeoutMs);

      req.on('error', (error: NodeJS.ErrnoException) => {
        if (refusal) return finish({ error: refusal });
        if (timedOut) return;
        finish({
          error: new WebhookDeliveryError({
            code: 'WEBHOOK_NETWORK',
            message: `webhook ${origin}: ${error.code ?? error.message}`,
            retryable: true,
            cause: error,
          }),
        });
      });

      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        let truncated = false;
        const done = () => {
          if (status >= 200 && status < 300) return finish({ ok: { status, bodyBytesRead: read, truncated } });
          finish({ error: statusError(origin, status) });
        };
        res.on('error', () => undefined); // destroying a half-read response may emit "aborted"
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = this.maxResponseBytes - read;
          if (chunk.length > room) {
            read += room;
            truncated = true;
            res.destroy();
            done();
          } else {
            read += chunk.length;
          }
        });
        res.on('end', done);
        // A response that closes before its end (truncated by the server) still counts as answered.
        res.on('close', done);
      });

      req.end(body);
    });
  }

  /** Resolves `hostname` and refuses it if any of its addresses is outside the policy. */
  private async vet(hostname: string, origin: string): Promise<readonly LookupAddress[]> {
    const addresses = await this.resolve(hostname);
    if (addresses.length === 0) {
      throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
    }
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (!isAddressClassAllowed(kind, this.policy)) {
        throw new WebhookDeliveryError({ code: 'WEBHOOK_URL_REFUSED', message: `webhook ${origin} resolves to a ${kind} address`, retryable: false });
      }
    }
    return addresses;
  }
}

function statusError(origin: string, status: number): WebhookDeliveryError {
  if (status >= 300 && status < 400) {
    return new WebhookDeliveryError({ code: 'WEBHOOK_REDIRECT', message: `webhook ${origin} answered ${status}; redirects are not followed`, retryable: false, status });
  }
  const retryable = status >= 500 || status === 408 || status === 429;
  return new WebhookDeliveryError({ code: 'WEBHOOK_HTTP_STATUS', message: `webhook ${origin} answered ${status}`, retryable, status });
}
