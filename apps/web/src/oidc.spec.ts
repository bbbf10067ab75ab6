import { webcrypto } from 'node:crypto';
import type { FetchLike } from './api';
import type { TokenStorage } from './auth';
import type { OidcAuthConfig } from './config';
import {
  base64UrlEncode,
  buildAuthorizeUrl,
  buildLogoutUrl,
  completeSignIn,
  decodeTokenResponse,
  describeCallbackError,
  discoveryUrl,
  exchangeCode,
  OidcError,
  parseCallback,
  PENDING_SIGN_IN_KEY,
  pkceChallenge,
  randomToken,
  refreshDelayMs,
  refreshTokens,
  resolveEndpoints,
  startSignIn,
  takePendingSignIn,
  type OidcCrypto,
} from './oidc';

const crypto = webcrypto as unknown as OidcCrypto;
const base64Url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const jwt = (payload: object) => `${base64Url('{"alg":"RS256"}')}.${base64Url(JSON.stringify(payload))}.signature`;

function memoryStorage(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

interface Call {
  readonly url: string;
  readonly init: RequestInit | undefined;
}
/** A fetch that records its calls and answers each with the next of `answers`. */
function fakeFetch(...answers: Array<{ status: number; body: unknown } | Error>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      const answer = answers.shift();
      if (!answer) throw new Error(`unexpected fetch of ${url}`);
      if (answer instanceof Error) throw answer;
      return new Response(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), { status: answer.status });
    },
  };
}

const cognito: OidcAuthConfig = {
  kind: 'oidc',
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  clientId: 'client123',
  scopes: ['openid', 'email', 'profile'],
  authorizationEndpoint: 'https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
  tokenEndpoint: 'https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/token',
  logoutEndpoint: 'https://imgpipe.auth.eu-west-1.amazoncognito.com/logout',
};

