import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_EVENT_REGION } from './bus-event';

/** The consumer of a queue: an SQS-triggered Lambda handler's shape. */
export type QueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface LocalQueueOptions {
  readonly name: string;
  readonly consumer: QueueConsumer;
  /** Records per invocation, 1-10 (default 10). */
  readonly batchSize?: number;
  /** How long a received message stays hidden before it can be received again (default 30 s). */
  readonly visibilityTimeoutMs?: number;
  /** Receives after which a message goes to the dead-letter queue instead (default 3). */
  readonly maxReceiveCount?: number;
  /** Invocations running at once (default 2). */
  readonly maxConcurrency?: number;
  /** Called when a message is moved to the dead-letter queue. */
  readonly onDeadLetter?: (message: QueueMessage) => void;
}

/** A message in the queue. */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** While in flight: when it becomes visible again. */
  visibleAt: number;
}

/** How many messages are where. */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLetters: number;
}

/**
 * A queue with SQS semantics, in process, feeding a Lambda-style consumer the way the SQS
 * event source does:
 * - messages are delivered in batches (those sent in the same tick arrive together);
 * - a received message is hidden for the visibility timeout; it is deleted when the batch
 *   succeeds, or when the consumer does not name it in `batchItemFailures`;
 * - a failed message (or a whole batch whose consumer threw) becomes visible again when its
 *   visibility timeout ends, and is received again;
 * - a message received more than `maxReceiveCount` times moves to the dead-letter queue,
 *   whose depth is counted.
 */
export class LocalQueue {
  readonly arn: string;
  private readonly messages = new Map<string, QueueMessage>();
  private readonly dlq: QueueMessage[] = [];
  private readonly batchSize: number;
  private readonly visibilityTimeoutMs: number;
  private readonly maxReceiveCount: number;
  private readonly maxConcurrency: number;
  private readonly running = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pumpScheduled = false;
  private stopped = false;

  constructor(private readonly options: LocalQueueOptions) {
    this.arn = `arn:aws:sqs:${LOCAL_EVENT_REGION}:${LOCAL_ACCOUNT}:${options.name}`;
    this.batchSize = Math.min(10, Math.max(1, options.batchSize ?? 10));
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.maxReceiveCount = options.maxReceiveCount ?? 3;
    this.maxConcurrency = options.maxConcurrency ?? 2;
  }

  /** `SendMessage`: returns the message id. */
  send(body: string): string {
    const message: QueueMessage = { messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0, visibleAt: 0 };
    this.messages.set(message.messageId, message);
    this.schedulePump();
    return message.messageId;
  }

  get depth(): QueueDepth {
    const now = Date.now();
    let visible = 0;
    for (const message of this.messages.values()) if (message.visibleAt <= now) visible += 1;
    return { visible, inFlight: this.messages.size - visible, deadLetters: this.dlq.length };
  }

  /** The dead-lettered messages, oldest first. */
  get deadLetters(): readonly QueueMessage[] {
    return this.dlq;
  }

  /** Resolves when the queue holds no message and no invocation runs (dead letters aside). */
  async idle(): Promise<void> {
    while (this.messages.size > 0 || this.running.size > 0 || this.pumpScheduled) {
      if (this.running.size > 0) await Promise.allSettled([...this.running]);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops delivering; waits for the invocations running now. Messages left are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    // The next turn of the event loop: messages sent together are received together.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.maxConcurrency) {
      const batch = this.receive();
      if (batch.length === 0) {
        this.wakeForHidden();
        return;
      }
      const invocation = this.invoke(batch);
      this.running.add(invocation);
      void invocation.finally(() => {
        this.running.delete(invocation);
        this.schedulePump();
      });
    }
  }

  /** `ReceiveMessage`: up to a batch of visible messages, hidden for the visibility timeout. */
  private receive(): QueueMessage[] {
    const now = Date.now();
    const batch: QueueMessage[] = [];
    for (const message of this.messages.values()) {
      if (batch.length >= this.batchSize) break;
      if (message.visibleAt > now) continue;
      if (message.receiveCount >= this.maxReceiveCount) {
        // The redrive policy: received too often, moved rather than received again.
        this.messages.delete(message.messageId);
        this.dlq.push(message);
        this.options.onDeadLetter?.(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + this.visibilityTimeoutMs;
      batch.push(message);
    }
    return batch;
  }

  private async invoke(batch: QueueMessage[]): Promise<void> {
    let failed: Set<string>;
    try {
      const response = await this.options.consumer({ Records: batch.map((m) => this.toRecord(m)) });
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(batch.map((m) => m.messageId));
    }
    for (const message of batch) {
      if (failed.has(message.messageId)) this.wakeAt(message.visibleAt);
      else this.messages.delete(message.messageId);
    }
  }

  /**
   * With nothing in flight, every message left is hidden until its visibility timeout ends:
   * wake at the earliest. (A timer set by `wakeAt` runs on the monotonic clock and may fire
   * a moment before `Date.now()` reaches the time it was set for; without this, a message
   * found still hidden then would wait forever.)
   */
  private wakeForHidden(): void {
    if (this.running.size > 0 || this.messages.size === 0) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const message of this.messages.values()) earliest = Math.min(earliest, message.visibleAt);
    this.wakeAt(Math.max(earliest, Date.now() + 1));
  }

  private wakeAt(time: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.schedulePump();
    }, Math.max(0, time - Date.now()));
    timer.unref();
    this.timers.add(timer);
  }

  private toRecord(message: QueueMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `${message.messageId}#${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: LOCAL_ACCOUNT,
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: LOCAL_EVENT_REGION,
    };
  }
}
