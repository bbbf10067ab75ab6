import { createHash, randomBytes } from 'node:crypto';
import type { BrowserContext, Request, Route } from 'playwright-core';

/**
 * Cognito's hosted sign-in and the HTTP API as a deployed UI meets them, answered inside the
 * browser with Playwright's request interception (no TLS, no network): every request the
 * page makes off its own origin comes here, and one this fake does not expect is refused
 * and listed in {@link FakeAws.problems}.
 *
 * - `<hostedUi>/oauth2/authorize`: checks the code-flow request (PKCE S256, `openid`,
 *   `redirect_uri`), sends the browser back with a code and the same `state`.
 * - `<hostedUi>/oauth2/token`: the code exchange (with a real PKCE check) and the refresh,
 *   answering ID tokens with the claims oauth4webapi checks (`iss`, `aud`, `sub`, `nonce`,
 *   `iat`, `exp`); Cognito's refresh answer carries no new refresh token.
 * - `<hostedUi>/logout`: records `client_id` and `logout_uri`, sends the browser back.
 * - `<api>/images`, `<api>/images/{id}`: API Gateway with its JWT authorizer (an ID token
 *   this fake issued, unexpired, for this client) and its CORS config (the UI's origin;
 *   headers `authorization`, `content-type`).
 *
 * CORS under interception: Chromium's preflights never reach a route (Playwright answers
 * them itself, allowing whatever was asked), and Playwright adds an
 * `access-control-allow-origin` echoing the page's origin to a fulfilled cross-origin
 * response that has none. So this fake checks the request's `Origin` and headers itself,
 * and always sends its own `access-control-allow-origin`, which the browser does enforce.
 */
export interface FakeAwsOptions {
  /** The UI's origin, e.g. `http://127.0.0.1:41234`: the only CORS origin, the redirect and sign-out URL's origin. */
  readonly uiOrigin: string;
  /** The HTTP API's URL (`apiBaseUrl`). */
  readonly apiBaseUrl: string;
  /** The hosted sign-in's base URL, e.g. `https://imgpipe-test.auth.eu-west-1.amazoncognito.com`. */
  readonly hostedUiBaseUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  /** The person who signs in. */
  readonly user: { readonly sub: string; readonly email: string };
  /** How long the ID tokens it issues last. */
  readonly tokenLifetimeSeconds: number;
}

/** The read-model records the API lists; the test changes them as the pipeline would. */
export type ImageRecord = Readonly<Record<string, unknown>> & { readonly imageId: string; readonly uploadedAt: string };

export interface IssuedTokens {
  readonly grantType: 'authorization_code' | 'refresh_token';
  readonly idToken: string;
  readonly refreshToken: string;
  /** The ID token's claims. */
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface ApiCall {
  readonly method: string;
  /** Path and query, e.g. `/images?limit=24`. */
  readonly path: string;
  /** The bearer token sent, if any. */
  readonly token: string | undefined;
}

/** The API Gateway CORS config's `allowHeaders`, plus what a browser sends without asking. */
const ALLOWED_REQUEST_HEADERS = new Set(['authorization', 'content-type', 'accept', 'accept-language', 'content-language', 'origin', 'referer', 'user-agent']);

const base64Url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT whose signature nobody checks here: oauth4webapi checks the claims of a token-endpoint ID token, and the fake authorizer trusts what it issued. */
function jwt(claims: Readonly<Record<string, unknown>>): string {
  return `${base64Url(JSON.stringify({ alg: 'RS256', kid: 'fake-key' }))}.${base64Url(JSON.stringify(claims))}.${base64Url(randomBytes(32))}`;
}

export class FakeAws {
  /** Query of each `/oauth2/authorize` request. */
  readonly authorizations: URLSearchParams[] = [];
  /** Form of each `/oauth2/token` request. */
  readonly tokenRequests: URLSearchParams[] = [];
  readonly issued: IssuedTokens[] = [];
  readonly apiCalls: ApiCall[] = [];
  /** Query of each `/logout` request. */
  readonly logouts: URLSearchParams[] = [];
  /** What the page did that the real services would have refused, or that this fake does not know. */
  readonly problems: string[] = [];
  /** The caller's images, by id, newest last; `GET /images` lists them newest first. */
  readonly images = new Map<string, ImageRecord>();
  /** When set, `/oauth2/authorize` answers with this `state` instead of the request's (a forged answer). */
  forgedState: string | undefined;

  private readonly codes = new Map<string, { challenge: string; nonce: string; redirectUri: string }>();
  private readonly refreshTokens = new Set<string>();
  private readonly api: URL;
  private readonly hostedUi: URL;
  private clockOffsetMs = 0;

