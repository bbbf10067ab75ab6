import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { InMemoryObjectStore } from '@imgpipe/platform/testing';
import { LocalAuth } from './auth';
import { EventStreamHub } from './event-stream';
import { createRequestListener, type HttpDeps } from './http-server';
import type { WebBundle } from './static-web';

/**
 * The local HTTP surface's guards, through a real server and raw HTTP requests (so `Host`
 * and `Origin` are exactly what a browser or an attacker's page would send): dev sign-in
 * and `/admin` for this machine under its own names only, state changes from this origin
 * only, replay for the operator's admin token only, a strict CSP on the UI, and `/cdn`
 * refusing malformed keys and stored HTML.
 */

const ADMIN_TOKEN = 'A'.repeat(22) + 'b'.repeat(21);
const UPLOAD_ORIGIN = 'http://127.0.0.1:4569';
/**
 * Another machine (a documentation address). No packet goes anywhere: the request reaches the
 * real server over an in-memory connection whose peer address is this one.
 */
const EXTERNAL_ADDRESS = '203.0.113.7';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One raw HTTP/1.1 request; `headers.host` replaces the Host node would send. */
function send(address: string, port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: address, port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers }, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
/** One raw HTTP/1.1 request handed to `server` as if it came from `remoteAddress`. */
function sendFrom(server: Server, remoteAddress: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverSide = Duplex.from({ readable: toServer, writable: toClient });
  Object.defineProperty(serverSide, 'remoteAddress', { value: remoteAddress });
  server.emit('connection', serverSide);
  const head = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  toServer.end(`${method} ${path} HTTP/1.1\r\n${head}\r\n${body}`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    toClient.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, split))?.[1];
      if (split < 0 || length === undefined || Buffer.byteLength(text.slice(split + 4)) < Number(length)) return;
      toClient.destroy();
      resolve({ status: Number(text.slice(9, 12)), headers: {}, body: text.slice(split + 4) });
    });
    toClient.on('error', reject);
  });
}
const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { code?: string }).code;

