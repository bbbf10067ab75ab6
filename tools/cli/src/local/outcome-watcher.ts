import { sleep } from '../cli-io';
import { type ImageDetailsView, type RuntimeApi } from './runtime-api';

/** The statuses after which an image's run has nothing left to do. */
const TERMINAL: ReadonlySet<string> = new Set(['processed', 'failed', 'deleted']);

/** How a wait ended: the image's details at its terminal state, or the last ones seen. */
export type Outcome =
  | { readonly kind: 'terminal'; readonly details: ImageDetailsView }
  | { readonly kind: 'timeout'; readonly details?: ImageDetailsView };

export interface OutcomeWatcherOptions {
  /** How often unfinished images are read again while the event stream is open (default 2 s). */
  readonly pollIntervalMs?: number;
  /** How often without the event stream (default 250 ms). */
  readonly fallbackPollIntervalMs?: number;
}

interface Waiting {
  readonly deadline: number;
  readonly resolve: (outcome: Outcome) => void;
  last?: ImageDetailsView;
  checking?: boolean;
}

/**
 * Waits for images to reach a terminal state (processed, failed, deleted). Listens to the
 * user's `/api/events` stream, which names an image as soon as metadata recorded its
 * event, and reads it then with `GET /api/images/{id}`; polls as well, slowly while the
 * stream is open and quickly when it is not, so a dropped stream costs latency, not
 * correctness.
 */
export class OutcomeWatcher {
  private readonly waiting = new Map<string, Waiting>();
  /** Images the stream reported terminal before anyone waited for them. */
  private readonly seenTerminal = new Set<string>();
  private readonly abort = new AbortController();
  private streaming = false;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly api: RuntimeApi,
    private readonly options: OutcomeWatcherOptions = {},
  ) {
    void this.listen();
    this.loop = this.poll();
  }

  /** Resolves once `imageId` is terminal, or when `timeoutMs` pass first. */
  wait(imageId: string, timeoutMs: number): Promise<Outcome> {
    if (this.stopped) return Promise.resolve({ kind: 'timeout' });
    return new Promise((resolve) => {
      this.waiting.set(imageId, { deadline: Date.now() + timeoutMs, resolve });
      if (this.seenTerminal.delete(imageId)) void this.check(imageId);
    });
  }

  /** Stops waiting for `imageId` (its upload failed); its wait never resolves. */
  forget(imageId: string): void {
    this.waiting.delete(imageId);
  }

  /** Closes the stream and ends every wait still open as a timeout. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    for (const [imageId, waiting] of this.waiting) this.settle(imageId, { kind: 'timeout', ...(waiting.last ? { details: waiting.last } : {}) });
  }

  private async listen(): Promise<void> {
    try {
      const changes = this.api.imageChanges(this.abort.signal);
      this.streaming = true;
      for await (const change of changes) {
        if (!change.status || !TERMINAL.has(change.status)) continue;
        if (this.waiting.has(change.imageId)) void this.check(change.imageId);
        else this.seenTerminal.add(change.imageId);
      }
    } catch {
      // No stream (or it broke): polling carries on, faster.
    } finally {
      this.streaming = false;
    }
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      await sleep(this.streaming ? (this.options.pollIntervalMs ?? 2000) : (this.options.fallbackPollIntervalMs ?? 250), this.abort.signal);
      const now = Date.now();
      for (const [imageId, waiting] of [...this.waiting]) {
        if (this.stopped) return;
        if (now >= waiting.deadline) this.settle(imageId, { kind: 'timeout', ...(waiting.last ? { details: waiting.last } : {}) });
        else await this.check(imageId);
      }
    }
  }

  private async check(imageId: string): Promise<void> {
    const waiting = this.waiting.get(imageId);
    if (!waiting || waiting.checking) return;
    waiting.checking = true;
    try {
      const details = await this.api.image(imageId);
      waiting.last = details;
      if (details.image && TERMINAL.has(details.image.status ?? '')) this.settle(imageId, { kind: 'terminal', details });
    } catch {
      // 404 until metadata recorded the image's first event; anything else: next round.
    } finally {
      waiting.checking = false;
    }
  }

  private settle(imageId: string, outcome: Outcome): void {
    const waiting = this.waiting.get(imageId);
    if (!waiting) return;
    this.waiting.delete(imageId);
    waiting.resolve(outcome);
  }
}