  constructor(private readonly options: FakeAwsOptions) {
    this.api = new URL(options.apiBaseUrl);
    this.hostedUi = new URL(options.hostedUiBaseUrl);
  }

  /** The page's clock (`Date.now()` plus what the test moved it forward by): tokens are issued and checked in its time. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Moves the page's clock forward by `ms` (Playwright's `clock.fastForward`) and this fake's with it. */
  async fastForward(context: BrowserContext, ms: number): Promise<void> {
    this.clockOffsetMs += ms;
    await context.clock.fastForward(ms);
  }

  /** Answers every request of `context` that leaves the UI's origin. */
  async install(context: BrowserContext): Promise<void> {
    await context.route(
      (url) => url.origin !== this.options.uiOrigin,
      (route, request) => this.handle(route, request),
    );
  }

  private async handle(route: Route, request: Request): Promise<void> {
    const url = new URL(request.url());
    try {
      if (url.origin === this.hostedUi.origin && url.pathname === '/oauth2/authorize') return await this.authorize(route, url);
      if (url.origin === this.hostedUi.origin && url.pathname === '/oauth2/token') return await this.token(route, request);
      if (url.origin === this.hostedUi.origin && url.pathname === '/logout') return await this.logout(route, url);
      if (url.origin === this.api.origin) return await this.apiRequest(route, request, url);
      this.problems.push(`unexpected request: ${request.method()} ${request.url()}`);
      await route.abort('blockedbyclient');
    } catch (error) {
      this.problems.push(`${request.method()} ${request.url()} failed in the fake: ${error instanceof Error ? error.stack : String(error)}`);
      await route.abort('failed');
    }
  }