describe('the local HTTP surface', () => {
  let server: Server;
  let port: number;
  let web: WebBundle = { kind: 'missing', reason: 'not built in this test' };
  let webDir: string;
  const hub = new EventStreamHub();
  const auth = new LocalAuth(new Uint8Array(32).fill(5));
  const apiCalls: string[] = [];
  const replays: unknown[] = [];
  const processed = new InMemoryObjectStore();

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'imgpipe-web-'));
    await writeFile(join(webDir, 'index.html'), '<!doctype html><script type="module" src="main.js"></script>');
    await writeFile(join(webDir, 'main.js'), 'export {};');
    await processed.put({ bucket: 'processed', key: 'thumbnails/u1/img1/small.jpg', body: Buffer.from('<script>alert(1)</script>'), contentType: 'text/html' });
    const deps: HttpDeps = {
      auth,
      api: async (event) => {
        apiCalls.push(`${event.requestContext.http.method} ${event.rawPath}`);
        return { statusCode: 200, body: '{}', headers: { 'content-type': 'application/json' } };
      },
      hub,
      stats: () => ({ processed: 0, failed: 0, failedByCode: {}, processing: 0, p50Ms: 0, p95Ms: 0, bytesSaved: 0, originalBytes: 0, dlqDepth: 0 }),
      processed: { store: processed, bucket: 'processed' },
      web: () => web,
      replay: async (request) => {
        replays.push(request);
        return { replayed: 0 };
      },
      adminToken: ADMIN_TOKEN,
      uploadOrigins: [UPLOAD_ORIGIN],
    };
    server = createServer(createRequestListener(deps));
    // Every interface, as with --host 0.0.0.0: the guards, not the bind address, keep others out.
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    hub.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(webDir, { recursive: true, force: true });
  });

  const login = (headers: Record<string, string> = {}, address = '127.0.0.1') =>
    send(address, port, 'POST', '/auth/dev-login', { 'content-type': 'application/json', ...headers }, '{"user":"alice"}');

  describe('POST /auth/dev-login', () => {
    it('signs in under each loopback name with this port', async () => {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
        const answer = await login({ host });
        expect({ host, status: answer.status }).toEqual({ host, status: 200 });
      }
    });

    it('refuses any other Host (DNS rebinding) with 403 FORBIDDEN_HOST', async () => {
      for (const host of [`attacker.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `192.168.1.10:${port}`, '']) {
        const answer = await login({ host });
        expect({ host, status: answer.status, code: codeOf(answer) }).toEqual({ host, status: 403, code: 'FORBIDDEN_HOST' });
      }
    });

    it('refuses a page of another origin (another port of 127.0.0.1) with 403 FORBIDDEN_ORIGIN', async () => {
      const answer = await login({ origin: 'http://127.0.0.1:5173' });
      expect([answer.status, codeOf(answer)]).toEqual([403, 'FORBIDDEN_ORIGIN']);
      expect((await login({ origin: `http://127.0.0.1:${port}` })).status).toBe(200);
    });

    it('refuses another machine even when the server listens on every interface', async () => {
      const answer = await sendFrom(server, EXTERNAL_ADDRESS, 'POST', '/auth/dev-login', { host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, '{"user":"alice"}');
      expect([answer.status, codeOf(answer)]).toEqual([403, 'NOT_LOOPBACK']);
    });
  });

  describe('state changes on /api', () => {
    it('are refused from another origin, and reach the API from this one or with no Origin', async () => {
      const token = await auth.issue('alice');
      const post = (headers: Record<string, string>) =>
        send('127.0.0.1', port, 'POST', '/api/uploads', { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, '{}');
      apiCalls.length = 0;

      for (const origin of ['http://127.0.0.1:5173', 'http://localhost:5173', 'https://attacker.example', 'null']) {
        const answer = await post({ origin });
        expect({ origin, status: answer.status, code: codeOf(answer) }).toEqual({ origin, status: 403, code: 'FORBIDDEN_ORIGIN' });
      }
      expect(apiCalls).toEqual([]);
      expect((await post({ origin: `http://127.0.0.1:${port}` })).status).toBe(200);
      expect((await post({})).status).toBe(200);
      expect((await send('127.0.0.1', port, 'DELETE', '/api/images/img1', { authorization: `Bearer ${token}`, origin: 'http://127.0.0.1:5173' })).status).toBe(403);
      // Reads are not state changes: the token is what guards them.
      expect((await send('127.0.0.1', port, 'GET', '/api/images', { authorization: `Bearer ${token}`, origin: 'http://127.0.0.1:5173' })).status).toBe(200);
      expect(apiCalls).toEqual(['POST /uploads', 'POST /uploads', 'GET /images']);
    });
  });

  describe('POST /admin/replay', () => {
    const replay = (headers: Record<string, string>, address = '127.0.0.1') =>
      send(address, port, 'POST', '/admin/replay', { 'content-type': 'application/json', ...headers }, '{"from":"-1h"}');

    it('is refused to a signed-in user (403 NOT_OPERATOR) and to no one (401)', async () => {
      replays.length = 0;
      const user = await replay({ authorization: `Bearer ${await auth.issue('alice')}` });
      const none = await replay({});

      expect([user.status, codeOf(user)]).toEqual([403, 'NOT_OPERATOR']);
      expect([none.status, codeOf(none)]).toEqual([401, 'UNAUTHENTICATED']);
      expect(replays).toEqual([]);
    });

    it('runs with the admin token, from this machine', async () => {
      replays.length = 0;
      const answer = await replay({ authorization: `Bearer ${ADMIN_TOKEN}` });

      expect(answer.status).toBe(200);
      expect(replays).toEqual([{ from: '-1h' }]);
    });

    it('refuses the admin token under another Host name', async () => {
      const answer = await replay({ authorization: `Bearer ${ADMIN_TOKEN}`, host: `rebound.example:${port}` });
      expect([answer.status, codeOf(answer)]).toEqual([403, 'FORBIDDEN_HOST']);
    });

    it('refuses the admin token from another machine', async () => {
      replays.length = 0;
      const answer = await sendFrom(server, EXTERNAL_ADDRESS, 'POST', '/admin/replay', { authorization: `Bearer ${ADMIN_TOKEN}`, host: `${EXTERNAL_ADDRESS}:${port}`, 'content-type': 'application/json' }, '{"from":"-1h"}');

      expect([answer.status, codeOf(answer)]).toEqual([403, 'NOT_LOOPBACK']);
      expect(replays).toEqual([]);
    });
  });

  describe('the UI', () => {
    afterEach(() => {
      web = { kind: 'missing', reason: 'not built in this test' };
    });

    it('is served with a strict Content-Security-Policy naming the upload endpoint, nosniff and no referrer', async () => {
      web = { kind: 'built', directory: webDir };
      for (const path of ['/', '/images/img1', '/main.js']) {
        const answer = await send('127.0.0.1', port, 'GET', path);
        expect(answer.status).toBe(200);
        const directives = String(answer.headers['content-security-policy']).split('; ');
        expect(directives).toEqual(
          expect.arrayContaining([
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            `connect-src 'self' ${UPLOAD_ORIGIN}`,
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
          ]),
        );
        expect(directives.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['referrer-policy']).toBe('no-referrer');
      }
    });

    it('placeholder page runs no script', async () => {
      const answer = await send('127.0.0.1', port, 'GET', '/');
      expect(answer.headers['content-security-policy']).toMatch(/^default-src 'none';/);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  describe('/cdn', () => {
    it('answers malformed keys with 400 and keys outside the layout with 404, never 500', async () => {
      const cases: [string, number][] = [
        ['/cdn/compressed/%00', 400],
        ['/cdn/thumbnails/u1/img1/%E0%A4%A.jpg', 400],
        ['/cdn/thumbnails/u1/%2e%2e/small.jpg', 400],
        [`/cdn/thumbnails/u1/img1/${'x'.repeat(1100)}.jpg`, 400],
        [`/cdn/${'%41'.repeat(1100)}`, 400],
        ['/cdn/uploads/u1/img1/a.jpg', 404],
        ['/cdn/thumbnails/u1/img1/page.html', 404],
      ];
      for (const [path, status] of cases) {
        const answer = await send('127.0.0.1', port, 'GET', path);
        expect({ path: path.slice(0, 60), status: answer.status }).toEqual({ path: path.slice(0, 60), status });
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
      }
    });

    it('serves a stored text/html object as the image type its key names, with nosniff', async () => {
      const answer = await send('127.0.0.1', port, 'GET', '/cdn/thumbnails/u1/img1/small.jpg');
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('image/jpeg');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    });
  });
});
