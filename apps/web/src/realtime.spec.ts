import type { ImageChange } from './api';
import { decodeWebConfig } from './config';
import type { LiveState } from './live';
import { APPSYNC_EVENTS_SUBPROTOCOL, connectAppSyncEvents, connectLiveUpdates, tokenSubject, type WebSocketLike } from './realtime';

const SUB = '3f2b8c1e-6a4d-4e8f-9b7a-2c1d0e9f8a7b';
const CONFIG = { kind: 'appsync-events', httpDomain: 'abc.appsync-api.eu-west-1.amazonaws.com', realtimeDomain: 'abc.appsync-realtime-api.eu-west-1.amazonaws.com' } as const;

const b64url = (text: string) => Buffer.from(text).toString('base64url');
const tokenFor = (claims: Record<string, unknown>) => `${b64url('{"alg":"RS256"}')}.${b64url(JSON.stringify(claims))}.sig`;
const TOKEN = tokenFor({ sub: SUB, token_use: 'id' });

/** A WebSocket the test drives: it records what the client sends and plays the server's frames. */
class FakeSocket implements WebSocketLike {
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | undefined | 'not closed' = 'not closed';
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number): void {
    this.closedWith = code;
  }
  server(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  /** Plays the handshake up to an open subscription. */
  establish(): void {
    this.onopen?.({});
    this.server({ type: 'connection_ack', connectionTimeoutMs: 10_000 });
    const subscribe = this.sent.find((frame) => frame['type'] === 'subscribe');
    this.server({ type: 'subscribe_success', id: subscribe?.['id'] });
  }
}

function harness(getToken: () => string | null = () => TOKEN) {
  const sockets: FakeSocket[] = [];
  const states: LiveState[] = [];
  const changes: ImageChange[] = [];
  let reconnects = 0;
  const connection = connectAppSyncEvents(
    CONFIG,
    getToken,
    { onImage: (change) => changes.push(change), onState: (state) => states.push(state), onReconnected: () => (reconnects += 1) },
    {
      createSocket: (url, protocols) => {
        const socket = new FakeSocket(url, protocols);
        sockets.push(socket);
        return socket;
      },
      random: () => 0.5,
    },
  );
  return { connection, sockets, states, changes, reconnects: () => reconnects };
}

/** Lets the client's `await getToken()` settle. */
const settle = () => Promise.resolve().then(() => Promise.resolve());

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('connectAppSyncEvents: the protocol', () => {
  it('connects with the AppSync subprotocols, inits, then subscribes to its own channel with the ID token', async () => {
    const { sockets, connection } = harness();
    await settle();
    const [socket] = sockets;
    expect(socket?.url).toBe(`wss://${CONFIG.realtimeDomain}/event/realtime`);
    expect(socket?.protocols[0]).toBe(APPSYNC_EVENTS_SUBPROTOCOL);
    const header = JSON.parse(Buffer.from(socket?.protocols[1]?.replace(/^header-/, '') ?? '', 'base64url').toString()) as unknown;
    expect(header).toEqual({ host: CONFIG.httpDomain, Authorization: TOKEN });
    expect(socket?.protocols[1]).not.toMatch(/[+/=]/); // base64url, unpadded

    socket?.onopen?.({});
    expect(socket?.sent).toEqual([{ type: 'connection_init' }]);
    expect(connection.state).toBe('connecting');
    socket?.server({ type: 'connection_ack', connectionTimeoutMs: 10_000 });
    expect(socket?.sent[1]).toEqual({
      type: 'subscribe',
      id: expect.any(String),
      channel: `/images/${SUB}`,
      authorization: { host: CONFIG.httpDomain, Authorization: TOKEN },
    });
    socket?.server({ type: 'subscribe_success', id: socket.sent[1]?.['id'] });
    expect(connection.state).toBe('open');
  });

  it('hands on the ImageChange of a data frame of its subscription, and nothing else', async () => {
    const { sockets, changes } = harness();
    await settle();
    const socket = sockets[0] as FakeSocket;
    socket.establish();
    const id = socket.sent[1]?.['id'];
    socket.server({ type: 'data', id, event: JSON.stringify({ imageId: 'img-1', detailType: 'ImageProcessed', occurredAt: '2026-12-05T12:00:00Z' }) });
    socket.server({ type: 'data', id: 'someone-else', event: JSON.stringify({ imageId: 'img-2', detailType: 'ImageProcessed' }) });
    socket.server({ type: 'data', id, event: '{"no image id":1}' });
    socket.server({ type: 'data', id, event: 'not json' });
    socket.onmessage?.({ data: 'not a frame' });
    expect(changes).toEqual([{ imageId: 'img-1', detailType: 'ImageProcessed', occurredAt: '2026-12-05T12:00:00Z' }]);
  });

  it('refuses to open a channel when the token names no sub it can subscribe to: one list call, no socket', async () => {
    const { sockets, connection, reconnects } = harness(() => tokenFor({ sub: 'auth0|not-a-segment' }));
    await settle();
    expect(sockets).toHaveLength(0);
    expect(connection.state).toBe('polling');
    expect(reconnects()).toBe(1);
  });
});

