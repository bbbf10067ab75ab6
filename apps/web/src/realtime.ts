/**
 * Live updates through AWS AppSync Events: the managed push service a deployment on AWS names
 * in `config.json`'s `realtime` (the Api stack's `ImageChangesRealtime`). The bus publishes
 * every change of an image's history to its owner's channel, `/images/{sub}`
 * (`imageChangesChannel`), as the same {@link ImageChange} the local stream sends; this client
 * subscribes to that one channel with the person's ID token.
 *
 * Hand-written (about 200 lines) rather than a library: the protocol is six JSON frames over
 * a WebSocket, and the one client that speaks it (aws-amplify's `events`) brings the Amplify
 * configuration and auth layers into a bundle that is otherwise a few dozen kB.
 * Protocol (https://docs.aws.amazon.com/appsync/latest/eventapi/event-api-websocket-protocol.html):
 * - open `wss://<realtimeDomain>/event/realtime` with the subprotocols `aws-appsync-event-ws`
 *   and `header-<base64url({ host, Authorization })>`;
 * - send `connection_init`, wait for `connection_ack` (it says `connectionTimeoutMs`);
 * - send `subscribe` with the channel and the same authorization; `subscribe_success` opens it;
 * - `ka` frames keep it alive: none within `connectionTimeoutMs` means the link is dead;
 * - `data` frames carry `event`, a JSON string.
 * A drop or a refusal reconnects with a growing, jittered delay; after a reconnect the app
 * makes ONE list call (`onReconnected`), never a poll per image.
 */
import { decodeImageChange, type ImageChange } from './api';
import { imageChangesChannel, type RealtimeConfig, type WebConfig } from '@imgpipe/contracts/views';
import { connectLive, pollingOnly, reconnectDelayMs, type LiveConnection, type LiveHandlers, type LiveState } from './live';

/** The subprotocol AppSync Events speaks. */
export const APPSYNC_EVENTS_SUBPROTOCOL = 'aws-appsync-event-ws';

/** AppSync's keep-alive window when `connection_ack` names none. */
const DEFAULT_CONNECTION_TIMEOUT_MS = 300_000;

/** The part of the browser's `WebSocket` this client uses (a fake in tests). */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface RealtimeOptions {
  /** @default `new WebSocket(url, protocols)`, or nothing where the browser has no WebSocket */
  readonly createSocket?: (url: string, protocols: string[]) => WebSocketLike;
  /** A number in [0, 1) that spreads reconnects of many clients. @default Math.random */
  readonly random?: () => number;
}

/** A frame AppSync sends; only the fields this client reads. */
interface ServerFrame {
  readonly type?: unknown;
  readonly id?: unknown;
  readonly event?: unknown;
  readonly connectionTimeoutMs?: unknown;
}

