/**
 * OpenID Connect sign-in for a public browser client: the authorization code flow with
 * PKCE (RFC 7636, S256), as Cognito's hosted sign-in and any OIDC issuer speak it. Pure
 * protocol steps; `fetch`, `crypto` and storage are passed in, so each step is testable.
 *
 * The flow, as main.ts drives it:
 * 1. {@link startSignIn}: a random `state`, `nonce` and code verifier, kept in
 *    `sessionStorage` ({@link PENDING_SIGN_IN_KEY}); the browser goes to the returned
 *    authorization URL.
 * 2. The provider sends the browser back to `redirect_uri` (the page's origin + path) with
 *    `?code=&state=` or `?error=&error_description=`: {@link parseCallback}.
 * 3. {@link completeSignIn}: the state is checked against the pending sign-in, the code is
 *    exchanged at the token endpoint with the verifier, the ID token's `nonce` is checked.
 * 4. The **ID token** is the API's bearer (its `aud` is the client id the API's JWT
 *    authorizer checks); {@link refreshTokens} renews it before it expires
 *    ({@link refreshDelayMs}).
 *
 * Endpoints come from the config, or from the issuer's discovery document
 * ({@link resolveEndpoints}).
 */
import type { FetchLike } from './api';
import { decodeTokenClaims, type TokenStorage } from './auth';
import type { OidcAuthConfig } from './config';
import { isRecord, num, parseJson, str } from './json';

/** The part of WebCrypto the flow uses (`globalThis.crypto` in browsers and Node 20). */
export interface OidcCrypto {
  getRandomValues<T extends Uint8Array>(array: T): T;
  readonly subtle: Pick<SubtleCrypto, 'digest'>;
}

/** The `sessionStorage` key of the sign-in this tab started. */
export const PENDING_SIGN_IN_KEY = 'imgpipe.oidc.pending';

/** A sign-in step that failed; `message` is for a person. */
export class OidcError extends Error {
  constructor(
    /** The provider's OAuth error code (`invalid_grant`, `access_denied` ...) or the client's own (`state_mismatch`, `network` ...). */
    readonly code: string,
    message: string,
    /** Whether trying again later may work (the network, a 5xx, 429). */
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OidcError';
  }
}

// ---------------------------------------------------------------------------------------
// PKCE
// ---------------------------------------------------------------------------------------

/** Base64url without padding (RFC 4648 §5), as PKCE and JWTs use it. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * A random URL-safe string of `byteLength` random bytes: 32 bytes give the 43 characters
 * RFC 7636 asks of a code verifier (and plenty for `state` and `nonce`).
 */
export function randomToken(crypto: OidcCrypto, byteLength = 32): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/**
 * The S256 code challenge of a verifier: base64url(SHA-256(ASCII(verifier))).
 *
 * @example await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', crypto);
 * // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' (RFC 7636, appendix B)
 */
export async function pkceChallenge(verifier: string, crypto: OidcCrypto): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

// ---------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------

/** Where the provider signs people in and issues tokens. */
export interface OidcEndpoints {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
}

/** The issuer's discovery document: `<issuer>/.well-known/openid-configuration`. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * The config's endpoints; those it leaves out are read from the issuer's discovery
 * document (fetched only then).
 *
 * @throws OidcError `discovery_failed` when the document cannot be fetched or lacks an endpoint.
 */