describe('PKCE', () => {
  // RFC 7636, appendix B: the verifier's 32 octets, the verifier, and its S256 challenge.
  const rfcOctets = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141,
    121,
  ];

  it('makes the verifier of RFC 7636 appendix B from its octets', () => {
    const fixed: OidcCrypto = {
      getRandomValues: (array) => {
        array.set(rfcOctets);
        return array;
      },
      subtle: crypto.subtle,
    };
    expect(randomToken(fixed)).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
  });

  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', crypto)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes random URL-safe verifiers of 43 characters, different each time', () => {
    const a = randomToken(crypto);
    const b = randomToken(crypto);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b).not.toBe(a);
  });

  it('encodes base64url without padding', () => {
    expect(base64UrlEncode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(base64UrlEncode(new Uint8Array([]))).toBe('');
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

  it('keeps the state, nonce and verifier in the tab, and sends the challenge of that verifier', async () => {
    const storage = memoryStorage();
    const url = new URL(
      await startSignIn({
        auth: cognito,
        endpoints: { authorizationEndpoint: cognito.authorizationEndpoint ?? '', tokenEndpoint: cognito.tokenEndpoint ?? '' },
        crypto,
        storage,
        redirectUri: 'https://d123.cloudfront.net/',
        returnTo: '#/images/abc',
      }),
    );
    const pending = JSON.parse(storage.items.get(PENDING_SIGN_IN_KEY) ?? '{}') as Record<string, string>;

    expect(url.origin + url.pathname).toBe('https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/authorize');
    expect(url.searchParams.get('state')).toBe(pending['state']);
    expect(url.searchParams.get('nonce')).toBe(pending['nonce']);
    expect(url.searchParams.get('code_challenge')).toBe(await pkceChallenge(pending['verifier'] ?? '', crypto));
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(pending['state']).not.toBe(pending['nonce']);
    expect(pending).toMatchObject({ redirectUri: 'https://d123.cloudfront.net/', returnTo: '#/images/abc' });
  });
});

describe('the provider’s answer', () => {
  it('reads a code and its state, an error, or nothing', () => {
    expect(parseCallback('?code=abc&state=xyz')).toEqual({ kind: 'code', code: 'abc', state: 'xyz' });
    expect(parseCallback('?code=abc')).toEqual({ kind: 'code', code: 'abc', state: '' });
    expect(parseCallback('?error=access_denied&error_description=User+cancelled&state=x')).toEqual({
      kind: 'error',
      error: 'access_denied',
      description: 'User cancelled',
    });
    expect(parseCallback('')).toEqual({ kind: 'none' });
    expect(parseCallback('?utm_source=mail')).toEqual({ kind: 'none' });
  });

  it('words the provider’s errors for a person', () => {
    expect(describeCallbackError({ error: 'access_denied' })).toBe('Sign-in was cancelled or refused.');
    expect(describeCallbackError({ error: 'invalid_request', description: 'redirect_mismatch' })).toBe(
      'The sign-in provider reported an error: redirect_mismatch (invalid_request).',
    );
  });

  it('takes the pending sign-in of the same state, once', () => {
    const storage = memoryStorage();
    storage.setItem(PENDING_SIGN_IN_KEY, JSON.stringify({ state: 's1', nonce: 'n', verifier: 'v', redirectUri: 'https://d/' }));

    expect(takePendingSignIn(storage, 's1')).toEqual({ state: 's1', nonce: 'n', verifier: 'v', redirectUri: 'https://d/' });
    expect(storage.items.has(PENDING_SIGN_IN_KEY)).toBe(false);
    expect(() => takePendingSignIn(storage, 's1')).toThrow(expect.objectContaining({ code: 'state_mismatch' }));
  });

  it('refuses a state that is not the pending one, and forgets the pending one', () => {
    const storage = memoryStorage();
    storage.setItem(PENDING_SIGN_IN_KEY, JSON.stringify({ state: 's1', nonce: 'n', verifier: 'v', redirectUri: 'https://d/' }));

    expect(() => takePendingSignIn(storage, 'forged')).toThrow(OidcError);
    expect(storage.items.has(PENDING_SIGN_IN_KEY)).toBe(false);
    expect(() => takePendingSignIn(memoryStorage(), '')).toThrow(/does not match a sign-in started in this tab/);
  });
});

describe('the token endpoint', () => {
  const idToken = jwt({ sub: 'u1', email: 'ann@example.com', exp: 2_000_000, nonce: 'n1', aud: 'client123' });

  it('exchanges the code with exactly the form-encoded body the flow needs', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: { id_token: idToken, access_token: 'opaque', refresh_token: 'r1', expires_in: 3600, token_type: 'Bearer' } });

    const tokens = await exchangeCode(
      fetch,
      cognito.tokenEndpoint ?? '',
      { code: 'c o+de', verifier: 'ver', redirectUri: 'https://d123.cloudfront.net/', clientId: 'client123' },
      1_000_000_000,
    );

    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://imgpipe.auth.eu-west-1.amazoncognito.com/oauth2/token');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(calls[0]?.init?.headers).toMatchObject({ 'content-type': 'application/x-www-form-urlencoded' });
    expect(calls[0]?.init?.body).toBe(
      'grant_type=authorization_code&client_id=client123&code=c+o%2Bde&code_verifier=ver&redirect_uri=https%3A%2F%2Fd123.cloudfront.net%2F',
    );
    // The ID token is the bearer; it expires at its own exp.
    expect(tokens).toEqual({ idToken, refreshToken: 'r1', expiresAt: 2_000_000_000 });
  });

  it('refreshes with the refresh token, keeping it when the answer does not rotate it', async () => {
    const fresh = jwt({ sub: 'u1', exp: 3_000_000 });
    const { fetch, calls } = fakeFetch({ status: 200, body: { id_token: fresh, access_token: 'a', expires_in: 3600 } });

    const tokens = await refreshTokens(fetch, 'https://idp.example/token', { refreshToken: 'r1', clientId: 'client123' }, 0);

    expect(calls[0]?.init?.body).toBe('grant_type=refresh_token&client_id=client123&refresh_token=r1');
    expect(tokens).toEqual({ idToken: fresh, refreshToken: 'r1', expiresAt: 3_000_000_000 });
  });

  it('takes the expiry from expires_in when the ID token has no exp', () => {
    expect(decodeTokenResponse({ id_token: jwt({ sub: 'u' }), expires_in: 60 }, 1000)).toEqual({ idToken: jwt({ sub: 'u' }), expiresAt: 61_000 });
  });

  it('refuses an answer without an ID token (the openid scope missing)', () => {
    expect(() => decodeTokenResponse({ access_token: 'a' }, 0)).toThrow(expect.objectContaining({ code: 'no_id_token' }));
  });

  it('reports the provider’s error, final for invalid_grant, retryable for a 5xx or the network', async () => {
    const refused = fakeFetch({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh Token has expired' } });
    await expect(refreshTokens(refused.fetch, 'https://idp/token', { refreshToken: 'r', clientId: 'c' }, 0)).rejects.toMatchObject({
      code: 'invalid_grant',
      retryable: false,
      message: 'The sign-in provider refused the token request: Refresh Token has expired.',
    });
    const down = fakeFetch({ status: 503, body: 'Service Unavailable' });
    await expect(refreshTokens(down.fetch, 'https://idp/token', { refreshToken: 'r', clientId: 'c' }, 0)).rejects.toMatchObject({
      code: 'HTTP_503',
      retryable: true,
    });
    const offline = fakeFetch(new TypeError('Failed to fetch'));
    await expect(refreshTokens(offline.fetch, 'https://idp/token', { refreshToken: 'r', clientId: 'c' }, 0)).rejects.toMatchObject({
      code: 'network',
      retryable: true,
    });
  });
});

