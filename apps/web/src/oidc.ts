/**
 * OpenID Connect sign-in for a public browser client: the authorization code flow with
 * PKCE (RFC 7636, S256), as Cognito's hosted sign-in and any OIDC issuer speak it.
 *
 * The protocol is [oauth4webapi](https://github.com/panva/oauth4webapi)'s: the random
 * state, nonce and code verifier, the S256 challenge, discovery, the callback's validation
 * (`state`, `error`), the code exchange and the refresh, and the ID token's claims checks
 * (`iss`, `aud`, `exp`, `iat`, `sub`, `nonce`). Written here, because the library leaves
 * them to the application: the authorization URL, where the pending sign-in is kept, the
 * mapping of the library's errors to {@link OidcError} (a sentence for a person, and
 * whether trying again may work), refresh timing and Cognito's `/logout` URL.
 *
 * The flow, as main.ts drives it:
 * 1. {@link startSignIn}: a random `state`, `nonce` and code verifier, kept in
 *    `sessionStorage` ({@link PENDING_SIGN_IN_KEY}); the browser goes to the returned
 *    authorization URL.
 * 2. The provider sends the browser back to `redirect_uri` (the page's origin + path) with
 *    `?code=&state=` or `?error=&error_description=`: {@link callbackParams}.
 * 3. {@link completeSignIn}: the answer is validated against the pending sign-in, the code
 *    is exchanged at the token endpoint with the verifier, the ID token's claims are checked.
 * 4. The **ID token** is the API's bearer (its `aud` is the client id the API's JWT
 *    authorizer checks); {@link refreshTokens} renews it before it expires
 *    ({@link refreshDelayMs}).
 *
 * The provider's endpoints come from the config, or from the issuer's discovery document
 * ({@link resolveServer}). `fetch` and storage are passed in, so each step is testable.
 */
import * as oauth from 'oauth4webapi';
import type { FetchLike } from './api';
import type { TokenStorage } from './auth';
import type { OidcAuthConfig } from './config';
import { isRecord, parseJson, str } from './json';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

/** The provider as oauth4webapi describes it: `issuer`, `authorization_endpoint`, `token_endpoint` ... */
export type AuthorizationServer = oauth.AuthorizationServer;

/** The `sessionStorage` key of the sign-in this tab started. */
export const PENDING_SIGN_IN_KEY = 'imgpipe.oidc.pending';

/** A sign-in step that failed (imgpipe's one error base); `message` is for a person. */
export class OidcError extends ImgpipeError {
  override readonly name = 'OidcError';

  constructor(options: {
    /** The provider's OAuth error code (`invalid_grant`, `access_denied` ...) or the client's own (`state_mismatch`, `network` ...). */
    readonly code: string;
    readonly message: string;
    /** Whether trying again later may work (the network, a 5xx, 429). Default `false`. */
    readonly retryable?: boolean;
    readonly cause?: unknown;
  }) {
    super(options);
  }
}

/** The request options that send oauth4webapi's requests through `fetch`; a fetch that throws is an {@link OidcError} `network`. */
function requestOptions(fetch: FetchLike): { [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, URLSearchParams | undefined>) => Promise<Response> } {
  return {
    [oauth.customFetch]: async (url, init) => {
      try {
        return await fetch(url, init);
      } catch (cause) {
        throw new OidcError({ code: 'network', message: 'The sign-in provider could not be reached. Check your connection and try again.', retryable: true, cause });
      }
    },
  };
}

/** This app as the provider knows it: a public client (no secret; PKCE instead). */
function publicClient(clientId: string): oauth.Client {
  return { client_id: clientId };
}

/** Whether an HTTP status is worth trying again later. */
function retryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** The HTTP status of an oauth4webapi error about an unsuccessful response (not 2xx, no OAuth error body). */
function httpFailure(error: unknown): number | undefined {
  if (!(error instanceof oauth.OperationProcessingError) || !(error.cause instanceof Response)) return undefined;
  return error.cause.ok ? undefined : error.cause.status;
}

// ---------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------

/**
 * The provider: the config's endpoints; when it leaves one out, the issuer's discovery
 * document (`<issuer>/.well-known/openid-configuration`, fetched only then, its `issuer`
 * checked), with the configured endpoints kept over the discovered ones.
 *
 * @throws OidcError `discovery_failed` when the document cannot be fetched, is not the issuer's, or lacks an endpoint.
 */
