import { calculatePKCECodeChallenge } from 'oauth4webapi';
import type { FetchLike } from './api';
import {
  buildAuthorizeUrl,
  buildLogoutUrl,
  callbackParams,
  completeSignIn,
  describeCallbackError,
  OidcError,
  PENDING_SIGN_IN_KEY,
  refreshDelayMs,
  refreshTokens,
  resolveServer,
  startSignIn,
  takePendingSignIn,
  type AuthorizationServer,
} from './oidc';
import { COGNITO_AUTH, memoryStorage, unsignedJwt } from './test-fixtures';
import type { OidcAuthConfig } from './config';

const jwt = (payload: object) => unsignedJwt(payload, { alg: 'RS256', kid: 'k1' });


interface Call {
  readonly url: string;
  readonly init: RequestInit | undefined;
}
type Answer = { status: number; body: unknown; headers?: Record<string, string> } | Error;

/** A fetch that records its calls and answers each with the next of `answers` (objects as JSON). */
function fakeFetch(...answers: Answer[]): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      const answer = answers.shift();
      if (!answer) throw new Error(`unexpected fetch of ${url}`);
      if (answer instanceof Error) throw answer;
      const json = typeof answer.body !== 'string';
      return new Response(json ? JSON.stringify(answer.body) : String(answer.body), {
        status: answer.status,
        headers: { 'content-type': json ? 'application/json;charset=UTF-8' : 'text/plain', ...answer.headers },
      });
    },
  };
}

/** The form fields of a recorded request. */
const form = (call: Call | undefined) => Object.fromEntries(new URLSearchParams(String(call?.init?.body)));