describe('completeSignIn', () => {
  const endpoints = { authorizationEndpoint: 'https://idp/authorize', tokenEndpoint: 'https://idp/token' };
  function pendingStorage() {
    const storage = memoryStorage();
    storage.setItem(
      PENDING_SIGN_IN_KEY,
      JSON.stringify({ state: 's1', nonce: 'n1', verifier: 'v1', redirectUri: 'https://d123.cloudfront.net/', returnTo: '#/dashboard' }),
    );
    return storage;
  }

  it('exchanges the code with the pending verifier and returns the tokens and the route', async () => {
    const idToken = jwt({ sub: 'u1', nonce: 'n1', exp: 10 });
    const { fetch, calls } = fakeFetch({ status: 200, body: { id_token: idToken } });

    const result = await completeSignIn({ callback: { code: 'c1', state: 's1' }, storage: pendingStorage(), fetch, endpoints, clientId: 'client123', nowMs: 0 });

    expect(new URLSearchParams(String(calls[0]?.init?.body)).get('code_verifier')).toBe('v1');
    expect(result).toEqual({ tokens: { idToken, expiresAt: 10_000 }, returnTo: '#/dashboard' });
  });

  it('never calls the token endpoint for a state it did not send', async () => {
    const { fetch, calls } = fakeFetch();
    await expect(
      completeSignIn({ callback: { code: 'c1', state: 'other' }, storage: pendingStorage(), fetch, endpoints, clientId: 'c', nowMs: 0 }),
    ).rejects.toMatchObject({ code: 'state_mismatch' });
    expect(calls).toHaveLength(0);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const { fetch } = fakeFetch({ status: 200, body: { id_token: jwt({ sub: 'u1', nonce: 'replayed' }) } });
    await expect(
      completeSignIn({ callback: { code: 'c1', state: 's1' }, storage: pendingStorage(), fetch, endpoints, clientId: 'c', nowMs: 0 }),
    ).rejects.toMatchObject({ code: 'nonce_mismatch' });
  });
});

describe('resolveEndpoints', () => {
  it('uses the configured endpoints without fetching anything', async () => {
    const { fetch, calls } = fakeFetch();
    expect(await resolveEndpoints(cognito, fetch)).toEqual({
      authorizationEndpoint: cognito.authorizationEndpoint,
      tokenEndpoint: cognito.tokenEndpoint,
    });
    expect(calls).toHaveLength(0);
  });

  it('reads the missing ones from the issuer’s discovery document', async () => {
    const { fetch, calls } = fakeFetch({
      status: 200,
      body: { issuer: 'https://login.example/realm', authorization_endpoint: 'https://login.example/auth', token_endpoint: 'https://login.example/token' },
    });

    const endpoints = await resolveEndpoints({ kind: 'oidc', issuer: 'https://login.example/realm', clientId: 'c', scopes: ['openid'] }, fetch);

    expect(calls[0]?.url).toBe('https://login.example/realm/.well-known/openid-configuration');
    expect(endpoints).toEqual({ authorizationEndpoint: 'https://login.example/auth', tokenEndpoint: 'https://login.example/token' });
  });

  it('keeps a configured endpoint over the discovered one', async () => {
    const { fetch } = fakeFetch({ status: 200, body: { authorization_endpoint: 'https://login.example/auth', token_endpoint: 'https://login.example/token' } });
    const endpoints = await resolveEndpoints(
      { kind: 'oidc', issuer: 'https://login.example', clientId: 'c', scopes: ['openid'], tokenEndpoint: 'https://proxy.example/token' },
      fetch,
    );
    expect(endpoints.tokenEndpoint).toBe('https://proxy.example/token');
  });

  it('says which document failed, and how', async () => {
    const auth: OidcAuthConfig = { kind: 'oidc', issuer: 'https://login.example/', clientId: 'c', scopes: ['openid'] };
    expect(discoveryUrl(auth.issuer)).toBe('https://login.example/.well-known/openid-configuration');
    await expect(resolveEndpoints(auth, fakeFetch({ status: 404, body: 'nope' }).fetch)).rejects.toThrow(
      "The sign-in provider's settings could not be read from https://login.example/.well-known/openid-configuration: HTTP 404.",
    );
    await expect(resolveEndpoints(auth, fakeFetch({ status: 200, body: { issuer: 'x' } }).fetch)).rejects.toMatchObject({ code: 'discovery_failed' });
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
