/**
 * An OpenID Connect sign-in kept alive: the tokens in `localStorage` (so a reload or a new
 * tab stays signed in), the ID token renewed with the refresh token before it expires, and
 * the person signed out with a notice when that can no longer be done.
 *
 * Timers and the clock are passed in; a timer that fires late (a sleeping laptop, a
 * background tab) does no harm, because {@link OidcSession.token} refreshes on demand too.
 */
import type { FetchLike } from './api';
import { createSession, decodeTokenClaims, type TokenClaims, type TokenStorage } from './auth';
import type { OidcAuthConfig } from './config';
import { isRecord, num, parseJson, str } from './json';
import { OidcError, refreshDelayMs, refreshTokens, type AuthorizationServer, type TokenSet } from './oidc';

/** The `localStorage` key of the signed-in tokens. */
export const OIDC_SESSION_KEY = 'imgpipe.oidc.session';

/** An ID token this close to expiry is refreshed before it is sent. */
export const EXPIRY_SKEW_MS = 30_000;

/** After a refresh that failed for a passing reason (the network), the next try is this much later at most. */
export const RETRY_DELAY_MS = 30_000;

export interface Timers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export interface OidcSessionDeps {
  readonly auth: OidcAuthConfig;
  /** `localStorage`; `undefined` (or throwing) keeps the tokens in memory. */
  readonly storage: TokenStorage | undefined;
  readonly fetch: FetchLike;
  /** The provider (resolved once by the caller, from the config or discovery). */
  readonly server: () => Promise<AuthorizationServer>;
  readonly now: () => number;
  readonly timers?: Timers;
  /** The session ended by itself (refresh refused, expired): the person must sign in again. */
  readonly onEnded: (notice: string) => void;
}

export interface OidcSession {
  /** The stored tokens of this issuer and client, if any. */
  tokens(): TokenSet | undefined;
  /** The ID token's claims (for the header's name). */
  claims(): TokenClaims | undefined;
  /** Stores a sign-in's tokens and schedules their refresh. */
  adopt(tokens: TokenSet): void;
  /**
   * Picks up stored tokens at page load: schedules their refresh and says whether there is
   * a session to use (a valid ID token, or an expired one with a refresh token).
   */
  resume(): boolean;
  /** The ID token to send, refreshed first when it is about to expire; `null` when signed out. Never rejects. */
  token(): Promise<string | null>;
  /** Forgets the tokens (no notice). */
  signOut(): void;
}

interface StoredSession extends TokenSet {
  readonly issuer: string;
  readonly clientId: string;
}

function decodeStored(text: string | null): StoredSession | undefined {
  const value = parseJson(text ?? '');
  if (!isRecord(value)) return undefined;
  const issuer = str(value['issuer']);
  const clientId = str(value['clientId']);
  const idToken = str(value['idToken']);
  if (!issuer || !clientId || !idToken) return undefined;
  const refreshToken = str(value['refreshToken']);
  const expiresAt = num(value['expiresAt']);
  return {
    issuer,
    clientId,
    idToken,
    ...(refreshToken ? { refreshToken } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

const defaultTimers: Timers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The notice after a refresh the provider refused, or a token that ran out. */
export const SESSION_ENDED_NOTICE = 'Your sign-in has ended (it expired or was revoked). Sign in again.';

export function createOidcSession(deps: OidcSessionDeps): OidcSession {
  const store = createSession(deps.storage, OIDC_SESSION_KEY);
  const timers = deps.timers ?? defaultTimers;
  let timer: unknown;
  let refreshing: Promise<string | null> | undefined;

  function tokens(): TokenSet | undefined {
    const stored = decodeStored(store.token());
    // Tokens of another client or issuer (the deployment's config changed) are not this one's.
    if (!stored || stored.issuer !== deps.auth.issuer || stored.clientId !== deps.auth.clientId) return undefined;
    const { issuer: _issuer, clientId: _clientId, ...set } = stored;
    return set;
  }

  function cancelTimer(): void {
    if (timer !== undefined) timers.clear(timer);
    timer = undefined;
  }

  function schedule(set: TokenSet): void {
    cancelTimer();
    if (set.expiresAt === undefined || !set.refreshToken) return;
    timer = timers.set(() => {
      timer = undefined;
      void refresh();
    }, refreshDelayMs(set.expiresAt, deps.now()));
  }

  function adopt(set: TokenSet): void {
    store.signIn(JSON.stringify({ issuer: deps.auth.issuer, clientId: deps.auth.clientId, ...set } satisfies StoredSession));
    schedule(set);
  }

  function end(notice: string): void {
    cancelTimer();
    store.signOut();
    deps.onEnded(notice);
  }

  /** Renews the tokens (one request at a time); resolves to the new ID token, or `null` when the session ended. */
  function refresh(): Promise<string | null> {
    refreshing ??= (async () => {
      const current = tokens();
      if (!current?.refreshToken) {
        if (current) end(SESSION_ENDED_NOTICE);
        return null;
      }
      try {
        const next = await refreshTokens(await deps.server(), { refreshToken: current.refreshToken, clientId: deps.auth.clientId }, deps.fetch);
        adopt(next);
        return next.idToken;
      } catch (error) {
        const remaining = current.expiresAt === undefined ? Infinity : current.expiresAt - deps.now();
        if (error instanceof OidcError && error.retryable && remaining > 0) {
          // A passing failure while the token still works: try again before it runs out.
          cancelTimer();
          timer = timers.set(() => {
            timer = undefined;
            void refresh();
          }, Math.min(RETRY_DELAY_MS, Math.max(1000, remaining / 2)));
          return current.idToken;
        }
        const why = error instanceof Error ? ` (${error.message.replace(/\.$/, '')})` : '';
        end(`Your sign-in could not be renewed${why}. Sign in again.`);
        return null;
      }
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  return {
    tokens,
    claims: () => {
      const current = tokens();
      return current ? decodeTokenClaims(current.idToken) : undefined;
    },
    adopt,
    resume() {
      const current = tokens();
      if (!current) return false;
      const expired = current.expiresAt !== undefined && current.expiresAt <= deps.now();
      if (expired && !current.refreshToken) {
        cancelTimer();
        store.signOut();
        return false;
      }
      schedule(current);
      return true;
    },
    async token() {
      const current = tokens();
      if (!current) return null;
      if (current.expiresAt === undefined || current.expiresAt - deps.now() > EXPIRY_SKEW_MS) return current.idToken;
      if (!current.refreshToken) {
        end(SESSION_ENDED_NOTICE);
        return null;
      }
      return refresh();
    },
    signOut() {
      cancelTimer();
      store.signOut();
    },
  };
}
