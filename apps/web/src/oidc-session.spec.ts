import type { FetchLike } from './api';
import type { OidcAuthConfig } from './config';
import type { AuthorizationServer } from './oidc';
import { createOidcSession, OIDC_SESSION_KEY, SESSION_ENDED_NOTICE, type Timers } from './oidc-session';
import { memoryStorage, unsignedJwt } from './test-fixtures';

const HOUR = 3_600_000;
/**
 * The fake clock's start: the next whole hour of the real clock. oauth4webapi checks a
 * refreshed ID token's `exp` against the real clock, so the tokens must not be from 1970.
 */
const T0 = Math.ceil(Date.now() / HOUR) * HOUR;
const auth: OidcAuthConfig = { kind: 'oidc', issuer: 'https://idp.example', clientId: 'client123', scopes: ['openid'] };
const server = async (): Promise<AuthorizationServer> => ({
  issuer: 'https://idp.example',
  authorization_endpoint: 'https://idp.example/authorize',
  token_endpoint: 'https://idp.example/token',
});

/** An ID token of this issuer and client (unsigned-looking: oauth4webapi checks the claims of a token endpoint's ID token, not its signature). */
const jwt = (payload: object) => unsignedJwt({ iss: auth.issuer, aud: auth.clientId, iat: T0 / 1000, ...payload });


/** A clock and timers moved by hand. */
function fakeTime(start = T0) {
  let now = start;
  let nextId = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    set(callback, delayMs) {
      const id = nextId++;
      pending.set(id, { at: now + delayMs, callback });
      return id;
    },
    clear: (handle) => void pending.delete(handle as number),
  };
  return {
    timers,
    now: () => now,
    /** The times the pending timers fire at. */
    scheduled: () => [...pending.values()].map((timer) => timer.at).sort((a, b) => a - b),
    /** Moves the clock to `to`, firing due timers in order. */
    async advanceTo(to: number) {
      for (;;) {
        const due = [...pending.entries()].filter(([, timer]) => timer.at <= to).sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].callback();
        await new Promise((resolve) => setImmediate(resolve));
      }
      now = to;
    },
  };
}

