import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpApiEvent } from '@imgpipe/ingest';
import type { ObjectStore } from '@imgpipe/platform';
import { toHttpApiEvent } from './api-gateway-event';
import { bearerToken, InvalidTokenError, InvalidUserError, type LocalAuth } from './auth';
import { serveCdn } from './cdn';
import type { EventStreamHub } from './event-stream';
import { placeholderPage, serveStatic, type WebBundle } from './static-web';
import { LOCAL_WEB_CONFIG } from './web-config';
import type { DashboardStats } from '../stats/pipeline-stats';

/** What the HTTP surface stands on. */
export interface HttpDeps {
  readonly auth: LocalAuth;
  /** The ingest HTTP API handler (`createHttpApiHandler`). */
  readonly api: (event: HttpApiEvent) => Promise<APIGatewayProxyStructuredResultV2>;
  readonly hub: EventStreamHub;
  readonly stats: () => DashboardStats;
  readonly processed: { readonly store: ObjectStore; readonly bucket: string };
  readonly web: () => WebBundle | undefined;
  /** `POST /admin/replay` (loopback only, signed in): the runtime's replay. */
  readonly replay?: (request: unknown) => Promise<unknown>;
  readonly onError?: (error: unknown) => void;
}

/** Largest request body read for the API and sign-in (the ingest API takes 16 KiB). */
const MAX_BODY_BYTES = 64 * 1024;

class PayloadTooLargeError extends Error {}

/** Whether the request comes from this machine (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.byteLength;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | number | boolean>>,
  body?: Uint8Array | string,
): void {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = String(value);
  if (body !== undefined && out['content-length'] === undefined) out['content-length'] = String(Buffer.byteLength(body));
  response.writeHead(status, out);
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(response, status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, JSON.stringify(value));
}

function sendError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { code, message }, headers);
}

const headerOf = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/**
 * The runtime's one origin, as the UI expects it:
 * - `GET /` and the UI's files; `GET /config.json` ({@link LOCAL_WEB_CONFIG}: where the UI
 *   finds all of the below); `POST /auth/dev-login` (loopback only);
 * - `/api/uploads`, `/api/images[/{id}]` -> the ingest HTTP API handler, as an API Gateway
 *   HTTP API event with the JWT authorizer's claims, `/api` stripped;
 * - `GET /api/events` (server-sent events; token in `access_token`), `GET /api/stats`;
 * - `GET /cdn/<key>` -> the processed bucket, format negotiated for `.../full`.
 * Every `/api/*` request needs a valid token: 401 `{ code, message }` otherwise.
 */
export function createRequestListener(deps: HttpDeps): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(deps, request, response).catch((error: unknown) => {
      deps.onError?.(error);
      if (!response.headersSent) sendError(response, 500, 'INTERNAL', 'The request failed in the local runtime.');
      else response.destroy();
    });
  };
}

async function handle(deps: HttpDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  const url = new URL(request.url ?? '/', 'http://localhost');
  const path = url.pathname;

  if (path === '/auth/dev-login') return devLogin(deps, request, response, method);
  if (path === '/admin/replay') return adminReplay(deps, request, response, method);
  if (path === '/api' || path.startsWith('/api/')) return api(deps, request, response, method, url);
  if (path.startsWith('/cdn/')) {
    const answer = await serveCdn(deps.processed.store, deps.processed.bucket, {
      method,
      path: (request.url ?? '').split('?')[0]?.slice('/cdn/'.length) ?? '',
      ...(headerOf(request, 'accept') !== undefined ? { accept: headerOf(request, 'accept') } : {}),
      ...(headerOf(request, 'if-none-match') !== undefined ? { ifNoneMatch: headerOf(request, 'if-none-match') } : {}),
    });
    return send(response, answer.status, answer.headers, answer.body);
  }
  if (method !== 'GET' && method !== 'HEAD') return sendError(response, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, { allow: 'GET, HEAD' });
  if (path === '/config.json') {
    const body = JSON.stringify(LOCAL_WEB_CONFIG);
    return send(
      response,
      200,
      { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) },
      method === 'HEAD' ? undefined : body,
    );
  }

  const web = deps.web();
  if (web?.kind === 'built') {
    const file = await serveStatic(web.directory, path, headerOf(request, 'if-none-match'));
    if (file) return send(response, file.status, file.headers, method === 'HEAD' ? undefined : file.body);
    return sendError(response, 404, 'NOT_FOUND', `nothing at ${path}`);
  }
  if (path !== '/' && path !== '/index.html') return sendError(response, 404, 'NOT_FOUND', `nothing at ${path}`);
  const page = placeholderPage(web?.reason ?? 'the UI is still being built; reload in a moment.');
  return send(response, page.status, page.headers, page.body);
}

