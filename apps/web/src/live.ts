/**
 * The live connection: the config's `eventsUrl` (`/api/events` locally) as server-sent
 * events. `image` events say one of the caller's images changed; `stats` events carry the
 * dashboard figures. A deployment on AWS has no stream (`eventsUrl: null`) but a push
 * service (`realtime`): `connectAppSyncEvents` in `realtime.ts` speaks it with the same
 * handlers, and `connectLiveUpdates` there picks one for a config. A deployment with
 * neither gets {@link pollingOnly}: no connection at all, the app polls what it watches.
 *
 * EventSource reconnects by itself after a dropped connection; when the server answers
 * with an error status (the token expired, the runtime restarted mid-request) it gives up
 * instead, so this reopens it with a growing delay.
 */
import { decodeImageChange, decodeStats, eventsUrl, parseEventData, type DashboardStats, type ImageChange } from './api';

/**
 * `open`: events flow; `connecting`: first attempt or reconnecting after a drop;
 * `polling`: this deployment has no stream, the app re-reads what it watches.
 */
export type LiveState = 'connecting' | 'open' | 'polling';

export interface LiveHandlers {
  readonly onImage: (change: ImageChange) => void;
  readonly onStats: (stats: DashboardStats) => void;
  readonly onState: (state: LiveState) => void;
  /** After a connection is (re)established: state may have changed while it was down. */
  readonly onReconnected?: () => void;
}

export interface LiveConnection {
  close(): void;
  /** The state now. */
  readonly state: LiveState;
}

/** The delay before reopening after the `attempt`-th failure: 1 s, 2 s, 4 s ... at most 30 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** The connection of a deployment without an event stream: always `polling`, nothing opened. */
export function pollingOnly(): LiveConnection {
  return {
    close() {
      // nothing was opened
    },
    state: 'polling',
  };
}

/**
 * Opens the stream at `streamUrl` with the token `getToken` gives at each (re)open
 * (it travels in the `access_token` query parameter).
 */
export function connectLive(streamUrl: string, getToken: () => string | null | Promise<string | null>, handlers: LiveHandlers): LiveConnection {
  let source: EventSource | undefined;
  let state: LiveState = 'connecting';
  let failures = 0;
  let everOpened = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    handlers.onState(next);
  };

  async function open(): Promise<void> {
    let token: string | null = null;
    try {
      token = await getToken();
    } catch {
      // no token: the stream answers 401 and this retries later
    }
    if (closed) return;
    source = new EventSource(eventsUrl(streamUrl, token ?? ''));
    source.addEventListener('open', () => {
      failures = 0;
      setState('open');
      if (everOpened) handlers.onReconnected?.();
      everOpened = true;
    });
    source.addEventListener('image', (event) => {
      const change = decodeImageChange(parseEventData((event as MessageEvent<string>).data));
      if (change) handlers.onImage(change);
    });
    source.addEventListener('stats', (event) => {
      let stats: DashboardStats;
      try {
        stats = decodeStats(parseEventData((event as MessageEvent<string>).data));
      } catch {
        return; // not a stats object: dropped, the next one will do
      }
      handlers.onStats(stats);
    });
    source.addEventListener('error', () => {
      setState('connecting');
      if (source?.readyState !== EventSource.CLOSED || closed) return;
      // The browser gave up (an error status or a wrong content type): retry ourselves.
      failures += 1;
      retryTimer = setTimeout(() => void open(), reconnectDelayMs(failures));
    });
  }

  void open();
  handlers.onState(state);
  return {
    close() {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      source?.close();
    },
    get state() {
      return state;
    },
  };
}