export async function resolveServer(auth: OidcAuthConfig, fetch: FetchLike): Promise<AuthorizationServer> {
  const configured = {
    ...(auth.authorizationEndpoint ? { authorization_endpoint: auth.authorizationEndpoint } : {}),
    ...(auth.tokenEndpoint ? { token_endpoint: auth.tokenEndpoint } : {}),
  };
  // Cognito: the issuer is cognito-idp.<region>.amazonaws.com/<pool>, the endpoints are on the hosted-UI domain.
  if (configured.authorization_endpoint && configured.token_endpoint) return { issuer: auth.issuer, ...configured };

  let url: string | undefined;
  const fail = (why: string, retryable: boolean, cause?: unknown) =>
    new OidcError({ code: 'discovery_failed', message: `The sign-in provider's settings could not be read from ${url ?? `the discovery document of ${auth.issuer}`}: ${why}.`, retryable, cause });
  const options = requestOptions(fetch);
  let discovered: AuthorizationServer;
  try {
    const issuer = new URL(auth.issuer);
    const response = await oauth.discoveryRequest(issuer, {
      [oauth.customFetch]: (requested, init) => {
        url = requested;
        return options[oauth.customFetch](requested, init);
      },
    });
    discovered = await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    if (error instanceof OidcError) throw fail('the provider was not reached', true, error);
    const status = httpFailure(error);
    if (status !== undefined) throw fail(`HTTP ${status}`, retryableStatus(status), error);
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.RESPONSE_IS_NOT_JSON) throw fail('the answer is not JSON', false, error);
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      throw fail(`its issuer is not ${auth.issuer}`, false, error);
    }
    throw fail(error instanceof Error ? error.message : String(error), false, error);
  }
  const server = { ...discovered, ...configured };
  if (!server.authorization_endpoint || !server.token_endpoint) throw fail('it names no authorization_endpoint or token_endpoint', false);
  return server;
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
  readonly server: AuthorizationServer;
  /** `sessionStorage`: this tab only, gone when it closes. */
  readonly storage: TokenStorage;
  /** The page's origin + path, e.g. `https://d123.cloudfront.net/`: where the provider sends the browser back. */
  readonly redirectUri: string;
  readonly returnTo?: string;
}

/**
 * Starts a sign-in: keeps a fresh state, nonce and code verifier (oauth4webapi's, 32 random
 * bytes each from WebCrypto) in `storage` and returns the URL to send the browser to.
 *
 * @throws OidcError `discovery_failed` when the provider has no authorization endpoint.
 */
export async function startSignIn(deps: StartSignInDeps): Promise<string> {
  const authorizationEndpoint = deps.server.authorization_endpoint;
  if (!authorizationEndpoint) throw new OidcError({ code: 'discovery_failed', message: `The sign-in provider ${deps.server.issuer} names no authorization endpoint.` });
  const pending: PendingSignIn = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier: oauth.generateRandomCodeVerifier(),
    redirectUri: deps.redirectUri,
    ...(deps.returnTo ? { returnTo: deps.returnTo } : {}),
  };
  deps.storage.setItem(PENDING_SIGN_IN_KEY, JSON.stringify(pending));
  return buildAuthorizeUrl(authorizationEndpoint, {
    clientId: deps.auth.clientId,
    redirectUri: deps.redirectUri,
    scopes: deps.auth.scopes,
    state: pending.state,
    nonce: pending.nonce,
    codeChallenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
  });
}

// ---------------------------------------------------------------------------------------
// 2. The provider's answer
// ---------------------------------------------------------------------------------------

/**
 * The provider's answer in the page's query (`?code=&state=` or `?error=...`), or
 * `undefined` when the page was not opened by one.
 *
 * @example callbackParams('?code=abc&state=xyz')?.get('code'); // 'abc'
 */
export function callbackParams(search: string): URLSearchParams | undefined {
  const params = new URLSearchParams(search);
  return params.has('code') || params.has('error') ? params : undefined;
}

/** A sentence for a person about a provider's `?error=`. */
export function describeCallbackError(callback: { readonly error: string; readonly description?: string | undefined }): string {
  const description = callback.description?.trim();
  if (callback.error === 'access_denied') {
    return `Sign-in was cancelled or refused${description ? `: ${description}` : ''}.`;
  }
  return `The sign-in provider reported an error: ${description || callback.error} (${callback.error}).`;
}