async function devLogin(deps: HttpDeps, request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
  if (method !== 'POST') return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'use POST', { allow: 'POST' });
  if (!isLoopback(request.socket.remoteAddress)) {
    return sendError(response, 403, 'FORBIDDEN', 'development sign-in is only open to this machine');
  }
  let body: unknown;
  try {
    body = JSON.parse((await readBody(request)).toString('utf8') || '{}');
  } catch {
    return sendError(response, 400, 'INVALID_REQUEST', 'the body must be JSON: { "user": "<name>" }');
  }
  const user = typeof body === 'object' && body !== null ? (body as { user?: unknown }).user : undefined;
  try {
    if (typeof user !== 'string') throw new InvalidUserError('user must be a string');
    return sendJson(response, 200, { token: await deps.auth.issue(user) });
  } catch (error) {
    if (error instanceof InvalidUserError) return sendError(response, 400, error.code, error.message);
    throw error;
  }
}

async function authenticate(deps: HttpDeps, request: IncomingMessage, response: ServerResponse, url: URL, allowQueryToken: boolean) {
  const token = bearerToken(headerOf(request, 'authorization')) ?? (allowQueryToken ? (url.searchParams.get('access_token') ?? undefined) : undefined);
  try {
    return await deps.auth.verify(token);
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error;
    sendError(response, 401, error.code, error.message, { 'www-authenticate': 'Bearer' });
    return undefined;
  }
}

async function api(deps: HttpDeps, request: IncomingMessage, response: ServerResponse, method: string, url: URL): Promise<void> {
  const path = url.pathname.slice('/api'.length) || '/';
  const isStream = path === '/events';
  const claims = await authenticate(deps, request, response, url, isStream);
  if (!claims) return;

  if (isStream || path === '/stats') {
    if (method !== 'GET') return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET' });
    if (isStream) return deps.hub.open(claims.sub, response, deps.stats());
    return sendJson(response, 200, deps.stats());
  }

  let body: Buffer;
  try {
    body = await readBody(request);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return sendError(response, 413, 'TOO_LARGE', `the request body is over ${MAX_BODY_BYTES} bytes`);
    throw error;
  }
  const query = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  const event = toHttpApiEvent(
    {
      method,
      path,
      query,
      headers: request.headers,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      host: headerOf(request, 'host') ?? 'localhost',
    },
    claims,
  );
  const answer = await deps.api(event);
  const headers: Record<string, string | number | boolean> = { ...(answer.headers ?? {}) };
  const raw = answer.body ?? '';
  const payload = answer.isBase64Encoded ? Buffer.from(raw, 'base64') : raw;
  return send(response, answer.statusCode ?? 200, headers, method === 'HEAD' ? undefined : payload);
}

async function adminReplay(deps: HttpDeps, request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
  if (!deps.replay) return sendError(response, 404, 'NOT_FOUND', 'replay is not available');
  if (method !== 'POST') return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'use POST', { allow: 'POST' });
  if (!isLoopback(request.socket.remoteAddress)) return sendError(response, 403, 'FORBIDDEN', 'replay is only open to this machine');
  const url = new URL(request.url ?? '/', 'http://localhost');
  const claims = await authenticate(deps, request, response, url, false);
  if (!claims) return;
  let body: unknown;
  try {
    body = JSON.parse((await readBody(request)).toString('utf8') || '{}');
  } catch {
    return sendError(response, 400, 'INVALID_REQUEST', 'the body must be JSON');
  }
  try {
    return sendJson(response, 200, await deps.replay(body));
  } catch (error) {
    if (error instanceof RangeError) return sendError(response, 400, 'INVALID_REQUEST', error.message);
    throw error;
  }
}