/** base64url of a UTF-8 string, without padding (what the `header-` subprotocol wants). */
export function base64UrlJson(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The `sub` claim of a JWT, read without checking it (AppSync checks the token; this only picks the channel). */
export function tokenSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as unknown;
    const sub = typeof claims === 'object' && claims !== null ? (claims as { sub?: unknown }).sub : undefined;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

function defaultSocket(url: string, protocols: string[]): WebSocketLike {
  return new WebSocket(url, protocols) as unknown as WebSocketLike;
}

/**
 * Subscribes to the person's channel of the AppSync Events API `config`. `getToken` gives the
 * ID token at each (re)connect. When no channel can be opened at all (no token, a `sub`
 * that names no channel, no WebSocket) the connection is `polling` and `onReconnected` is
 * called once: the app's one list call.
 */
export function connectAppSyncEvents(
  config: RealtimeConfig,
  getToken: () => string | null | Promise<string | null>,
  handlers: Pick<LiveHandlers, 'onImage' | 'onState' | 'onReconnected'>,
  options: RealtimeOptions = {},
): LiveConnection {
  const createSocket = options.createSocket ?? (typeof WebSocket === 'undefined' ? undefined : defaultSocket);
  const random = options.random ?? Math.random;
  let state: LiveState = 'connecting';
  let socket: WebSocketLike | undefined;
  let failures = 0;
  let everOpened = false;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let keepAliveTimer: ReturnType<typeof setTimeout> | undefined;
  let subscriptionSeq = 0;

  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    handlers.onState(next);
  };

  /** The push service cannot be used by this page: one list call, no retries. */
  const unavailable = () => {
    setState('polling');
    handlers.onReconnected?.();
  };

  const stopKeepAlive = () => {
    if (keepAliveTimer !== undefined) clearTimeout(keepAliveTimer);
    keepAliveTimer = undefined;
  };

  /** Drops `dead` (if still the current socket) and reconnects after a jittered, growing delay. */
  const retry = (dead: WebSocketLike) => {
    if (closed || dead !== socket) return;
    socket = undefined;
    stopKeepAlive();
    dead.onopen = dead.onmessage = dead.onclose = dead.onerror = null;
    try {
      dead.close();
    } catch {
      // already closed
    }
    setState('connecting');
    failures += 1;
    // Full jitter on the upper half: a service blip does not reconnect every page at once.
    const delay = Math.round(reconnectDelayMs(failures) * (0.5 + random() / 2));
    retryTimer = setTimeout(() => void open(), delay);
  };

  async function open(): Promise<void> {
    retryTimer = undefined;
    let token: string | null = null;
    try {
      token = await getToken();
    } catch {
      // no token: handled below
    }
    if (closed) return;
    const channel = token ? imageChangesChannel(tokenSubject(token) ?? '') : undefined;
    if (!token || !channel || !createSocket) return unavailable();
    const authorization = { host: config.httpDomain, Authorization: token };
    let current: WebSocketLike;
    try {
      current = createSocket(`wss://${config.realtimeDomain}/event/realtime`, [APPSYNC_EVENTS_SUBPROTOCOL, `header-${base64UrlJson(authorization)}`]);
    } catch {
      return unavailable();
    }
    socket = current;
    const subscriptionId = `images-${++subscriptionSeq}`;
    const watchKeepAlive = (timeoutMs: number) => {
      stopKeepAlive();
      keepAliveTimer = setTimeout(() => retry(current), timeoutMs);
    };
    let timeoutMs = DEFAULT_CONNECTION_TIMEOUT_MS;
    current.onopen = () => current.send(JSON.stringify({ type: 'connection_init' }));
    current.onerror = () => retry(current);
    current.onclose = () => retry(current);
    current.onmessage = (message) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(message.data)) as ServerFrame;
      } catch {
        return; // not a frame: ignored
      }
      if (typeof frame !== 'object' || frame === null) return;
      switch (frame.type) {
        case 'connection_ack':
          if (typeof frame.connectionTimeoutMs === 'number' && frame.connectionTimeoutMs > 0) timeoutMs = frame.connectionTimeoutMs;
          watchKeepAlive(timeoutMs);
          current.send(JSON.stringify({ type: 'subscribe', id: subscriptionId, channel, authorization }));
          return;
        case 'ka':
          watchKeepAlive(timeoutMs);
          return;
        case 'subscribe_success':
          if (frame.id !== subscriptionId) return;
          failures = 0;
          setState('open');
          // What changed while the link was down is caught up with one list call.
          if (everOpened) handlers.onReconnected?.();
          everOpened = true;
          return;
        case 'data': {
          if (frame.id !== subscriptionId || typeof frame.event !== 'string') return;
          let change: ImageChange | undefined;
          try {
            change = decodeImageChange(JSON.parse(frame.event));
          } catch {
            change = undefined;
          }
          if (change) handlers.onImage(change);
          return;
        }
        case 'subscribe_error':
        case 'connection_error':
        case 'error':
          // Refused (an expired token, a channel not its own) or broken: a fresh token on the next try.
          retry(current);
          return;
        default:
          return;
      }
    };
  }

  handlers.onState(state);
  void open();
  return {
    close() {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      stopKeepAlive();
      const last = socket;
      socket = undefined;
      if (last) {
        last.onopen = last.onmessage = last.onclose = last.onerror = null;
        last.close(1000, 'signed out');
      }
    },
    get state() {
      return state;
    },
  };
}

/**
 * The live connection a deployment offers: its server-sent event stream (`eventsUrl`, the
 * local runtime), else its push service (`realtime`, AWS), else none ({@link pollingOnly}).
 */
export function connectLiveUpdates(
  config: Pick<WebConfig, 'eventsUrl' | 'realtime'>,
  getToken: () => string | null | Promise<string | null>,
  handlers: LiveHandlers,
): LiveConnection {
  if (config.eventsUrl) return connectLive(config.eventsUrl, getToken, handlers);
  if (config.realtime) return connectAppSyncEvents(config.realtime, getToken, handlers);
  return pollingOnly();
}
