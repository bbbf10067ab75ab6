/**
 * The live connection: `GET /api/events` as server-sent events. `image` events say one of
 * the caller's images changed; `stats` events carry the dashboard figures.
 *
 * EventSource reconnects by itself after a dropped connection; when the server answers
 * with an error status (the token expired, the runtime restarted mid-request) it gives up
 * instead, so this reopens it with a growing delay.
 */
import { decodeImageChange, decodeStats, eventsUrl, parseEventData, type DashboardStats, type ImageChange } from './api';

/** `open`: events flow; `connecting`: first attempt or reconnecting after a drop. */
export type LiveState = 'connecting' | 'open';

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

/** Opens the stream for `token`. */
export function connectLive(token: string, handlers: LiveHandlers, baseUrl = ''): LiveConnection {
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

  function open(): void {
    source = new EventSource(eventsUrl(token, baseUrl));
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
      retryTimer = setTimeout(open, reconnectDelayMs(failures));
    });
  }

  open();
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
