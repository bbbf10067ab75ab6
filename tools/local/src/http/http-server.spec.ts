import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebConfig } from '@imgpipe/contracts/views';
import { InMemoryObjectStore } from '@imgpipe/platform/testing';
import { LocalAuth } from './auth';
import { EventStreamHub } from './event-stream';
import { createRequestListener } from './http-server';
import { LOCAL_WEB_CONFIG } from './web-config';

const STATS = { processed: 2, failed: 0, failedByCode: {}, processing: 0, p50Ms: 10, p95Ms: 20, bytesSaved: 5, originalBytes: 9, dlqDepth: 0 };

describe('GET /config.json', () => {
  let server: Server;
  let base: string;
  const hub = new EventStreamHub();

  beforeAll(async () => {
    server = createServer(
      createRequestListener({
        auth: new LocalAuth(new Uint8Array(32).fill(3)),
        api: async () => ({ statusCode: 200, body: '{"items":[]}', headers: { 'content-type': 'application/json' } }),
        hub,
        stats: () => STATS,
        processed: { store: new InMemoryObjectStore(), bucket: 'processed' },
        web: () => ({ kind: 'missing', reason: 'not built in this test' }),
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    hub.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves the local WebConfig as JSON, never cached, even before the UI is built', async () => {
    const response = await fetch(`${base}/config.json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      apiBaseUrl: '/api',
      cdnBaseUrl: '/cdn',
      auth: { kind: 'dev', loginUrl: '/auth/dev-login' },
      eventsUrl: '/api/events',
      statsUrl: '/api/stats',
    } satisfies WebConfig);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await fetch(`${base}/config.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/config.json`, { method: 'PUT', body: '{}' })).status).toBe(405);
  });

  it('names places this server really answers: the sign-in, the API, the stats', async () => {
    const config = LOCAL_WEB_CONFIG;
    if (config.auth.kind !== 'dev') throw new Error('the local config signs in with dev-login');
    const login = await fetch(`${base}${config.auth.loginUrl}`, { method: 'POST', body: JSON.stringify({ user: 'alice' }) });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const authorization = { authorization: `Bearer ${token}` };

    expect((await fetch(`${base}${config.apiBaseUrl}/images`, { headers: authorization })).status).toBe(200);
    const stats = await fetch(`${base}${config.statsUrl ?? 'missing'}`, { headers: authorization });
    expect(await stats.json()).toEqual(STATS);
  });
});