describe('connectAppSyncEvents: reconnecting', () => {
  it('reconnects with a growing delay after a drop, and makes one catch-up call once subscribed again', async () => {
    const { sockets, states, reconnects } = harness();
    await settle();
    (sockets[0] as FakeSocket).establish();
    expect(reconnects()).toBe(0); // the first subscription is no reconnect

    sockets[0]?.onclose?.({});
    expect(states.at(-1)).toBe('connecting');
    jest.advanceTimersByTime(749); // 1 s x (0.5 + 0.5 / 2) = 750 ms
    await settle();
    expect(sockets).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await settle();
    expect(sockets).toHaveLength(2);

    // The second try fails too: the next delay is twice as long.
    sockets[1]?.onerror?.({});
    jest.advanceTimersByTime(1499); // 2 s x 0.75
    await settle();
    expect(sockets).toHaveLength(2);
    jest.advanceTimersByTime(1);
    await settle();
    expect(sockets).toHaveLength(3);

    (sockets[2] as FakeSocket).establish();
    expect(states.at(-1)).toBe('open');
    expect(reconnects()).toBe(1);
  });

  it('treats a link without keep-alives for connectionTimeoutMs as dead', async () => {
    const { sockets } = harness();
    await settle();
    const socket = sockets[0] as FakeSocket;
    socket.establish();
    jest.advanceTimersByTime(9_000);
    socket.server({ type: 'ka' });
    jest.advanceTimersByTime(9_000);
    expect(socket.closedWith).toBe('not closed'); // the ka reset the watch
    jest.advanceTimersByTime(1_001);
    expect(socket.closedWith).not.toBe('not closed');
    jest.advanceTimersByTime(750);
    await settle();
    expect(sockets).toHaveLength(2);
  });

  it('retries a refused subscription with a fresh token', async () => {
    const tokens = [tokenFor({ sub: SUB, n: 1 }), tokenFor({ sub: SUB, n: 2 })];
    let calls = 0;
    const { sockets } = harness(() => tokens[Math.min(calls++, 1)] ?? null);
    await settle();
    const first = sockets[0] as FakeSocket;
    first.onopen?.({});
    first.server({ type: 'connection_ack' });
    first.server({ type: 'subscribe_error', id: first.sent[1]?.['id'], errors: [{ errorType: 'UnauthorizedException' }] });
    jest.advanceTimersByTime(750);
    await settle();
    const second = sockets[1] as FakeSocket;
    second.onopen?.({});
    second.server({ type: 'connection_ack' });
    expect((second.sent[1]?.['authorization'] as { Authorization: string }).Authorization).toBe(tokens[1]);
  });

  it('stops for good on close: the socket is closed and no reconnect follows', async () => {
    const { sockets, connection } = harness();
    await settle();
    (sockets[0] as FakeSocket).establish();
    connection.close();
    expect(sockets[0]?.closedWith).toBe(1000);
    jest.advanceTimersByTime(60_000);
    await settle();
    expect(sockets).toHaveLength(1);
  });
});

describe('connectLiveUpdates', () => {
  it('takes the push service of a config without a stream; where the browser has no WebSocket, one list call and "polling"', async () => {
    expect(typeof (globalThis as { WebSocket?: unknown }).WebSocket).toBe('undefined'); // Node 20: none
    let catchUps = 0;
    const noop = () => undefined;
    const live = connectLiveUpdates({ eventsUrl: null, realtime: CONFIG }, () => TOKEN, { onImage: noop, onStats: noop, onState: noop, onReconnected: () => (catchUps += 1) });
    await settle();
    jest.advanceTimersByTime(120_000);
    await settle();
    expect(live.state).toBe('polling');
    expect(catchUps).toBe(1);
  });

  it('is polling only for a deployment with neither a stream nor a push service', () => {
    const noop = () => undefined;
    expect(connectLiveUpdates({ eventsUrl: null }, () => TOKEN, { onImage: noop, onStats: noop, onState: noop }).state).toBe('polling');
  });
});

describe('tokenSubject', () => {
  it('reads the sub of a JWT and nothing from garbage', () => {
    expect(tokenSubject(TOKEN)).toBe(SUB);
    expect(tokenSubject('garbage')).toBeUndefined();
    expect(tokenSubject('a.!!!.c')).toBeUndefined();
  });
});

describe('config.json realtime', () => {
  it('reads an AppSync Events descriptor, and leaves out one it cannot use', () => {
    const base = { apiBaseUrl: 'https://api.example', cdnBaseUrl: '', auth: { kind: 'dev', loginUrl: '/auth/dev-login' } };
    expect(decodeWebConfig({ ...base, realtime: CONFIG }).realtime).toEqual(CONFIG);
    expect(decodeWebConfig({ ...base, realtime: { kind: 'websocket', url: 'wss://x' } })).not.toHaveProperty('realtime');
    expect(decodeWebConfig({ ...base, realtime: { ...CONFIG, httpDomain: '' } })).not.toHaveProperty('realtime');
  });
});