export async function resolveEndpoints(auth: OidcAuthConfig, fetch: FetchLike): Promise<OidcEndpoints> {
  if (auth.authorizationEndpoint && auth.tokenEndpoint) {
    return { authorizationEndpoint: auth.authorizationEndpoint, tokenEndpoint: auth.tokenEndpoint };
  }
  const url = discoveryUrl(auth.issuer);
  const fail = (why: string, retryable: boolean, cause?: unknown) =>
    new OidcError('discovery_failed', `The sign-in provider's settings could not be read from ${url}: ${why}.`, retryable, { cause });
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (cause) {
    throw fail('the provider was not reached', true, cause);
  }
  if (!response.ok) throw fail(`HTTP ${response.status}`, response.status >= 500);
  const document = parseJson(await response.text().catch(() => ''));
  if (!isRecord(document)) throw fail('the answer is not JSON', false);
  const authorizationEndpoint = auth.authorizationEndpoint ?? str(document['authorization_endpoint']);
  const tokenEndpoint = auth.tokenEndpoint ?? str(document['token_endpoint']);
  if (!authorizationEndpoint || !tokenEndpoint) throw fail('it names no authorization_endpoint or token_endpoint', false);
  return { authorizationEndpoint, tokenEndpoint };
}

// ---------------------------------------------------------------------------------------
// 1. The authorization request
// ---------------------------------------------------------------------------------------

export interface AuthorizeParams {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
}

