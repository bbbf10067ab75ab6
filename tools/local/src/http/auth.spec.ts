import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import {
  AdminTokenUnavailableError,
  bearerToken,
  CLOCK_TOLERANCE_SECONDS,
  createAdminToken,
  InvalidTokenError,
  InvalidUserError,
  isAdminToken,
  LocalAuth,
  loadOrCreateSecret,
  LOCAL_ISSUER,
  readAdminToken,
} from './auth';

describe('local sign-in', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-auth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes the signing secret once, readable by its owner only, and reads the same one back', async () => {
    const path = join(dir, 'secret');
    const first = await loadOrCreateSecret(path);
    const again = await loadOrCreateSecret(path);

    expect(first.byteLength).toBe(32);
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(Buffer.from(first).toString('base64url'));
  });

  it('issues HS256 tokens for the user, from imgpipe-local, valid for 12 hours', async () => {
    const now = new Date('2025-06-01T12:00:00Z');
    const auth = new LocalAuth(new Uint8Array(32).fill(7), () => now);
    const token = await auth.issue('alice');

    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(await auth.verify(token)).toEqual({
      iss: LOCAL_ISSUER,
      sub: 'alice',
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 12 * 3600,
    });
  });

  it('imports its secret once, not on every sign and verify (issue 13: the key import held every API call)', async () => {
    const auth = new LocalAuth(new Uint8Array(32).fill(7), () => new Date('2025-06-01T12:00:00Z'));
    const importKey = jest.spyOn(globalThis.crypto.subtle, 'importKey');

    const token = await auth.issue('alice');
    for (let call = 0; call < 3; call += 1) expect((await auth.verify(token)).sub).toBe('alice');

    expect(importKey).not.toHaveBeenCalled();
    importKey.mockRestore();
  });

  it('refuses an expired token, another secret’s, another issuer’s, and none', async () => {
    const secret = new Uint8Array(32).fill(7);
    let now = new Date('2025-06-01T12:00:00Z');
    const auth = new LocalAuth(secret, () => now);
    const token = await auth.issue('alice');

    // 12 hours later, past the clock tolerance.
    now = new Date(Date.parse('2025-06-02T00:00:00Z') + (CLOCK_TOLERANCE_SECONDS + 1) * 1000);
    await expect(auth.verify(token)).rejects.toThrow(/expired/);
    now = new Date('2025-06-01T12:00:00Z');
    await expect(new LocalAuth(new Uint8Array(32).fill(8), () => now).verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else').setSubject('alice').sign(secret);
    await expect(auth.verify(foreign)).rejects.toBeInstanceOf(InvalidTokenError);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"iss":"${LOCAL_ISSUER}","sub":"alice"}`).toString('base64url')}.`;
    await expect(auth.verify(unsigned)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(auth.verify(undefined)).rejects.toThrow(/sign in/);
  });

  it('refuses user names that cannot name a user’s objects', async () => {
    const auth = new LocalAuth(new Uint8Array(32));
    for (const user of ['', '../x', 'a/b', '.hidden', 'x'.repeat(65), 'tab\there']) {
      await expect(auth.issue(user)).rejects.toBeInstanceOf(InvalidUserError);
    }
    await expect(auth.issue('dev@example.com')).resolves.toEqual(expect.any(String));
  });

  it('reads the bearer token of an Authorization header', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('local tokens', () => {
  const secret = new Uint8Array(32).fill(7);
  const now = new Date('2025-06-01T12:00:00Z');
  const nowSeconds = now.getTime() / 1000;
  const auth = new LocalAuth(secret, () => now);
  /** A token signed with the right key, its claims as given (nothing added). */
  const handMade = (claims: Record<string, unknown>, alg = 'HS256') => new SignJWT(claims).setProtectedHeader({ alg }).sign(secret);

  it('refuses a token signed with the right key but without exp, or without iat', async () => {
    const noExp = await handMade({ iss: LOCAL_ISSUER, sub: 'alice', iat: nowSeconds });
    const noIat = await handMade({ iss: LOCAL_ISSUER, sub: 'alice', exp: nowSeconds + 60 });
    const both = await handMade({ iss: LOCAL_ISSUER, sub: 'alice', iat: nowSeconds, exp: nowSeconds + 60 });

    await expect(auth.verify(noExp)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(auth.verify(noIat)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(auth.verify(both)).resolves.toMatchObject({ sub: 'alice' });
  });

  it('allows the clocks to disagree by the tolerance, and no more', async () => {
    const expiresAt = (secondsAgo: number) =>
      handMade({ iss: LOCAL_ISSUER, sub: 'alice', iat: nowSeconds - 3600, exp: nowSeconds - secondsAgo });
    const issuedIn = (secondsAhead: number) =>
      handMade({ iss: LOCAL_ISSUER, sub: 'alice', iat: nowSeconds + secondsAhead, exp: nowSeconds + 3600 });

    await expect(auth.verify(await expiresAt(CLOCK_TOLERANCE_SECONDS - 1))).resolves.toMatchObject({ sub: 'alice' });
    await expect(auth.verify(await expiresAt(CLOCK_TOLERANCE_SECONDS + 1))).rejects.toThrow(/expired/);
    await expect(auth.verify(await issuedIn(CLOCK_TOLERANCE_SECONDS - 1))).resolves.toMatchObject({ sub: 'alice' });
    await expect(auth.verify(await issuedIn(CLOCK_TOLERANCE_SECONDS + 1))).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses a token that claims to last longer than a sign-in, and one without sub', async () => {
    const old = await handMade({ iss: LOCAL_ISSUER, sub: 'alice', iat: nowSeconds - 13 * 3600, exp: nowSeconds + 3600 });
    const noSub = await handMade({ iss: LOCAL_ISSUER, iat: nowSeconds, exp: nowSeconds + 60 });

    await expect(auth.verify(old)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(auth.verify(noSub)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('accepts HS256 only, even with the right key', async () => {
    const claims = { iss: LOCAL_ISSUER, sub: 'alice', iat: nowSeconds, exp: nowSeconds + 60 };
    await expect(auth.verify(await handMade(claims, 'HS512'))).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(auth.verify(await handMade(claims, 'HS256'))).resolves.toMatchObject({ sub: 'alice' });
  });
});

describe('the admin token', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-admin-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is random, new on every start, readable by its owner only, and read back as written', async () => {
    const path = join(dir, 'admin-token');
    const first = await createAdminToken(path);
    const second = await createAdminToken(path);

    expect(second).not.toBe(first);
    expect(second).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readAdminToken(path)).toBe(second);
  });

  it('is unavailable, with a classified error, when no runtime wrote one', async () => {
    await expect(readAdminToken(join(dir, 'missing'))).rejects.toBeInstanceOf(AdminTokenUnavailableError);
  });

  it('is matched exactly: no user token, prefix or empty value passes for it', async () => {
    const token = await createAdminToken(join(dir, 'match'));
    const userToken = await new LocalAuth(new Uint8Array(32).fill(1)).issue('alice');

    expect(isAdminToken(token, token)).toBe(true);
    for (const presented of [userToken, token.slice(0, -1), `${token}x`, '', undefined]) expect(isAdminToken(presented, token)).toBe(false);
    expect(isAdminToken('', '')).toBe(false);
  });
});