/** The pending sign-in of this tab, removed from storage (an answer is used once); `undefined` when there is none. */
export function takePendingSignIn(storage: TokenStorage): PendingSignIn | undefined {
  const stored = parseJson(storage.getItem(PENDING_SIGN_IN_KEY) ?? '');
  storage.removeItem(PENDING_SIGN_IN_KEY);
  if (!isRecord(stored)) return undefined;
  const state = str(stored['state']);
  const nonce = str(stored['nonce']);
  const verifier = str(stored['verifier']);
  const redirectUri = str(stored['redirectUri']);
  const returnTo = str(stored['returnTo']);
  if (!state || !nonce || !verifier || !redirectUri) return undefined;
  return { state, nonce, verifier, redirectUri, ...(returnTo ? { returnTo } : {}) };
}

function stateMismatch(cause?: unknown): OidcError {
  return new OidcError({ code: 'state_mismatch', message: 'This sign-in answer does not match a sign-in started in this tab (it may be old, or from another tab). Sign in again.', retryable: false, cause });
}

// ---------------------------------------------------------------------------------------
// 3. Tokens
// ---------------------------------------------------------------------------------------

/** The tokens a sign-in or refresh gives. */
export interface TokenSet {
  /** The API's bearer. */
  readonly idToken: string;
  readonly refreshToken?: string;
  /** When the ID token expires, epoch milliseconds (its `exp`); absent: unknown. */
  readonly expiresAt?: number;
}

/**
 * A processed token endpoint answer as a {@link TokenSet}; `previousRefreshToken` is kept
 * when the answer has none (Cognito's refresh answers do not rotate it).
 */
function tokenSet(result: oauth.TokenEndpointResponse, previousRefreshToken?: string): TokenSet {
  const idToken = result.id_token;
  if (!idToken) throw noIdToken();
  const refreshToken = result.refresh_token ?? previousRefreshToken;
  // The library has checked the ID token's claims, `exp` among them (required).
  const exp = oauth.getValidatedIdTokenClaims(result)?.exp;
  return {
    idToken,
    ...(refreshToken ? { refreshToken } : {}),
    ...(exp !== undefined ? { expiresAt: exp * 1000 } : {}),
  };
}

function noIdToken(cause?: unknown): OidcError {
  return new OidcError({ code: 'no_id_token', message: 'The sign-in provider returned no ID token (is the "openid" scope allowed for this client?).', retryable: false, cause });
}

/** The claim an oauth4webapi ID-token check failed on (`nonce`, `iss` ...), if that is what failed. */
function failedClaim(error: oauth.OperationProcessingError): string | undefined {
  return isRecord(error.cause) ? str(error.cause['claim']) : undefined;
}

/*
 * oauth4webapi has no dedicated codes for a wrong `state` or a missing ID token: both are
 * `INVALID_RESPONSE`. What tells them apart without reading its message is the `cause` it
 * attaches: `{ expected, parameters }` for the authorization response's `state` check, and
 * `{ body }` for a token response field, which the library checks in a fixed order
 * (access_token, token_type, ..., id_token last).
 */

/** The authorization response's `state` is not the one this tab sent (or is missing). */
function isStateMismatch(error: unknown, expectedState: string): boolean {
  return (
    error instanceof oauth.OperationProcessingError &&
    error.code === oauth.INVALID_RESPONSE &&
    isRecord(error.cause) &&
    error.cause['expected'] === expectedState &&
    error.cause['parameters'] instanceof URLSearchParams
  );
}

/** A token response that passed every check before the ID token's, and has none. */
function isMissingIdToken(error: oauth.OperationProcessingError): boolean {
  if (error.code !== oauth.INVALID_RESPONSE || !isRecord(error.cause) || !isRecord(error.cause['body'])) return false;
  const body = error.cause['body'];
  const nonEmpty = (value: unknown) => typeof value === 'string' && value !== '';
  return !nonEmpty(body['id_token']) && nonEmpty(body['access_token']) && nonEmpty(body['token_type']);
}

