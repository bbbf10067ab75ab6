import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { isKeySafeUserId } from '@imgpipe/ingest';

/** The `iss` of every token the local runtime issues, and the only one it accepts. */
export const LOCAL_ISSUER = 'imgpipe-local';
/** How long a local sign-in lasts. */
export const TOKEN_LIFETIME_SECONDS = 12 * 3600;
/** The development user `npm start` signs in. */
export const DEFAULT_DEV_USER = 'dev';

/** The claims a verified token carries (what API Gateway's JWT authorizer passes on). */
export interface VerifiedClaims extends JWTPayload {
  readonly sub: string;
}

/** A token that is missing, malformed, forged, expired or from another issuer. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  readonly code = 'UNAUTHENTICATED';
}

/** A user name `/auth/dev-login` refuses. */
export class InvalidUserError extends Error {
  override readonly name = 'InvalidUserError';
  readonly code = 'INVALID_REQUEST';
}

/**
 * Reads the HS256 signing secret from `path`, or makes one (32 random bytes) and writes it
 * there, readable by its owner only. Kept across restarts, so tokens stay valid.
 */
export async function loadOrCreateSecret(path: string): Promise<Uint8Array> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    const secret = Buffer.from(text, 'base64url');
    if (secret.byteLength >= 32) return new Uint8Array(secret);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${secret.toString('base64url')}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return new Uint8Array(secret);
}

/**
 * Local sign-in: issues and verifies the JWTs the local runtime stands behind, in place of
 * Cognito and API Gateway's JWT authorizer (HS256, issuer {@link LOCAL_ISSUER}, 12 hours).
 */
export class LocalAuth {
  constructor(
    private readonly secret: Uint8Array,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A token for `user` (its `sub`).
   * @throws InvalidUserError for a name that cannot be a user id (see `isKeySafeUserId`).
   */
  async issue(user: string): Promise<string> {
    if (typeof user !== 'string' || !isKeySafeUserId(user) || user.length > 64) {
      throw new InvalidUserError('user must be 1-64 characters of letters, digits and _ - . @ | : + =, not starting with "."');
    }
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(LOCAL_ISSUER)
      .setSubject(user)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
      .sign(this.secret);
  }

  /**
   * The claims of a valid token.
   * @throws InvalidTokenError with a reason a person can read.
   */
  async verify(token: string | undefined): Promise<VerifiedClaims> {
    if (!token) throw new InvalidTokenError('sign in first: the request carries no bearer token');
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        issuer: LOCAL_ISSUER,
        algorithms: ['HS256'],
        currentDate: this.now(),
      });
      if (typeof payload.sub !== 'string' || !isKeySafeUserId(payload.sub)) {
        throw new InvalidTokenError('the token names no valid user');
      }
      return payload as VerifiedClaims;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      const expired = (error as { code?: unknown }).code === 'ERR_JWT_EXPIRED';
      throw new InvalidTokenError(expired ? 'the token has expired: sign in again' : 'the token is not valid here', {
        cause: error,
      });
    }
  }
}

/** The bearer token of an `Authorization` header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