const cognito = COGNITO_AUTH;
/** The provider of {@link cognito}, as {@link resolveServer} makes it from the config. */
const cognitoServer: AuthorizationServer = {
  issuer: cognito.issuer,
  authorization_endpoint: cognito.authorizationEndpoint,
  token_endpoint: cognito.tokenEndpoint,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** A Cognito-like ID token of this sign-in; `claims` override or (as `undefined`) remove its claims. */
function idToken(claims: Record<string, unknown> = {}): { token: string; exp: number } {
  const payload: Record<string, unknown> = {
    iss: cognito.issuer,
    aud: cognito.clientId,
    sub: 'u1',
    email: 'ann@example.com',
    iat: nowSeconds(),
    exp: nowSeconds() + 3600,
    nonce: 'n1',
    ...claims,
  };
  return { token: jwt(payload), exp: Number(payload['exp']) };
}
const tokenAnswer = (body: Record<string, unknown>) => ({ status: 200, body: { access_token: 'opaque', token_type: 'Bearer', expires_in: 3600, ...body } });

describe('PKCE (oauth4webapi)', () => {
  // RFC 7636, appendix B: the verifier's 32 octets, the verifier, and its S256 challenge.
  const rfcOctets = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141,
    121,
  ];
  afterEach(() => jest.restoreAllMocks());

  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await calculatePKCECodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('turns the random octets of RFC 7636 appendix B into its verifier and sends that verifier’s challenge', async () => {
    jest.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint8Array).set(rfcOctets);
      return array;
    });
    const storage = memoryStorage();

    const url = new URL(await startSignIn({ auth: cognito, server: cognitoServer, storage, redirectUri: 'https://d123.cloudfront.net/' }));

    expect(JSON.parse(storage.items.get(PENDING_SIGN_IN_KEY) ?? '{}')).toMatchObject({ verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' });
    expect(url.searchParams.get('code_challenge')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

describe('the authorization request', () => {
  it('carries the code flow, the client, the redirect, the scopes, state, nonce and the S256 challenge', () => {
    const url = new URL(
      buildAuthorizeUrl('https://idp.example/authorize?tenant=t1', {
        clientId: 'client123',
        redirectUri: 'https://d123.cloudfront.net/',
        scopes: ['openid', 'email'],
        state: 'st',
        nonce: 'no',
        codeChallenge: 'ch',
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe('https://idp.example/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 't1',
      response_type: 'code',
      client_id: 'client123',
      redirect_uri: 'https://d123.cloudfront.net/',
      scope: 'openid email',
      state: 'st',
      nonce: 'no',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });

  it('keeps fresh random state, nonce and verifier in the tab, and sends the challenge of that verifier', async () => {
    const storage = memoryStorage();
    const url = new URL(
      await startSignIn({ auth: cognito, server: cognitoServer, storage, redirectUri: 'https://d123.cloudfront.net/', returnTo: '#/images/abc' }),
    );
    const pending = JSON.parse(storage.items.get(PENDING_SIGN_IN_KEY) ?? '{}') as Record<string, string>;

    expect(url.origin + url.pathname).toBe('https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/authorize');
    expect(url.searchParams.get('state')).toBe(pending['state']);
    expect(url.searchParams.get('nonce')).toBe(pending['nonce']);
    expect(url.searchParams.get('code_challenge')).toBe(await calculatePKCECodeChallenge(pending['verifier'] ?? ''));
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    for (const key of ['state', 'nonce', 'verifier']) expect(pending[key]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([pending['state'], pending['nonce'], pending['verifier']]).size).toBe(3);
    expect(pending).toMatchObject({ redirectUri: 'https://d123.cloudfront.net/', returnTo: '#/images/abc' });
  });
});

describe('the provider’s answer', () => {
  it('is a query with a code or an error; any other query is not one', () => {
    expect(callbackParams('?code=abc&state=xyz')?.get('code')).toBe('abc');
    expect(callbackParams('?error=access_denied&state=x')?.get('error')).toBe('access_denied');
    expect(callbackParams('')).toBeUndefined();
    expect(callbackParams('?utm_source=mail')).toBeUndefined();
  });

  it('words the provider’s errors for a person', () => {
    expect(describeCallbackError({ error: 'access_denied' })).toBe('Sign-in was cancelled or refused.');
    expect(describeCallbackError({ error: 'invalid_request', description: 'redirect_mismatch' })).toBe(
      'The sign-in provider reported an error: redirect_mismatch (invalid_request).',
    );
  });

  it('takes the pending sign-in once', () => {
    const storage = memoryStorage();
    storage.setItem(PENDING_SIGN_IN_KEY, JSON.stringify({ state: 's1', nonce: 'n', verifier: 'v', redirectUri: 'https://d/' }));

    expect(takePendingSignIn(storage)).toEqual({ state: 's1', nonce: 'n', verifier: 'v', redirectUri: 'https://d/' });
    expect(storage.items.has(PENDING_SIGN_IN_KEY)).toBe(false);
    expect(takePendingSignIn(storage)).toBeUndefined();
  });
});

describe('completeSignIn', () => {
  function pendingStorage() {
    const storage = memoryStorage();
    storage.setItem(
      PENDING_SIGN_IN_KEY,
      JSON.stringify({ state: 's1', nonce: 'n1', verifier: 'v1', redirectUri: 'https://d123.cloudfront.net/', returnTo: '#/dashboard' }),
    );
    return storage;
  }
  const complete = (query: string, fetch: FetchLike, storage = pendingStorage()) =>
    completeSignIn({ callback: new URLSearchParams(query), storage, fetch, server: cognitoServer, clientId: cognito.clientId });

  it('exchanges the code with exactly the form the flow needs, and returns the tokens and the route', async () => {
    const { token, exp } = idToken();
    const { fetch, calls } = fakeFetch(tokenAnswer({ id_token: token, refresh_token: 'r1' }));
    const storage = pendingStorage();

    const result = await complete('?code=c+o%2Bde&state=s1', fetch, storage);

    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/token');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(calls[0]?.init?.headers).toMatchObject({ 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' });
    expect(form(calls[0])).toEqual({
      grant_type: 'authorization_code',
      code: 'c o+de',
      code_verifier: 'v1',
      redirect_uri: 'https://d123.cloudfront.net/',
      client_id: 'client123',
    });
    // The ID token is the bearer; it expires at its own exp.
    expect(result).toEqual({ tokens: { idToken: token, refreshToken: 'r1', expiresAt: exp * 1000 }, returnTo: '#/dashboard' });
    expect(storage.items.has(PENDING_SIGN_IN_KEY)).toBe(false);
  });

  it.each([
    ['another state', '?code=c1&state=forged'],
    ['no state', '?code=c1'],
  ])('never calls the token endpoint for %s, and forgets the pending sign-in', async (_what, query) => {
    const { fetch, calls } = fakeFetch();
    const storage = pendingStorage();
    await expect(complete(query, fetch, storage)).rejects.toMatchObject({
      code: 'state_mismatch',
      message: expect.stringContaining('does not match a sign-in started in this tab'),
    });
    expect(calls).toHaveLength(0);
    expect(storage.items.has(PENDING_SIGN_IN_KEY)).toBe(false);
  });

  it('refuses an answer when this tab started no sign-in', async () => {
    const { fetch, calls } = fakeFetch();
    await expect(complete('?code=c1&state=s1', fetch, memoryStorage())).rejects.toMatchObject({ code: 'state_mismatch' });
    expect(calls).toHaveLength(0);
  });

  it('turns the provider’s ?error= into a sentence, without a token request', async () => {
    const { fetch, calls } = fakeFetch();
    await expect(complete('?error=access_denied&error_description=User+cancelled&state=s1', fetch)).rejects.toMatchObject({
      code: 'access_denied',
      message: 'Sign-in was cancelled or refused: User cancelled.',
    });
    await expect(complete('?error=invalid_scope&state=s1', fetch)).rejects.toThrow('The sign-in provider reported an error: invalid_scope (invalid_scope).');
    // An error answer of another sign-in is not shown as this one's.
    await expect(complete('?error=access_denied&state=other', fetch)).rejects.toMatchObject({ code: 'state_mismatch' });
    expect(calls).toHaveLength(0);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const { fetch } = fakeFetch(tokenAnswer({ id_token: idToken({ nonce: 'replayed' }).token }));
    await expect(complete('?code=c1&state=s1', fetch)).rejects.toMatchObject({
      code: 'nonce_mismatch',
      message: 'The ID token does not belong to this sign-in (its nonce differs). Sign in again.',
    });
  });

  it.each([
    ['of another issuer', { iss: 'https://evil.example' }, /"iss"/],
    ['for another client', { aud: 'other-client' }, /"aud"/],
    ['that has expired', { exp: nowSeconds() - 3600 }, /"exp".*clock/],
    ['without iat', { iat: undefined }, /"iat"/],
  ])('refuses an ID token %s', async (_what, claims, message) => {
    const { fetch } = fakeFetch(tokenAnswer({ id_token: idToken(claims).token }));
    const error: unknown = await complete('?code=c1&state=s1', fetch).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OidcError);
    expect((error as OidcError).message).toMatch(message);
    expect((error as OidcError).retryable).toBe(false);
  });

  it('refuses an answer without an ID token (the openid scope missing)', async () => {
    const { fetch } = fakeFetch(tokenAnswer({}));
    await expect(complete('?code=c1&state=s1', fetch)).rejects.toMatchObject({ code: 'no_id_token' });
  });

  it('reports the token endpoint’s refusal', async () => {
    const { fetch } = fakeFetch({ status: 400, body: { error: 'invalid_grant', error_description: 'Authorization code has been consumed' } });
    await expect(complete('?code=c1&state=s1', fetch)).rejects.toMatchObject({
      code: 'invalid_grant',
      retryable: false,
      message: 'The sign-in provider refused the token request: Authorization code has been consumed.',
    });
  });
});

describe('refreshTokens', () => {
  const refresh = (fetch: FetchLike) => refreshTokens(cognitoServer, { refreshToken: 'r1', clientId: 'client123' }, fetch);

  it('posts exactly the refresh form, keeping the refresh token when the answer does not rotate it', async () => {
    const { token, exp } = idToken({ nonce: undefined });
    const { fetch, calls } = fakeFetch(tokenAnswer({ id_token: token }));

    const tokens = await refresh(fetch);

    expect(calls[0]?.url).toBe(cognito.tokenEndpoint);
    expect(calls[0]?.init?.method).toBe('POST');
    expect(form(calls[0])).toEqual({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'client123' });
    expect(tokens).toEqual({ idToken: token, refreshToken: 'r1', expiresAt: exp * 1000 });
  });

  it('takes a rotated refresh token', async () => {
    const { fetch } = fakeFetch(tokenAnswer({ id_token: idToken().token, refresh_token: 'r2' }));
    expect((await refresh(fetch)).refreshToken).toBe('r2');
  });

  it('checks the new ID token’s claims too', async () => {
    const { fetch } = fakeFetch(tokenAnswer({ id_token: idToken({ aud: 'other-client' }).token }));
    await expect(refresh(fetch)).rejects.toMatchObject({ code: 'invalid_id_token', retryable: false });
  });

  it('reports the provider’s error: final for invalid_grant, retryable for a 5xx, 429 or the network', async () => {
    await expect(refresh(fakeFetch({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh Token has expired' } }).fetch)).rejects.toMatchObject({
      code: 'invalid_grant',
      retryable: false,
      message: 'The sign-in provider refused the token request: Refresh Token has expired.',
    });
    await expect(refresh(fakeFetch({ status: 503, body: 'Service Unavailable' }).fetch)).rejects.toMatchObject({
      code: 'HTTP_503',
      retryable: true,
      message: 'The sign-in provider refused the token request: HTTP 503.',
    });
    await expect(refresh(fakeFetch({ status: 429, body: { error: 'slow_down' } }).fetch)).rejects.toMatchObject({ retryable: true });
    await expect(refresh(fakeFetch(new TypeError('Failed to fetch')).fetch)).rejects.toMatchObject({ code: 'network', retryable: true });
    await expect(
      refresh(fakeFetch({ status: 401, body: '', headers: { 'www-authenticate': 'Bearer error="invalid_client", error_description="Unknown client"' } }).fetch),
    ).rejects.toMatchObject({ code: 'invalid_client', retryable: false, message: 'The sign-in provider refused the token request: Unknown client.' });
  });

  it('refuses a token endpoint that is not https', async () => {
    const { fetch, calls } = fakeFetch();
    await expect(refreshTokens({ ...cognitoServer, token_endpoint: 'http://idp.example/token' }, { refreshToken: 'r1', clientId: 'c' }, fetch)).rejects.toMatchObject({
      code: 'insecure_endpoint',
    });
    expect(calls).toHaveLength(0);
  });
});

describe('resolveServer', () => {
  const external: OidcAuthConfig = { kind: 'oidc', issuer: 'https://login.example/realm', clientId: 'c', scopes: ['openid'] };
  const discovery = { issuer: 'https://login.example/realm', authorization_endpoint: 'https://login.example/auth', token_endpoint: 'https://login.example/token' };

  it('uses the configured endpoints (Cognito: on another host than the issuer) without fetching anything', async () => {
    const { fetch, calls } = fakeFetch();
    expect(await resolveServer(cognito, fetch)).toEqual(cognitoServer);
    expect(calls).toHaveLength(0);
  });

  it('reads the provider from the issuer’s discovery document when the config names no endpoints', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: discovery });

    const server = await resolveServer(external, fetch);

    expect(calls[0]?.url).toBe('https://login.example/realm/.well-known/openid-configuration');
    expect(calls[0]?.init?.method).toBe('GET');
    expect(server).toMatchObject(discovery);
  });

  it('keeps a configured endpoint over the discovered one', async () => {
    const { fetch } = fakeFetch({ status: 200, body: discovery });
    const server = await resolveServer({ ...external, tokenEndpoint: 'https://proxy.example/token' }, fetch);
    expect(server).toMatchObject({ authorization_endpoint: 'https://login.example/auth', token_endpoint: 'https://proxy.example/token' });
  });

  it('says which document failed, and how', async () => {
    const failing = (answer: Answer) => resolveServer(external, fakeFetch(answer).fetch);
    await expect(failing({ status: 404, body: 'nope' })).rejects.toMatchObject({
      code: 'discovery_failed',
      retryable: false,
      message: "The sign-in provider's settings could not be read from https://login.example/realm/.well-known/openid-configuration: HTTP 404.",
    });
    await expect(failing({ status: 502, body: 'Bad Gateway' })).rejects.toMatchObject({ code: 'discovery_failed', retryable: true });
    await expect(failing(new TypeError('Failed to fetch'))).rejects.toMatchObject({ code: 'discovery_failed', retryable: true });
    await expect(failing({ status: 200, body: '<html>' })).rejects.toThrow(/: the answer is not JSON\.$/);
    await expect(failing({ status: 200, body: { ...discovery, issuer: 'https://evil.example' } })).rejects.toThrow(
      /: its issuer is not https:\/\/login\.example\/realm\.$/,
    );
    await expect(failing({ status: 200, body: { issuer: discovery.issuer } })).rejects.toThrow(/names no authorization_endpoint or token_endpoint/);
  });

  it('gives a provider whose discovered issuer the ID token must carry', async () => {
    const { fetch } = fakeFetch({ status: 200, body: discovery });
    const server = await resolveServer(external, fetch);
    const storage = memoryStorage();
    storage.setItem(PENDING_SIGN_IN_KEY, JSON.stringify({ state: 's1', nonce: 'n1', verifier: 'v1', redirectUri: 'https://d/' }));
    const token = fakeFetch(tokenAnswer({ id_token: idToken({ aud: 'c' }).token })); // iss: Cognito's, not login.example's

    await expect(completeSignIn({ callback: new URLSearchParams('code=c1&state=s1'), storage, fetch: token.fetch, server, clientId: 'c' })).rejects.toMatchObject({
      code: 'invalid_id_token',
    });
    expect(token.calls[0]?.url).toBe('https://login.example/token');
  });
});

describe('refresh scheduling', () => {
  it('refreshes five minutes before a one-hour token expires', () => {
    expect(refreshDelayMs(3_600_000, 0)).toBe(55 * 60_000);
    expect(refreshDelayMs(3_600_000, 3_000_000)).toBe(300_000);
  });

  it('refreshes short-lived tokens at half the time left, expired ones at once', () => {
    expect(refreshDelayMs(240_000, 0)).toBe(120_000);
    expect(refreshDelayMs(1_000, 1_000)).toBe(0);
    expect(refreshDelayMs(0, 5_000)).toBe(0);
  });

  it('never asks setTimeout for more than it can wait', () => {
    expect(refreshDelayMs(365 * 24 * 3_600_000, 0)).toBe(2 ** 31 - 1);
  });
});

describe('buildLogoutUrl', () => {
  it('sends client_id and logout_uri, as Cognito’s /logout takes them', () => {
    const url = new URL(buildLogoutUrl(cognito.logoutEndpoint ?? '', 'client123', 'https://d123.cloudfront.net/'));
    expect(url.origin + url.pathname).toBe('https://imgpipe.auth.eu-west-1.amazoncognito.com/logout');
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'client123', logout_uri: 'https://d123.cloudfront.net/' });
  });
});
