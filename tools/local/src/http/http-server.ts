import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import type { HttpApiEvent } from '@imgpipe/ingest';
import type { ObjectStore } from '@imgpipe/platform';
import { toHttpApiEvent } from './api-gateway-event';
import { bearerToken, InvalidTokenError, InvalidUserError, isAdminToken, NotOperatorError, type LocalAuth } from './auth';
import { serveCdn } from './cdn';
import type { EventStreamHub } from './event-stream';
import { isSameOsUser, type ConnectionEnds } from './peer-user';
import { placeholderPage, serveStatic, uiSecurityHeaders, type WebBundle } from './static-web';
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
  /** `POST /admin/replay` (loopback only, with {@link HttpDeps.adminToken}): the runtime's replay. */
  readonly replay?: (request: unknown) => Promise<unknown>;
  /**
   * The operator credential `/admin/*` requires as `Authorization: Bearer <token>` (see
   * `createAdminToken`); no user's JWT can satisfy it. Without one, `/admin/*` answers 404.
   */
  readonly adminToken?: string;
  /**
   * Origins besides this one the UI may connect to: the object store the browser POSTs
   * uploads to (the local S3 endpoint). They go into the UI's Content-Security-Policy.
   */
  readonly uploadOrigins?: readonly string[];
  readonly onError?: (error: unknown) => void;
  /**
   * Whether a loopback caller runs as the developer's OS user (default `isSameOsUser`, from the
   * kernel's socket table): `/auth/*` refuses any other user of the machine (403 `OTHER_OS_USER`).
   */
  readonly sameUser?: (ends: ConnectionEnds) => Promise<boolean>;
}

/** Largest request body read for the API and sign-in (the ingest API takes 16 KiB). */
const MAX_BODY_BYTES = 64 * 1024;

class PayloadTooLargeError extends ImgpipeError<'PAYLOAD_TOO_LARGE'> {
  constructor() {
    super({ code: 'PAYLOAD_TOO_LARGE', message: `the request body is over ${MAX_BODY_BYTES} bytes` });
  }
}

/** The names a browser on this machine writes in `Host` for a loopback listener. */
export const LOOPBACK_HOST_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/**
 * Whether a `Host` header names this machine on `port` (the port the request came in on):
 * `127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>`. A page on another name that
 * resolves to 127.0.0.1 (DNS rebinding) sends its own name and is refused.
 */
export function isLoopbackHost(host: string | undefined, port: number | undefined): boolean {
  if (!host || port === undefined) return false;
  const match = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const [, name = '', givenPort] = match;
  const portMatches = givenPort === undefined ? port === 80 : Number(givenPort) === port;
  return portMatches && (LOOPBACK_HOST_NAMES as readonly string[]).includes(name);
}

/** Methods that change state: an `Origin` other than this server's own is refused on them. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a request's `Origin` (when it has one) is this server's own, `http://<Host>`: a
 * page on another port of 127.0.0.1, or anywhere else, may not POST, PUT or DELETE here.
 */
export function isOwnOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  return host !== undefined && origin.toLowerCase() === `http://${host.trim().toLowerCase()}`;
}

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
 * - `POST /admin/replay` (loopback only, the admin token as bearer): the runtime's replay;
 * - `/api/uploads`, `/api/images[/{id}]` -> the ingest HTTP API handler, as an API Gateway
 *   HTTP API event with the JWT authorizer's claims, `/api` stripped;
 * - `GET /api/events` (server-sent events; token in `access_token`), `GET /api/stats`;
 * - `GET /cdn/<key>` -> the processed bucket, format negotiated for `.../full`.
 * Every `/api/*` request needs a valid token: 401 `{ code, message }` otherwise.
 * `/auth/*` and `/admin/*` answer only loopback peers that name this machine in `Host`
 * (403 `NOT_LOOPBACK`, `FORBIDDEN_HOST`), whatever interface the server listens on, and
 * `/auth/*` only the OS user running the runtime (403 `OTHER_OS_USER`, see `isSameOsUser`); a
 * POST/PUT/PATCH/DELETE to `/api`, `/auth` or `/admin` whose `Origin` is not this server's
 * is refused (403 `FORBIDDEN_ORIGIN`). The UI's pages carry a strict CSP ({@link uiSecurityHeaders}).
 */