/** An oauth4webapi error of a token request as the {@link OidcError} the UI shows. */
function tokenError(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  const refused = (code: string, why: string, retryable: boolean) =>
    new OidcError({ code, message: `The sign-in provider refused the token request: ${why}.`, retryable, cause: error });
  if (error instanceof oauth.ResponseBodyError) {
    // 4xx with an OAuth error body: invalid_grant (expired or revoked), invalid_client ...
    return refused(error.error, error.error_description ?? error.error, retryableStatus(error.status));
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = error.cause[0]?.parameters;
    const code = challenge?.error ?? `HTTP_${error.status}`;
    return refused(code, challenge?.error_description ?? challenge?.error ?? `HTTP ${error.status}`, retryableStatus(error.status));
  }
  if (error instanceof oauth.OperationProcessingError) {
    const status = httpFailure(error);
    if (status !== undefined) return refused(`HTTP_${status}`, `HTTP ${status}`, retryableStatus(status));
    if (error.code === oauth.RESPONSE_IS_NOT_JSON) return new OidcError({ code: 'invalid_response', message: 'The sign-in provider’s answer is not JSON.', retryable: false, cause: error });
    if (error.code === oauth.JWT_CLAIM_COMPARISON && failedClaim(error) === 'nonce') {
      return new OidcError({ code: 'nonce_mismatch', message: 'The ID token does not belong to this sign-in (its nonce differs). Sign in again.', retryable: false, cause: error });
    }
    if (isMissingIdToken(error)) return noIdToken(error);
    if (error.code === oauth.JWT_CLAIM_COMPARISON || error.code === oauth.JWT_TIMESTAMP_CHECK) {
      const hint = error.code === oauth.JWT_TIMESTAMP_CHECK ? ' (is this device’s clock right?)' : '';
      return new OidcError({ code: 'invalid_id_token', message: `The sign-in provider’s ID token was refused: ${error.message}${hint}.`, retryable: false, cause: error });
    }
    if (error.code === oauth.HTTP_REQUEST_FORBIDDEN) {
      return new OidcError({ code: 'insecure_endpoint', message: 'The sign-in provider’s endpoints must use https.', retryable: false, cause: error });
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new OidcError({ code: 'invalid_response', message: `The sign-in provider’s answer could not be used: ${message}.`, retryable: false, cause: error });
}

export interface CompleteSignInDeps {
  /** The provider's answer ({@link callbackParams}). */
  readonly callback: URLSearchParams;
  /** The `sessionStorage` {@link startSignIn} wrote to. */
  readonly storage: TokenStorage;
  readonly fetch: FetchLike;
  readonly server: AuthorizationServer;
  readonly clientId: string;
}

/**
 * Finishes a sign-in: validates the answer against the pending sign-in (its `state`; an
 * `?error=` becomes a sentence), exchanges the code with the verifier (public client:
 * `client_id` in the body), checks the ID token's `iss`, `aud`, `exp`, `iat`, `sub` and
 * `nonce` (oauth4webapi; the signature is not checked: the token comes straight from the
 * token endpoint over TLS, and the API verifies it).
 *
 * @throws OidcError `state_mismatch`, the provider's `?error=` code, `nonce_mismatch`,
 *   `invalid_id_token`, `no_id_token`, or the token endpoint's error.
 */
export async function completeSignIn(deps: CompleteSignInDeps): Promise<{ readonly tokens: TokenSet; readonly returnTo?: string }> {
  const pending = takePendingSignIn(deps.storage);
  if (!pending) throw stateMismatch();
  const client = publicClient(deps.clientId);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(deps.server, client, deps.callback, pending.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new OidcError({ code: error.error, message: describeCallbackError({ error: error.error, description: error.error_description }), retryable: false, cause: error });
    }
    if (isStateMismatch(error, pending.state)) throw stateMismatch(error);
    throw new OidcError({ code: 'invalid_response', message: `The sign-in provider’s answer could not be used: ${error instanceof Error ? error.message : String(error)}.`, retryable: false, cause: error });
  }
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      deps.server,
      client,
      oauth.None(),
      params,
      pending.redirectUri,
      pending.verifier,
      requestOptions(deps.fetch),
    );
    const result = await oauth.processAuthorizationCodeResponse(deps.server, client, response, { expectedNonce: pending.nonce });
    const tokens = tokenSet(result);
    return pending.returnTo ? { tokens, returnTo: pending.returnTo } : { tokens };
  } catch (error) {
    throw tokenError(error);
  }
}

/**
 * Renews the tokens (`grant_type=refresh_token`); the refresh token is kept when not
 * rotated. A new ID token's claims are checked as at sign-in (no nonce).
 *
 * @throws OidcError with the provider's `error` (`invalid_grant` ...), or `network`/`HTTP_<status>` (retryable for the network, 5xx, 429).
 */
export async function refreshTokens(
  server: AuthorizationServer,
  refresh: { readonly refreshToken: string; readonly clientId: string },
  fetch: FetchLike,
): Promise<TokenSet> {
  const client = publicClient(refresh.clientId);
  try {
    const response = await oauth.refreshTokenGrantRequest(server, client, oauth.None(), refresh.refreshToken, requestOptions(fetch));
    return tokenSet(await oauth.processRefreshTokenResponse(server, client, response), refresh.refreshToken);
  } catch (error) {
    throw tokenError(error);
  }
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
