import { randomBytes, timingSafeEqual, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { isKeySafeUserId } from '@imgpipe/ingest';

/** The `iss` of every token the local runtime issues, and the only one it accepts. */
export const LOCAL_ISSUER = 'imgpipe-local';
/** How long a local sign-in lasts. */
export const TOKEN_LIFETIME_SECONDS = 12 * 3600;
/** How far the clocks of the issuer and the verifier may disagree (`exp`, `iat`), in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** The one algorithm a local token may be signed with. */
const TOKEN_ALGORITHM = 'HS256';
/** The development user `npm start` signs in. */
export const DEFAULT_DEV_USER = 'dev';

/** The claims a verified token carries (what API Gateway's JWT authorizer passes on). */
export interface VerifiedClaims extends JWTPayload {
  readonly sub: string;
}

/** A token that is missing, malformed, forged, expired or from another issuer. */
export class InvalidTokenError extends ImgpipeError<'UNAUTHENTICATED'> {
  override readonly name = 'InvalidTokenError';

  constructor(message: string, options?: { cause?: unknown }) {
    super({ code: 'UNAUTHENTICATED', message, cause: options?.cause });
  }
}

/** A user name `/auth/dev-login` refuses. */
export class InvalidUserError extends ImgpipeError<'INVALID_REQUEST'> {
  override readonly name = 'InvalidUserError';

  constructor(message: string, options?: { cause?: unknown }) {
    super({ code: 'INVALID_REQUEST', message, cause: options?.cause });
  }
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
  /**
   * The secret as a Web Crypto HMAC key, imported once: given the raw bytes, jose imports them
   * again on every sign and verify (~5 ms on the runtime's one event loop per API call, issue 13).
   */
  private readonly key: Promise<webcrypto.CryptoKey>;

  constructor(
    secret: Uint8Array,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    // A secret the platform refuses surfaces on the first sign or verify, not as an unhandled rejection.
    this.key.catch(() => undefined);
  }

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
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
      .setIssuer(LOCAL_ISSUER)
      .setSubject(user)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
      .sign(await this.key);
  }

  /**
   * The claims of a valid token: signed HS256 with this secret, from {@link LOCAL_ISSUER},
   * carrying `sub`, `iat` and `exp`, not expired and not issued in the future or longer ago
   * than {@link TOKEN_LIFETIME_SECONDS} (each within {@link CLOCK_TOLERANCE_SECONDS}). A
   * token without `exp` never lasts forever: it is refused.
   * @throws InvalidTokenError with a reason a person can read.
   */
  async verify(token: string | undefined): Promise<VerifiedClaims> {
    if (!token) throw new InvalidTokenError('sign in first: the request carries no bearer token');
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        issuer: LOCAL_ISSUER,
        algorithms: [TOKEN_ALGORITHM],
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: TOKEN_LIFETIME_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
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

/** A request to an operator route (`/admin/*`) without the runtime's admin token. */
export class NotOperatorError extends ImgpipeError<'NOT_OPERATOR'> {
  override readonly name = 'NotOperatorError';

  constructor(message: string, options?: { cause?: unknown }) {
    super({ code: 'NOT_OPERATOR', message, cause: options?.cause });
  }
}

/** The admin token file is missing or unreadable: no runtime has started on that data directory. */
export class AdminTokenUnavailableError extends ImgpipeError<'ADMIN_TOKEN_UNAVAILABLE'> {
  override readonly name = 'AdminTokenUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super({ code: 'ADMIN_TOKEN_UNAVAILABLE', message, cause: options?.cause });
  }
}

/** An admin token: 32 random bytes, base64url; never a JWT, so no user's token can equal one. */
const ADMIN_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Makes a fresh operator credential and writes it to `path` (the data directory's
 * `admin-token`), readable by its owner only: whoever can read the data directory may run
 * operator actions (`POST /admin/replay`), a signed-in user cannot. A new one on every start,
 * written to a temporary file first so a reader never sees half of it.
 */
export async function createAdminToken(path: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return token;
}

/**
 * The admin token a runtime wrote to `path`.
 * @throws AdminTokenUnavailableError when there is none (no runtime started on that directory).
 */
export async function readAdminToken(path: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new AdminTokenUnavailableError(`no admin token at ${path}: start the runtime on that data directory first`, { cause: error });
  }
  if (!ADMIN_TOKEN.test(text)) throw new AdminTokenUnavailableError(`${path} does not hold an admin token`);
  return text;
}

/** Whether `presented` is the admin token `expected` (compared in constant time). */
export function isAdminToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || !ADMIN_TOKEN.test(expected)) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
