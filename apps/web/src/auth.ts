/**
 * Sign-in state of the `dev` sign-in (the OpenID Connect one is oidc.ts and
 * oidc-session.ts): the bearer token the local runtime issues. It arrives in the sign-in URL's
 * fragment (`/#token=<JWT>`, never sent to a server or written to its logs), is kept in
 * `localStorage` and sent as `Authorization: Bearer` on every API call. The claims are
 * decoded for display only; the server verifies the token.
 */

/** The `localStorage` key of the token. */
export const TOKEN_STORAGE_KEY = 'imgpipe.token';

/** The claims the UI reads. */
export interface TokenClaims {
  /** The user id: whose images these are. */
  readonly sub?: string;
  /** Expiry, epoch seconds. */
  readonly exp?: number;
  /** The person's email (an OpenID Connect ID token's `email` claim), shown instead of `sub`. */
  readonly email?: string;
  /** The ID token's `nonce`: the one the sign-in request sent. */
  readonly nonce?: string;
}

/**
 * The token in a location fragment such as `#token=<JWT>`; `undefined` when there is none.
 *
 * @example tokenFromFragment('#token=eyJ.eyJ.sig'); // 'eyJ.eyJ.sig'
 */
export function tokenFromFragment(hash: string): string | undefined {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!/(^|&)token=/.test(text)) return undefined;
  const token = new URLSearchParams(text).get('token')?.trim();
  return token ? token : undefined;
}

function base64UrlDecode(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * The payload of a JWT, unverified (display only); `undefined` when `token` is not a JWT.
 */
export function decodeTokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const { sub, exp, email, nonce } = payload as Record<string, unknown>;
  return {
    ...(typeof sub === 'string' ? { sub } : {}),
    ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {}),
    ...(typeof email === 'string' && email !== '' ? { email } : {}),
    ...(typeof nonce === 'string' ? { nonce } : {}),
  };
}

/** The name the header shows for a signed-in person: the email when the token has one, else `sub`. */
export function displayUser(claims: TokenClaims | undefined): string {
  return claims?.email ?? claims?.sub ?? 'unknown user';
}

/** Whether the token has expired at `nowMs` (a token without `exp` never does, here). */
export function isExpired(claims: TokenClaims, nowMs: number): boolean {
  return claims.exp !== undefined && claims.exp * 1000 <= nowMs;
}

/** The part of `Storage` the session uses. */
export type TokenStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The stored token: read, replaced on sign-in, removed on sign-out. */
export interface Session {
  token(): string | null;
  signIn(token: string): void;
  signOut(): void;
}

/**
 * A session over `storage` under `key` (the dev token's by default); storage that throws
 * (private modes) degrades to memory.
 */
export function createSession(storage: TokenStorage | undefined, key: string = TOKEN_STORAGE_KEY): Session {
  let memory: string | null = null;
  const attempt = <T>(action: () => T, fallback: T): T => {
    try {
      return storage ? action() : fallback;
    } catch {
      return fallback;
    }
  };
  return {
    token: () => attempt(() => storage?.getItem(key) ?? null, memory) ?? memory,
    signIn(token) {
      memory = token;
      attempt(() => storage?.setItem(key, token), undefined);
    },
    signOut() {
      memory = null;
      attempt(() => storage?.removeItem(key), undefined);
    },
  };
}
