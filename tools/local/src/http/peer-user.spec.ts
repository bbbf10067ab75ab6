import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { InMemoryObjectStore } from '@imgpipe/platform/testing';
import { LocalAuth } from './auth';
import { EventStreamHub } from './event-stream';
import { createRequestListener } from './http-server';
import { isSameOsUser, loopbackPeerUid } from './peer-user';

/*
 * Another user of this machine reaches 127.0.0.1 like the developer does. The development
 * sign-in takes any name without a password, so it must answer the developer's OS user only:
 * else `curl -d '{"user":"alice"}' 127.0.0.1:3000/auth/dev-login` by anyone with a shell here
 * is alice's token (her images listed, viewed and deleted).
 */

const run = promisify(execFile);
/** A uid nobody runs this suite as (`nobody`). */
const OTHER_UID = 65534;
const canSwitchUser = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') && existsSync('/proc/net/tcp');
const asOtherUser = canSwitchUser ? it : it.skip;

let server: Server;
let port: number;
const hub = new EventStreamHub();
beforeAll(async () => {
  server = createServer(
    createRequestListener({
      auth: new LocalAuth(new Uint8Array(32).fill(7)),
      api: () => Promise.resolve({ statusCode: 200, body: '{}' }),
      hub,
      stats: () => ({ processed: 0, failed: 0, failedByCode: {}, processing: 0, p50Ms: null, p95Ms: null, bytesSaved: 0, originalBytes: 0, dlqDepth: 0 }),
      processed: { store: new InMemoryObjectStore(), bucket: 'processed' },
      web: () => undefined,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  hub.close();
  await new Promise((resolve) => server.close(resolve));
});

/** `POST /auth/dev-login` as alice, from a node process running as `uid`. */
async function devLoginAs(uid: number): Promise<{ status: number; body: string }> {
  const script = `fetch('http://127.0.0.1:${port}/auth/dev-login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice"}' })
    .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))`;
  const { stdout } = await run('/usr/bin/setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, '-e', script], { cwd: '/' });
  return JSON.parse(stdout) as { status: number; body: string };
}

describe('the development sign-in answers the developer’s OS user only', () => {
  asOtherUser('refuses another OS user of this machine (403 OTHER_OS_USER, no token)', async () => {
    const answer = await devLoginAs(OTHER_UID);

    expect(answer.status).toBe(403);
    expect(answer.body).toContain('OTHER_OS_USER');
    expect(answer.body).not.toContain('token');
  });

  it('signs in the OS user running the runtime', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user":"alice"}',
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ token: expect.any(String) });
  });
});

describe('loopbackPeerUid', () => {
  it('names the uid owning the client end of a loopback connection', async () => {
    if (!existsSync('/proc/net/tcp')) return;
    const uid = new Promise<number | null | undefined>((resolve) => {
      const listener = createServer().listen(0, '127.0.0.1');
      listener.on('connection', (socket) => {
        void loopbackPeerUid(socket).then((found) => {
          resolve(found);
          socket.destroy();
          listener.close();
        });
      });
      listener.on('listening', () => connect((listener.address() as AddressInfo).port, '127.0.0.1').on('error', () => undefined));
    });

    expect(await uid).toBe(process.getuid?.());
  });

  it('is null where the socket tables cannot be read, and such a caller is taken as the developer', async () => {
    expect(await loopbackPeerUid({ localPort: 1, remotePort: 2 }, ['/nonexistent/tcp'])).toBeNull();
  });

  it('fails closed on Linux when no live socket matches (the caller is not there to be named)', async () => {
    if (!existsSync('/proc/net/tcp')) return;
    expect(await loopbackPeerUid({ localPort: 1, remotePort: 1 })).toBeUndefined();
    expect(await isSameOsUser({ localPort: 1, remotePort: 1 })).toBe(false);
  });
});