  /** A problem: recorded, and answered as the service would (an error page or JSON). */
  private refuse(route: Route, status: number, problem: string, headers: Record<string, string> = {}): Promise<void> {
    this.problems.push(problem);
    return route.fulfill({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ error: 'invalid_request', error_description: problem }) });
  }

  private async authorize(route: Route, url: URL): Promise<void> {
    const query = url.searchParams;
    this.authorizations.push(new URLSearchParams(query));
    const expectedRedirect = `${this.options.uiOrigin}/`;
    const wrong = [
      query.get('response_type') !== 'code' && `response_type ${query.get('response_type')}`,
      query.get('client_id') !== this.options.clientId && `client_id ${query.get('client_id')}`,
      query.get('redirect_uri') !== expectedRedirect && `redirect_uri ${query.get('redirect_uri')} (expected ${expectedRedirect})`,
      !(query.get('scope') ?? '').split(' ').includes('openid') && `scope ${query.get('scope')} without openid`,
      query.get('code_challenge_method') !== 'S256' && `code_challenge_method ${query.get('code_challenge_method')}`,
      !/^[A-Za-z0-9_-]{43}$/.test(query.get('code_challenge') ?? '') && `code_challenge ${query.get('code_challenge')}`,
      !query.get('state') && 'no state',
      !query.get('nonce') && 'no nonce',
    ].filter((why): why is string => typeof why === 'string');
    if (wrong.length > 0) return this.refuse(route, 400, `authorize: ${wrong.join(', ')}`);

    const code = base64Url(randomBytes(24));
    this.codes.set(code, { challenge: query.get('code_challenge') ?? '', nonce: query.get('nonce') ?? '', redirectUri: expectedRedirect });
    const back = new URL(expectedRedirect);
    back.searchParams.set('code', code);
    back.searchParams.set('state', this.forgedState ?? query.get('state') ?? '');
    // The person signed in on the hosted page; Cognito sends the browser back with a 302.
    await route.fulfill({ status: 302, headers: { location: back.toString() } });
  }

  private async token(route: Route, request: Request): Promise<void> {
    const cors = { 'access-control-allow-origin': this.options.uiOrigin, 'cache-control': 'no-store' };
    if (request.method() !== 'POST') return this.refuse(route, 405, `token: ${request.method()} instead of POST`, cors);
    const form = new URLSearchParams(request.postData() ?? '');
    this.tokenRequests.push(form);
    if (form.get('client_id') !== this.options.clientId) return this.refuse(route, 400, `token: client_id ${form.get('client_id')}`, cors);

    let nonce: string | undefined;
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      this.codes.delete(form.get('code') ?? ''); // a code is used once
      if (!code) return this.refuse(route, 400, `token: unknown or used code ${form.get('code')}`, cors);
      if (form.get('redirect_uri') !== code.redirectUri) return this.refuse(route, 400, `token: redirect_uri ${form.get('redirect_uri')}`, cors);
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (challenge !== code.challenge) return this.refuse(route, 400, `token: PKCE failed, S256(code_verifier) ${challenge} is not the code_challenge ${code.challenge}`, cors);
      nonce = code.nonce;
    } else if (grantType === 'refresh_token') {
      if (!this.refreshTokens.has(form.get('refresh_token') ?? '')) return this.refuse(route, 400, `token: unknown refresh_token`, cors);
    } else {
      return this.refuse(route, 400, `token: grant_type ${grantType}`, cors);
    }

    const iat = Math.floor(this.now() / 1000);
    const claims = {
      sub: this.options.user.sub,
      email: this.options.user.email,
      email_verified: true,
      'cognito:username': this.options.user.sub,
      iss: this.options.issuer,
      aud: this.options.clientId,
      token_use: 'id',
      auth_time: iat,
      iat,
      exp: iat + this.options.tokenLifetimeSeconds,
      ...(nonce !== undefined ? { nonce } : {}),
    };
    const idToken = jwt(claims);
    const accessToken = jwt({ ...claims, token_use: 'access', client_id: this.options.clientId, aud: undefined, nonce: undefined });
    // Cognito rotates no refresh token: a refresh answer has none, the client keeps its own.
    const refreshToken = grantType === 'authorization_code' ? base64Url(randomBytes(48)) : (form.get('refresh_token') ?? '');
    this.refreshTokens.add(refreshToken);
    this.issued.push({ grantType, idToken, refreshToken, claims });
    await route.fulfill({
      status: 200,
      headers: { 'content-type': 'application/json;charset=UTF-8', ...cors },
      body: JSON.stringify({
        id_token: idToken,
        access_token: accessToken,
        ...(grantType === 'authorization_code' ? { refresh_token: refreshToken } : {}),
        token_type: 'Bearer',
        expires_in: this.options.tokenLifetimeSeconds,
      }),
    });
  }

  private async logout(route: Route, url: URL): Promise<void> {
    this.logouts.push(new URLSearchParams(url.searchParams));
    const logoutUri = url.searchParams.get('logout_uri') ?? '';
    if (url.searchParams.get('client_id') !== this.options.clientId || logoutUri !== `${this.options.uiOrigin}/`) {
      // Cognito's answer to a logout_uri that is not one of the client's sign-out URLs.
      return this.refuse(route, 400, `logout: client_id ${url.searchParams.get('client_id')}, logout_uri ${logoutUri}`);
    }
    await route.fulfill({ status: 302, headers: { location: logoutUri } });
  }

  private async apiRequest(route: Route, request: Request, url: URL): Promise<void> {
    const headers = request.headers();
    const authorization = headers['authorization'];
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    this.apiCalls.push({ method: request.method(), path: `${url.pathname}${url.search}`, token });

    // API Gateway's CORS: the UI's origin only, and the headers it allows.
    if (headers['origin'] !== this.options.uiOrigin) return this.refuse(route, 403, `api: request from origin ${headers['origin']}`);
    const cors = { 'access-control-allow-origin': this.options.uiOrigin, vary: 'origin' };
    const unlisted = Object.keys(headers).filter((name) => !ALLOWED_REQUEST_HEADERS.has(name) && !name.startsWith('sec-'));
    if (unlisted.length > 0) return this.refuse(route, 403, `api: headers ${unlisted.join(', ')} are not in the CORS allowHeaders`, cors);

    // The JWT authorizer: an ID token of this issuer and client, unexpired.
    const issued = this.issued.find((tokens) => tokens.idToken === token);
    if (!issued || (issued.claims['exp'] as number) * 1000 <= this.now()) {
      this.problems.push(`api: ${request.method()} ${url.pathname} with ${issued ? 'an expired' : 'no valid'} ID token`);
      return route.fulfill({ status: 401, headers: { 'content-type': 'application/json', ...cors }, body: JSON.stringify({ message: 'Unauthorized' }) });
    }

    const json = (status: number, body: unknown) =>
      route.fulfill({ status, headers: { 'content-type': 'application/json', ...cors }, body: JSON.stringify(body) });
    const detail = /^\/images\/([^/]+)$/.exec(url.pathname);
    if (request.method() === 'GET' && url.pathname === '/images') {
      const items = [...this.images.values()].sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt));
      return json(200, { items });
    }
    if (request.method() === 'GET' && detail) {
      const image = this.images.get(decodeURIComponent(detail[1] ?? ''));
      if (!image) return json(404, { code: 'NOT_FOUND', message: `no image ${detail[1]}` });
      return json(200, { imageId: image.imageId, image, history: [] });
    }
    return this.refuse(route, 404, `api: no route ${request.method()} ${url.pathname}`, cors);
  }
}