/** A token endpoint: records the refresh requests' form fields, answers each with the next answer (a 200 with an access token too). */
function tokenEndpoint(...answers: Array<{ status: number; body: object } | Error>) {
  const bodies: Array<Record<string, string>> = [];
  const fetch: FetchLike = async (url, init) => {
    if (url !== 'https://idp.example/token') throw new Error(`unexpected fetch of ${url}`);
    bodies.push(Object.fromEntries(new URLSearchParams(String(init?.body))));
    const answer = answers.shift();
    if (!answer) throw new Error('unexpected token request');
    if (answer instanceof Error) throw answer;
    const body = answer.status === 200 ? { access_token: 'opaque', token_type: 'Bearer', ...answer.body } : answer.body;
    return new Response(JSON.stringify(body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, bodies };
}

function setUp(fetch: FetchLike, startMs = T0) {
  const time = fakeTime(startMs);
  const storage = memoryStorage();
  const ended: string[] = [];
  const session = createOidcSession({ auth, storage, fetch, server, now: time.now, timers: time.timers, onEnded: (notice) => ended.push(notice) });
  return { time, storage, ended, session };
}

describe('an OIDC session', () => {
  const first = jwt({ sub: 'u1', email: 'ann@example.com', exp: (T0 + HOUR) / 1000 });
  const second = jwt({ sub: 'u1', email: 'ann@example.com', exp: (T0 + 2 * HOUR) / 1000 });

  it('keeps the tokens for this issuer and client, and shows the email', async () => {
    const { session, storage } = setUp(tokenEndpoint().fetch);

    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });

    expect(JSON.parse(storage.items.get(OIDC_SESSION_KEY) ?? '{}')).toMatchObject({ issuer: 'https://idp.example', clientId: 'client123', idToken: first });
    expect(session.claims()?.email).toBe('ann@example.com');
    expect(await session.token()).toBe(first);
  });

  it('ignores tokens stored for another client (the config changed)', () => {
    const { session, storage } = setUp(tokenEndpoint().fetch);
    storage.setItem(OIDC_SESSION_KEY, JSON.stringify({ issuer: 'https://idp.example', clientId: 'old-client', idToken: first }));

    expect(session.tokens()).toBeUndefined();
    expect(session.resume()).toBe(false);
  });

  it('refreshes five minutes before expiry, and again before the new token expires', async () => {
    const endpoint = tokenEndpoint(
      { status: 200, body: { id_token: second, expires_in: 3600 } },
      { status: 200, body: { id_token: jwt({ sub: 'u1', exp: (T0 + 3 * HOUR) / 1000 }) } },
    );
    const { session, time, ended } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });

    expect(time.scheduled()).toEqual([T0 + HOUR - 300_000]);
    await time.advanceTo(T0 + HOUR - 300_001);
    expect(endpoint.bodies).toHaveLength(0);

    await time.advanceTo(T0 + HOUR - 300_000);
    expect(endpoint.bodies).toEqual([{ grant_type: 'refresh_token', client_id: 'client123', refresh_token: 'r1' }]);
    expect(await session.token()).toBe(second);
    // Cognito does not rotate the refresh token: the old one is kept for the next refresh.
    expect(session.tokens()?.refreshToken).toBe('r1');
    expect(time.scheduled()).toEqual([T0 + 2 * HOUR - 300_000]);

    await time.advanceTo(T0 + 2 * HOUR - 300_000);
    expect(endpoint.bodies).toHaveLength(2);
    expect(ended).toEqual([]);
  });

  it('refreshes on demand a token about to expire (a timer that slept), once for concurrent callers', async () => {
    const endpoint = tokenEndpoint({ status: 200, body: { id_token: second } });
    const { session, storage } = setUp(endpoint.fetch, T0 + HOUR - 10_000);
    storage.setItem(OIDC_SESSION_KEY, JSON.stringify({ issuer: auth.issuer, clientId: auth.clientId, idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR }));

    const [a, b] = await Promise.all([session.token(), session.token()]);

    expect([a, b]).toEqual([second, second]);
    expect(endpoint.bodies).toHaveLength(1);
  });

  it('ends the session with a notice when the provider refuses the refresh', async () => {
    const endpoint = tokenEndpoint({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh Token has been revoked' } });
    const { session, time, ended, storage } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });

    await time.advanceTo(T0 + HOUR - 300_000);

    expect(ended).toEqual(['Your sign-in could not be renewed (The sign-in provider refused the token request: Refresh Token has been revoked). Sign in again.']);
    expect(storage.items.has(OIDC_SESSION_KEY)).toBe(false);
    expect(await session.token()).toBeNull();
  });

  it('retries a refresh that failed for the network while the token still works', async () => {
    const endpoint = tokenEndpoint(new TypeError('Failed to fetch'), { status: 200, body: { id_token: second } });
    const { session, time, ended } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });

    await time.advanceTo(T0 + HOUR - 300_000);
    expect(endpoint.bodies).toHaveLength(1);
    expect(ended).toEqual([]);
    expect(await session.token()).toBe(first);
    expect(time.scheduled()).toEqual([T0 + HOUR - 270_000]);

    await time.advanceTo(T0 + HOUR - 270_000);
    expect(await session.token()).toBe(second);
    expect(ended).toEqual([]);
  });

  it('retries a refresh the provider could not answer (a 5xx) while the token still works', async () => {
    const endpoint = tokenEndpoint({ status: 503, body: { message: 'Service Unavailable' } }, { status: 200, body: { id_token: second } });
    const { session, time, ended } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });

    await time.advanceTo(T0 + HOUR - 300_000);
    expect(endpoint.bodies).toHaveLength(1);
    expect(await session.token()).toBe(first);
    expect(time.scheduled()).toEqual([T0 + HOUR - 270_000]);

    await time.advanceTo(T0 + HOUR - 270_000);
    expect(await session.token()).toBe(second);
    expect(ended).toEqual([]);
  });

  it('ends the session when the refreshed ID token is not for this client', async () => {
    const endpoint = tokenEndpoint({ status: 200, body: { id_token: jwt({ sub: 'u1', aud: 'other-client', exp: (T0 + 2 * HOUR) / 1000 }) } });
    const { session, time, ended, storage } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });

    await time.advanceTo(T0 + HOUR - 300_000);

    expect(ended).toEqual([expect.stringMatching(/^Your sign-in could not be renewed \(The sign-in provider’s ID token was refused: unexpected JWT "aud"/)]);
    expect(storage.items.has(OIDC_SESSION_KEY)).toBe(false);
  });

  it('ends an expired session that has no refresh token', async () => {
    const { session, storage, ended } = setUp(tokenEndpoint().fetch, T0 + 2 * HOUR);
    storage.setItem(OIDC_SESSION_KEY, JSON.stringify({ issuer: auth.issuer, clientId: auth.clientId, idToken: first, expiresAt: T0 + HOUR }));

    expect(await session.token()).toBeNull();
    expect(ended).toEqual([SESSION_ENDED_NOTICE]);
  });

  it('resumes at load: a valid token or a refresh token is a session, an expired token alone is not', () => {
    const { session, storage, time } = setUp(tokenEndpoint().fetch, T0 + 2 * HOUR);
    const store = (value: object) => storage.setItem(OIDC_SESSION_KEY, JSON.stringify({ issuer: auth.issuer, clientId: auth.clientId, ...value }));

    store({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });
    expect(session.resume()).toBe(true);
    expect(time.scheduled()).toEqual([T0 + 2 * HOUR]); // due now

    store({ idToken: first, expiresAt: T0 + HOUR });
    expect(session.resume()).toBe(false);
    expect(storage.items.has(OIDC_SESSION_KEY)).toBe(false);
  });

  it('forgets everything on sign-out and refreshes nothing after', async () => {
    const endpoint = tokenEndpoint();
    const { session, time, storage } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: T0 + HOUR });

    session.signOut();

    expect(storage.items.has(OIDC_SESSION_KEY)).toBe(false);
    expect(time.scheduled()).toEqual([]);
    await time.advanceTo(T0 + 2 * HOUR);
    expect(endpoint.bodies).toHaveLength(0);
  });
});
