import type { ServerResponse } from 'node:http';
import type { DashboardStats, ImageChange } from '@imgpipe/contracts/views';

/** The data of an `image` event: one of the caller's images changed. */
export type { ImageChange };

interface Subscriber {
  readonly userId: string;
  readonly response: ServerResponse;
}

/** How often an idle stream gets a comment line, so proxies and browsers keep it open. */
const HEARTBEAT_MS = 15_000;

/**
 * The `/api/events` server-sent event streams: `image` events to the owner of the image
 * only, `stats` events to everyone.
 */
export class EventStreamHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor() {
    this.heartbeat = setInterval(() => this.writeAll(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Opens a stream for `userId` on `response`, starting with the current figures. */
  open(userId: string, response: ServerResponse, stats: DashboardStats): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 2000\n\n');
    const subscriber: Subscriber = { userId, response };
    this.subscribers.add(subscriber);
    response.on('close', () => this.subscribers.delete(subscriber));
    this.send(subscriber, 'stats', stats);
  }

  /** Sends an `image` event to the streams of `userId`. */
  image(userId: string, change: ImageChange): void {
    for (const subscriber of this.subscribers) if (subscriber.userId === userId) this.send(subscriber, 'image', change);
  }

  /** Sends a `stats` event to every stream. */
  stats(stats: DashboardStats): void {
    for (const subscriber of this.subscribers) this.send(subscriber, 'stats', stats);
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const { response } of this.subscribers) response.end();
    this.subscribers.clear();
  }

  private send(subscriber: Subscriber, event: string, data: unknown): void {
    subscriber.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private writeAll(text: string): void {
    for (const { response } of this.subscribers) response.write(text);
  }
}
