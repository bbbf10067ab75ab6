import type { FetchLike } from './api';
import type { TokenStorage } from './auth';
import type { OidcAuthConfig } from './config';
import { createOidcSession, OIDC_SESSION_KEY, SESSION_ENDED_NOTICE, type Timers } from './oidc-session';

const base64Url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const jwt = (payload: object) => `${base64Url('{"alg":"RS256"}')}.${base64Url(JSON.stringify(payload))}.signature`;

const HOUR = 3_600_000;
const auth: OidcAuthConfig = { kind: 'oidc', issuer: 'https://idp.example', clientId: 'client123', scopes: ['openid'] };
const endpoints = async () => ({ authorizationEndpoint: 'https://idp.example/authorize', tokenEndpoint: 'https://idp.example/token' });

function memoryStorage(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** A clock and timers moved by hand. */
function fakeTime(start = 0) {
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

/** A token endpoint: records the refresh requests, answers each with the next answer. */
function tokenEndpoint(...answers: Array<{ status: number; body: unknown } | Error>) {
  const bodies: string[] = [];
  const fetch: FetchLike = async (_url, init) => {
    bodies.push(String(init?.body));
    const answer = answers.shift();
    if (!answer) throw new Error('unexpected token request');
    if (answer instanceof Error) throw answer;
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  };
  return { fetch, bodies };
}

function setUp(fetch: FetchLike, startMs = 0) {
  const time = fakeTime(startMs);
  const storage = memoryStorage();
  const ended: string[] = [];
  const session = createOidcSession({ auth, storage, fetch, endpoints, now: time.now, timers: time.timers, onEnded: (notice) => ended.push(notice) });
  return { time, storage, ended, session };
}

describe('an OIDC session', () => {
  const first = jwt({ sub: 'u1', email: 'ann@example.com', exp: HOUR / 1000 });
  const second = jwt({ sub: 'u1', email: 'ann@example.com', exp: (2 * HOUR) / 1000 });

  it('keeps the tokens for this issuer and client, and shows the email', async () => {
    const { session, storage } = setUp(tokenEndpoint().fetch);

    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: HOUR });

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
      { status: 200, body: { id_token: jwt({ sub: 'u1', exp: (3 * HOUR) / 1000 }) } },
    );
    const { session, time, ended } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: HOUR });

    expect(time.scheduled()).toEqual([HOUR - 300_000]);
    await time.advanceTo(HOUR - 300_001);
    expect(endpoint.bodies).toHaveLength(0);

    await time.advanceTo(HOUR - 300_000);
    expect(endpoint.bodies).toEqual(['grant_type=refresh_token&client_id=client123&refresh_token=r1']);
    expect(await session.token()).toBe(second);
    // Cognito does not rotate the refresh token: the old one is kept for the next refresh.
    expect(session.tokens()?.refreshToken).toBe('r1');
    expect(time.scheduled()).toEqual([2 * HOUR - 300_000]);

    await time.advanceTo(2 * HOUR - 300_000);
    expect(endpoint.bodies).toHaveLength(2);
    expect(ended).toEqual([]);
  });

  it('refreshes on demand a token about to expire (a timer that slept), once for concurrent callers', async () => {
    const endpoint = tokenEndpoint({ status: 200, body: { id_token: second } });
    const { session, storage } = setUp(endpoint.fetch, HOUR - 10_000);
    storage.setItem(OIDC_SESSION_KEY, JSON.stringify({ issuer: auth.issuer, clientId: auth.clientId, idToken: first, refreshToken: 'r1', expiresAt: HOUR }));

    const [a, b] = await Promise.all([session.token(), session.token()]);

    expect([a, b]).toEqual([second, second]);
    expect(endpoint.bodies).toHaveLength(1);
  });

  it('ends the session with a notice when the provider refuses the refresh', async () => {
    const endpoint = tokenEndpoint({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh Token has been revoked' } });
    const { session, time, ended, storage } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: HOUR });

    await time.advanceTo(HOUR - 300_000);

    expect(ended).toEqual(['Your sign-in could not be renewed (The sign-in provider refused the token request: Refresh Token has been revoked). Sign in again.']);
    expect(storage.items.has(OIDC_SESSION_KEY)).toBe(false);
    expect(await session.token()).toBeNull();
  });

  it('retries a refresh that failed for the network while the token still works', async () => {
    const endpoint = tokenEndpoint(new TypeError('Failed to fetch'), { status: 200, body: { id_token: second } });
    const { session, time, ended } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: HOUR });

    await time.advanceTo(HOUR - 300_000);
    expect(endpoint.bodies).toHaveLength(1);
    expect(ended).toEqual([]);
    expect(await session.token()).toBe(first);
    expect(time.scheduled()).toEqual([HOUR - 270_000]);

    await time.advanceTo(HOUR - 270_000);
    expect(await session.token()).toBe(second);
    expect(ended).toEqual([]);
  });

  it('ends an expired session that has no refresh token', async () => {
    const { session, storage, ended } = setUp(tokenEndpoint().fetch, 2 * HOUR);
    storage.setItem(OIDC_SESSION_KEY, JSON.stringify({ issuer: auth.issuer, clientId: auth.clientId, idToken: first, expiresAt: HOUR }));

    expect(await session.token()).toBeNull();
    expect(ended).toEqual([SESSION_ENDED_NOTICE]);
  });

  it('resumes at load: a valid token or a refresh token is a session, an expired token alone is not', () => {
    const { session, storage, time } = setUp(tokenEndpoint().fetch, 2 * HOUR);
    const store = (value: object) => storage.setItem(OIDC_SESSION_KEY, JSON.stringify({ issuer: auth.issuer, clientId: auth.clientId, ...value }));

    store({ idToken: first, refreshToken: 'r1', expiresAt: HOUR });
    expect(session.resume()).toBe(true);
    expect(time.scheduled()).toEqual([2 * HOUR]); // due now

    store({ idToken: first, expiresAt: HOUR });
    expect(session.resume()).toBe(false);
    expect(storage.items.has(OIDC_SESSION_KEY)).toBe(false);
  });

  it('forgets everything on sign-out and refreshes nothing after', async () => {
    const endpoint = tokenEndpoint();
    const { session, time, storage } = setUp(endpoint.fetch);
    session.adopt({ idToken: first, refreshToken: 'r1', expiresAt: HOUR });

    session.signOut();

    expect(storage.items.has(OIDC_SESSION_KEY)).toBe(false);
    expect(time.scheduled()).toEqual([]);
    await time.advanceTo(2 * HOUR);
    expect(endpoint.bodies).toHaveLength(0);
  });
});