/** The authorization URL: `response_type=code`, PKCE S256, state and nonce; the endpoint's own query is kept. */
export function buildAuthorizeUrl(authorizationEndpoint: string, params: AuthorizeParams): string {
  const url = new URL(authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('scope', params.scopes.join(' '));
  url.searchParams.set('state', params.state);
  url.searchParams.set('nonce', params.nonce);
  url.searchParams.set('code_challenge', params.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/** What this tab keeps between leaving for the provider and coming back. */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly redirectUri: string;
  /** The route (`#/images/...`) to show after sign-in. */
  readonly returnTo?: string;
}

export interface StartSignInDeps {
  readonly auth: OidcAuthConfig;
  readonly endpoints: OidcEndpoints;
  readonly crypto: OidcCrypto;
  /** `sessionStorage`: this tab only, gone when it closes. */
  readonly storage: TokenStorage;
  /** The page's origin + path, e.g. `https://d123.cloudfront.net/`: where the provider sends the browser back. */
  readonly redirectUri: string;
  readonly returnTo?: string;
}

/**
 * Starts a sign-in: keeps a fresh state, nonce and verifier in `storage` and returns the
 * URL to send the browser to.
 */
export async function startSignIn(deps: StartSignInDeps): Promise<string> {
  const pending: PendingSignIn = {
    state: randomToken(deps.crypto),
    nonce: randomToken(deps.crypto),
    verifier: randomToken(deps.crypto),
    redirectUri: deps.redirectUri,
    ...(deps.returnTo ? { returnTo: deps.returnTo } : {}),
  };
  deps.storage.setItem(PENDING_SIGN_IN_KEY, JSON.stringify(pending));
  return buildAuthorizeUrl(deps.endpoints.authorizationEndpoint, {
    clientId: deps.auth.clientId,
    redirectUri: deps.redirectUri,
    scopes: deps.auth.scopes,
    state: pending.state,
    nonce: pending.nonce,
    codeChallenge: await pkceChallenge(pending.verifier, deps.crypto),
  });
}

// ---------------------------------------------------------------------------------------
// 2. The provider's answer
// ---------------------------------------------------------------------------------------

/** What the page's query says about a sign-in. */
export type SignInCallback =
  | { readonly kind: 'none' }
  | { readonly kind: 'code'; readonly code: string; readonly state: string }
  | { readonly kind: 'error'; readonly error: string; readonly description?: string };

/**
 * Reads `location.search` after the provider sent the browser back.
 *
 * @example parseCallback('?code=abc&state=xyz'); // { kind: 'code', code: 'abc', state: 'xyz' }
 */
export function parseCallback(search: string): SignInCallback {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description')?.trim();
    return description ? { kind: 'error', error, description } : { kind: 'error', error };
  }
  const code = params.get('code');
  if (code) return { kind: 'code', code, state: params.get('state') ?? '' };
  return { kind: 'none' };
}

/** A sentence for a person about a provider's `?error=`. */
export function describeCallbackError(callback: { readonly error: string; readonly description?: string }): string {
  if (callback.error === 'access_denied') {
    return `Sign-in was cancelled or refused${callback.description ? `: ${callback.description}` : ''}.`;
  }
  return `The sign-in provider reported an error: ${callback.description ?? callback.error} (${callback.error}).`;
}

/**
 * The pending sign-in the callback's `state` belongs to, removed from storage (a code is
 * used once).
 *
 * @throws OidcError `state_mismatch` when this tab started no sign-in or another one.
 */
export function takePendingSignIn(storage: TokenStorage, state: string): PendingSignIn {
  const stored = parseJson(storage.getItem(PENDING_SIGN_IN_KEY) ?? '');
  storage.removeItem(PENDING_SIGN_IN_KEY);
  const pending: PendingSignIn | undefined =
    isRecord(stored) && str(stored['state']) && str(stored['nonce']) && str(stored['verifier']) && str(stored['redirectUri'])
      ? {
          state: String(stored['state']),
          nonce: String(stored['nonce']),
          verifier: String(stored['verifier']),
          redirectUri: String(stored['redirectUri']),
          ...(str(stored['returnTo']) ? { returnTo: String(stored['returnTo']) } : {}),
        }
      : undefined;
  if (!pending || state === '' || pending.state !== state) {
    throw new OidcError(
      'state_mismatch',
      'This sign-in answer does not match a sign-in started in this tab (it may be old, or from another tab). Sign in again.',
    );
  }
  return pending;
}

// ---------------------------------------------------------------------------------------
// 3. Tokens
// ---------------------------------------------------------------------------------------

/** The tokens a sign-in or refresh gives. */
export interface TokenSet {
  /** The API's bearer. */
  readonly idToken: string;
  readonly refreshToken?: string;
  /** When the ID token expires, epoch milliseconds (its `exp`, else `expires_in`); absent: unknown. */
  readonly expiresAt?: number;
}

/**
 * A token endpoint answer as a {@link TokenSet}; `previousRefreshToken` is kept when the
 * answer has none (Cognito's refresh answers do not rotate it).
 *
 * @throws OidcError `no_id_token` when the answer carries no ID token.
 */
export function decodeTokenResponse(value: unknown, nowMs: number, previousRefreshToken?: string): TokenSet {
  const idToken = isRecord(value) ? str(value['id_token']) : undefined;
  if (!isRecord(value) || !idToken) {
    throw new OidcError('no_id_token', 'The sign-in provider returned no ID token (is the "openid" scope allowed for this client?).');
  }
  const refreshToken = str(value['refresh_token']) ?? previousRefreshToken;
  const exp = decodeTokenClaims(idToken)?.exp;
  const expiresIn = num(value['expires_in']);
  const expiresAt = exp !== undefined ? exp * 1000 : expiresIn !== undefined ? nowMs + expiresIn * 1000 : undefined;
  return {
    idToken,
    ...(refreshToken ? { refreshToken } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

/**
 * POSTs a form-encoded token request and returns the JSON answer.
 *
 * @throws OidcError with the provider's `error` (`invalid_grant` ...), or `network`/`HTTP_<status>`.
 */
async function tokenRequest(fetch: FetchLike, tokenEndpoint: string, form: Readonly<Record<string, string>>): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  } catch (cause) {
    throw new OidcError('network', 'The sign-in provider could not be reached. Check your connection and try again.', true, { cause });
  }
  const body = parseJson(await response.text().catch(() => ''));
  if (!response.ok) {
    const error = isRecord(body) ? str(body['error']) : undefined;
    const description = isRecord(body) ? str(body['error_description']) : undefined;
    const retryable = response.status >= 500 || response.status === 429;
    throw new OidcError(
      error ?? `HTTP_${response.status}`,
      `The sign-in provider refused the token request: ${description ?? error ?? `HTTP ${response.status}`}.`,
      retryable,
    );
  }
  return body;
}

export interface CodeExchange {
  readonly code: string;
  readonly verifier: string;
  readonly redirectUri: string;
  readonly clientId: string;
}

/** Exchanges an authorization code: `grant_type=authorization_code` with the PKCE verifier. */
export async function exchangeCode(fetch: FetchLike, tokenEndpoint: string, exchange: CodeExchange, nowMs: number): Promise<TokenSet> {
  const answer = await tokenRequest(fetch, tokenEndpoint, {
    grant_type: 'authorization_code',
    client_id: exchange.clientId,
    code: exchange.code,
    code_verifier: exchange.verifier,
    redirect_uri: exchange.redirectUri,
  });
  return decodeTokenResponse(answer, nowMs);
}

/** Renews the tokens: `grant_type=refresh_token`; the refresh token is kept when not rotated. */
export async function refreshTokens(
  fetch: FetchLike,
  tokenEndpoint: string,
  refresh: { readonly refreshToken: string; readonly clientId: string },
  nowMs: number,
): Promise<TokenSet> {
  const answer = await tokenRequest(fetch, tokenEndpoint, {
    grant_type: 'refresh_token',
    client_id: refresh.clientId,
    refresh_token: refresh.refreshToken,
  });
  return decodeTokenResponse(answer, nowMs, refresh.refreshToken);
}

export interface CompleteSignInDeps {
  readonly callback: { readonly code: string; readonly state: string };
  /** The `sessionStorage` {@link startSignIn} wrote to. */
  readonly storage: TokenStorage;
  readonly fetch: FetchLike;
  readonly endpoints: OidcEndpoints;
  readonly clientId: string;
  readonly nowMs: number;
}

/**
 * Finishes a sign-in: checks the state, exchanges the code, checks the ID token's nonce.
 *
 * @throws OidcError `state_mismatch`, `nonce_mismatch`, or the token endpoint's error.
 */
export async function completeSignIn(deps: CompleteSignInDeps): Promise<{ readonly tokens: TokenSet; readonly returnTo?: string }> {
  const pending = takePendingSignIn(deps.storage, deps.callback.state);
  const tokens = await exchangeCode(
    deps.fetch,
    deps.endpoints.tokenEndpoint,
    { code: deps.callback.code, verifier: pending.verifier, redirectUri: pending.redirectUri, clientId: deps.clientId },
    deps.nowMs,
  );
  if (decodeTokenClaims(tokens.idToken)?.nonce !== pending.nonce) {
    throw new OidcError('nonce_mismatch', 'The ID token does not belong to this sign-in (its nonce differs). Sign in again.');
  }
  return pending.returnTo ? { tokens, returnTo: pending.returnTo } : { tokens };
}

// ---------------------------------------------------------------------------------------
// 4. Keeping signed in, signing out
// ---------------------------------------------------------------------------------------

/** How long before the ID token expires it is renewed (less for tokens shorter-lived than twice this). */
export const REFRESH_LEAD_MS = 5 * 60_000;

/** The longest delay `setTimeout` takes (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long from `nowMs` to wait before refreshing a token that expires at `expiresAtMs`:
 * {@link REFRESH_LEAD_MS} ahead of expiry, or half the time left when that is shorter;
 * 0 when the token has expired.
 *
 * @example refreshDelayMs(3_600_000, 0); // 3_300_000: 55 minutes into a one-hour token
 */
export function refreshDelayMs(expiresAtMs: number, nowMs: number, leadMs: number = REFRESH_LEAD_MS): number {
  const remaining = expiresAtMs - nowMs;
  if (remaining <= 0) return 0;
  return Math.min(MAX_TIMER_MS, remaining - Math.min(leadMs, remaining / 2));
}

/**
 * The provider's sign-out URL in Cognito's form: `<logoutEndpoint>?client_id=&logout_uri=`
 * (`logout_uri` must be one of the client's sign-out URLs).
 */
export function buildLogoutUrl(logoutEndpoint: string, clientId: string, logoutUri: string): string {
  const url = new URL(logoutEndpoint);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('logout_uri', logoutUri);
  return url.toString();
}