export function createRequestListener(deps: HttpDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const uiHeaders = uiSecurityHeaders({ connectSources: deps.uploadOrigins ?? [] });
  return (request, response) => {
    handle(deps, uiHeaders, request, response).catch((error: unknown) => {
      deps.onError?.(error);
      if (!response.headersSent) sendError(response, 500, 'INTERNAL', 'The request failed in the local runtime.');
      else response.destroy();
    });
  };
}

async function handle(
  deps: HttpDeps,
  uiHeaders: Readonly<Record<string, string>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return sendError(response, 400, 'INVALID_REQUEST', 'the request target is not a valid path');
  }
  const path = url.pathname;
  const isAuth = path === '/auth' || path.startsWith('/auth/');
  const isAdmin = path === '/admin' || path.startsWith('/admin/');
  const isApi = path === '/api' || path.startsWith('/api/');

  if ((isAuth || isAdmin || isApi) && STATE_CHANGING.has(method) && !isOwnOrigin(headerOf(request, 'origin'), headerOf(request, 'host'))) {
    return sendError(response, 403, 'FORBIDDEN_ORIGIN', 'requests that change state are only accepted from pages of this runtime’s own origin');
  }
  if (isAuth || isAdmin) {
    // Sign-in and operator actions: this machine only, under a name of this machine.
    if (!isLoopback(request.socket.remoteAddress)) {
      return sendError(response, 403, 'NOT_LOOPBACK', `${isAuth ? 'development sign-in is' : 'operator actions are'} only open to this machine`);
    }
    if (!isLoopbackHost(headerOf(request, 'host'), request.socket.localPort)) {
      return sendError(response, 403, 'FORBIDDEN_HOST', `the Host header must be ${LOOPBACK_HOST_NAMES.join(', ')} with this runtime’s port`);
    }
    // Any name signs in without a password: only for the developer, not another user of this machine.
    if (isAuth && !(await (deps.sameUser ?? isSameOsUser)(request.socket))) {
      return sendError(response, 403, 'OTHER_OS_USER', 'development sign-in is only open to the OS user running the runtime');
    }
  }
  if (path === '/auth/dev-login') return devLogin(deps, request, response, method);
  if (path === '/admin/replay') return adminReplay(deps, request, response, method);
  if (isAuth || isAdmin) return sendError(response, 404, 'NOT_FOUND', `nothing at ${path}`);
  if (isApi) return api(deps, request, response, method, url);
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
      {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
        'x-content-type-options': 'nosniff',
      },
      method === 'HEAD' ? undefined : body,
    );
  }

  const web = deps.web();
  if (web?.kind === 'built') {
    const file = await serveStatic(web.directory, path, headerOf(request, 'if-none-match'));
    if (file) return send(response, file.status, { ...file.headers, ...uiHeaders }, method === 'HEAD' ? undefined : file.body);
    return sendError(response, 404, 'NOT_FOUND', `nothing at ${path}`);
  }
  if (path !== '/' && path !== '/index.html') return sendError(response, 404, 'NOT_FOUND', `nothing at ${path}`);
  const page = placeholderPage(web?.reason ?? 'the UI is still being built; reload in a moment.');
  return send(response, page.status, page.headers, method === 'HEAD' ? undefined : page.body);
}

async function devLogin(deps: HttpDeps, request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
  if (method !== 'POST') return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'use POST', { allow: 'POST' });
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

/**
 * Whether the request carries the operator credential; answers 401 (no bearer token) or
 * 403 `NOT_OPERATOR` (any other token, a valid user's JWT included) when it does not.
 */
function authorizeOperator(adminToken: string, request: IncomingMessage, response: ServerResponse): boolean {
  const presented = bearerToken(headerOf(request, 'authorization'));
  if (presented === undefined) {
    sendError(response, 401, 'UNAUTHENTICATED', 'operator actions need the admin token: Authorization: Bearer <data dir>/admin-token', {
      'www-authenticate': 'Bearer',
    });
    return false;
  }
  if (!isAdminToken(presented, adminToken)) {
    const error = new NotOperatorError('operator actions need the runtime’s admin token (<data dir>/admin-token); a user’s sign-in is not enough');
    sendError(response, 403, error.code, error.message);
    return false;
  }
  return true;
}

async function adminReplay(deps: HttpDeps, request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
  if (!deps.replay || !deps.adminToken) return sendError(response, 404, 'NOT_FOUND', 'replay is not available');
  if (method !== 'POST') return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'use POST', { allow: 'POST' });
  if (!authorizeOperator(deps.adminToken, request, response)) return;
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
