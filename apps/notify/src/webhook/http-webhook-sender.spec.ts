import type { LookupAddress } from 'node:dns';
import { WebhookDeliveryError } from '../errors';
import { startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver';
import { HttpWebhookSender, type ResolveHost } from './http-webhook-sender';

const body = JSON.stringify({ hello: 'world' });
const headers = { 'content-type': 'application/json' };

/** A resolver answering from a table (no real DNS in tests). */
function resolverOf(table: Record<string, readonly string[]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    return (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

async function failure(promise: Promise<unknown>): Promise<WebhookDeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookDeliveryError);
  return error as WebhookDeliveryError;
}

describe('HttpWebhookSender', () => {
  let receiver: WebhookReceiver;
  let port: string;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    port = new URL(receiver.origin).port;
  });
  afterEach(() => receiver.stop());

  describe('refuses hostile URLs without connecting', () => {
    it('refuses http: unless allowed', async () => {
      const sender = new HttpWebhookSender({ allowLoopback: true });

      const error = await failure(sender.send({ url: `${receiver.origin}/hook`, body, headers }));

      expect(error.code).toBe('WEBHOOK_URL_REFUSED');
      expect(error.retryable).toBe(false);
      expect(receiver.connections()).toBe(0);
    });

    it('refuses loopback unless allowed', async () => {
      const sender = new HttpWebhookSender({ allowHttp: true });

      const error = await failure(sender.send({ url: `${receiver.origin}/hook`, body, headers }));

      expect(error.code).toBe('WEBHOOK_URL_REFUSED');
      expect(error.message).toContain('loopback');
      expect(receiver.connections()).toBe(0);
    });

    it.each([
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00:ec2::254]/latest/meta-data/',
      'https://10.0.0.5/hook',
      'https://172.16.3.4/hook',
      'https://192.168.0.10/hook',
      'https://[fc00::5]/hook',
      'https://[fe80::1]/hook',
      'https://[::ffff:169.254.169.254]/hook',
      'https://0.0.0.0/hook',
      'https://2852039166/hook', // 169.254.169.254 as one number
      'https://0xa9.0xfe.0xa9.0xfe/hook',
    ])('refuses %s even with loopback and http allowed', async (url) => {
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });
      const error = await failure(sender.send({ url, body, headers }));
      expect(error.code).toBe('WEBHOOK_URL_REFUSED');
    });

    it('refuses credentials in the URL and non-http schemes', async () => {
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });
      expect((await failure(sender.send({ url: `http://user:pw@127.0.0.1:${port}/`, body, headers }))).code).toBe(
        'WEBHOOK_URL_REFUSED',
      );
      expect((await failure(sender.send({ url: 'file:///etc/passwd', body, headers }))).code).toBe('WEBHOOK_URL_REFUSED');
      expect((await failure(sender.send({ url: 'gopher://127.0.0.1/', body, headers }))).code).toBe('WEBHOOK_URL_REFUSED');
      expect(receiver.connections()).toBe(0);
    });

    it.each([
      ['a private address', ['10.1.2.3']],
      ['the metadata address', ['169.254.169.254']],
      ['loopback (not allowed here)', ['127.0.0.1']],
      ['a public and a loopback address (rebinding)', ['93.184.216.34', '127.0.0.1']],
      ['an IPv4-mapped loopback address', ['::ffff:127.0.0.1']],
    ])('refuses a host name that resolves to %s', async (_name, addresses) => {
      const resolve = resolverOf({ 'hooks.example.test': addresses });
      const sender = new HttpWebhookSender({ allowHttp: true, resolve });

      const error = await failure(sender.send({ url: `http://hooks.example.test:${port}/hook`, body, headers }));

      expect(error.code).toBe('WEBHOOK_URL_REFUSED');
      expect(resolve.calls).toEqual(['hooks.example.test']);
      expect(receiver.connections()).toBe(0);
    });
  });

  describe('delivers', () => {
    it('POSTs the body and headers to an allowed local receiver', async () => {
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });

      const response = await sender.send({ url: `${receiver.origin}/hook?token=abc`, body, headers: { ...headers, 'x-test': '1' } });

      expect(response).toEqual({ status: 204, bodyBytesRead: 0, truncated: false });
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]).toMatchObject({
        method: 'POST',
        path: '/hook?token=abc',
        body,
        headers: { 'content-type': 'application/json', 'x-test': '1', 'content-length': String(Buffer.byteLength(body)) },
      });
    });

    it('connects to the address it checked, for a host name resolved by its own resolver', async () => {
      const resolve = resolverOf({ 'receiver.test': ['127.0.0.1'] });
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true, resolve });

      await sender.send({ url: `http://receiver.test:${port}/hook`, body, headers });

      expect(resolve.calls).toEqual(['receiver.test']);
      expect(receiver.received[0]?.headers.host).toBe(`receiver.test:${port}`);
    });

    it('reads no more of the answer than the cap', async () => {
      receiver.respondWith((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(1024 * 1024, 'x'));
      });
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true, maxResponseBytes: 1000 });

      const response = await sender.send({ url: receiver.origin, body, headers });

      expect(response).toEqual({ status: 200, bodyBytesRead: 1000, truncated: true });
    });
  });

  describe('fails', () => {
    it('does not follow a redirect', async () => {
      const target = await startWebhookReceiver();
      try {
        receiver.respondWith((_req, res) => res.writeHead(302, { location: `${target.origin}/elsewhere` }).end());
        const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });

        const error = await failure(sender.send({ url: receiver.origin, body, headers }));

        expect(error).toMatchObject({ code: 'WEBHOOK_REDIRECT', status: 302, retryable: false });
        expect(target.received).toHaveLength(0);
      } finally {
        await target.stop();
      }
    });

    it.each([
      [500, true],
      [503, true],
      [429, true],
      [408, true],
      [400, false],
      [401, false],
      [404, false],
    ])('reports status %d (retryable: %s)', async (status, retryable) => {
      receiver.respondWith((_req, res) => res.writeHead(status).end('nope'));
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });

      const error = await failure(sender.send({ url: receiver.origin, body, headers }));

      expect(error).toMatchObject({ code: 'WEBHOOK_HTTP_STATUS', status, retryable });
    });

    it('gives up on a receiver that never answers', async () => {
      receiver.respondWith(() => undefined); // holds the request open
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true, timeoutMs: 200 });

      const error = await failure(sender.send({ url: receiver.origin, body, headers }));

      expect(error).toMatchObject({ code: 'WEBHOOK_TIMEOUT', retryable: true });
    });

    it('reports a refused connection as a retryable network error', async () => {
      const closed = await startWebhookReceiver();
      await closed.stop();
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });

      const error = await failure(sender.send({ url: closed.origin, body, headers }));

      expect(error).toMatchObject({ code: 'WEBHOOK_NETWORK', retryable: true });
    });

    it('names the webhook by origin only (a path or query may hold a token)', async () => {
      receiver.respondWith((_req, res) => res.writeHead(500).end());
      const sender = new HttpWebhookSender({ allowHttp: true, allowLoopback: true });

      const error = await failure(sender.send({ url: `${receiver.origin}/hook/s3cr3t?token=t0k3n`, body, headers }));

      expect(error.message).toContain(receiver.origin);
      expect(error.message).not.toMatch(/s3cr3t|t0k3n/);
    });
  });
});
