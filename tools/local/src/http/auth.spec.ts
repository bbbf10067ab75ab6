import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { bearerToken, InvalidTokenError, InvalidUserError, LocalAuth, loadOrCreateSecret, LOCAL_ISSUER } from './auth';

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

  it('refuses an expired token, another secret’s, another issuer’s, and none', async () => {
    const secret = new Uint8Array(32).fill(7);
    let now = new Date('2025-06-01T12:00:00Z');
    const auth = new LocalAuth(secret, () => now);
    const token = await auth.issue('alice');

    now = new Date('2025-06-02T00:00:01Z');
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
