import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { decodeJwt, SignJWT } from 'jose';
import { dataLayout } from '@imgpipe/local';
import { RuntimeClient } from '@imgpipe/local/testing';
import { rawRequest } from './peers';
import { scratchDir, startRuntime, type RuntimeProcess } from './runtime-process';

/*
 * Issue 9, "Tokens and admin": the runtime's HTTP origin must refuse a token that never
 * expires, a sign-in reached through a foreign host name (DNS rebinding), a plain user's
 * replay of everyone's events, and answer malformed /cdn keys without failing.
 */

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let runtime: RuntimeProcess;
let alice: RuntimeClient;

beforeAll(async () => {
  scratch = await scratchDir('surface');
  runtime = await startRuntime({ dataDir: scratch.dataDir, concurrency: 1 });
  alice = await RuntimeClient.signIn(runtime.url, 'alice');
});

afterAll(async () => {
  await runtime?.stop();
  await scratch?.remove();
});

describe('tokens', () => {
  it('refuses a token signed with the runtime’s own key that carries no exp', async () => {
    // alice's real token, claim for claim, minus `exp`: only the missing expiry can make it fail.
    const { exp: _exp, ...claims } = decodeJwt(alice.token);
    const secret = new Uint8Array(Buffer.from((await readFile(dataLayout(scratch.dataDir).secret, 'utf8')).trim(), 'base64url'));
    const forever = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
    const ownToken = await fetch(`${runtime.url}/api/images`, { headers: { authorization: `Bearer ${alice.token}` } });

    const response = await fetch(`${runtime.url}/api/images`, { headers: { authorization: `Bearer ${forever}` } });

    expect(ownToken.status).toBe(200);
    expect(response.status).toBe(401);
  });
});

describe('development sign-in', () => {
  it('refuses a sign-in whose Host is not a loopback name (DNS rebinding)', async () => {
    const port = new URL(runtime.url).port;
    const own = await rawRequest(`${runtime.url}/auth/dev-login`, {
      method: 'POST',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice' }),
    });
    expect(own.status).toBe(200);
    for (const host of [`attacker.example:${port}`, 'attacker.example', `192.168.1.20:${port}`]) {
      const response = await rawRequest(`${runtime.url}/auth/dev-login`, {
        method: 'POST',
        headers: { host, 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'alice' }),
      });
      expect({ host, status: response.status, token: response.body.includes('"token"') }).toEqual({ host, status: 403, token: false });
    }
  });
});

describe('development sign-in from another user of this machine', () => {
  // Root can be any other user for one process (setpriv); elsewhere the case cannot be staged.
  const canSwitchUser = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') && existsSync('/proc/net/tcp');

  (canSwitchUser ? it : it.skip)('refuses a sign-in as alice by another OS user (nobody) on 127.0.0.1 (403, no token)', async () => {
    const script = `fetch(${JSON.stringify(`${runtime.url}/auth/dev-login`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice"}' })
      .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))`;
    const { stdout } = await promisify(execFile)('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { cwd: '/' });
    const answer = JSON.parse(stdout) as { status: number; body: string };
    const own = await RuntimeClient.signIn(runtime.url, 'alice');

    expect(own.token).toEqual(expect.any(String));
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain('"token"');
  });
});

describe('replay is an operator action', () => {
  it('refuses POST /admin/replay from a plain signed-in user (403), even from this machine', async () => {
    const response = await fetch(`${runtime.url}/admin/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '-1d' }),
    });

    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('replayed');
  });
});

describe('/cdn with malformed keys', () => {
  it.each([
    ['a NUL byte', 'compressed/%00'],
    ['a NUL byte inside a derivative key', 'thumbnails/alice/%00/small.jpg'],
    ['a very long key', `thumbnails/${'x'.repeat(5000)}`],
  ])('answers %s with 400 or 404, never 500', async (_what, path) => {
    const response = await fetch(`${runtime.url}/cdn/${path}`);

    expect([400, 404]).toContain(response.status);
  });
});
