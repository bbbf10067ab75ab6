import type { EventPublisher, PublishEntry, PublishResult } from '@imgpipe/platform';
import { compileEventPattern, type EventRule, type RuleTarget } from '@imgpipe/workflow';
import type { EventArchive } from './archive';
import { toBusEvent, type BusEntry, type BusEvent, type BusName } from './bus-event';

/** A rule target's delivery: resolves when the target took the event, rejects to have it retried. */
export type TargetDelivery = (event: BusEvent) => Promise<unknown>;

/** How often, and how far apart, a failed delivery is tried again before it is dead-lettered. */
export interface DeliveryRetryPolicy {
  /** Attempts in all, the first included (default 4). */
  readonly attempts: number;
  /** Pause before the second attempt; doubles each time (default 200 ms). */
  readonly baseDelayMs: number;
}

/** What became of one delivery of one event to one target. */
export interface DeliveryOutcome {
  readonly rule: EventRule;
  readonly event: BusEvent;
  readonly attempts: number;
  /** Set when every attempt failed (the event was dead-lettered). */
  readonly error?: unknown;
}

export interface LocalBusOptions {
  /** The rules, as `eventRules(...)` of libs/workflow declares them. */
  readonly rules: readonly EventRule[];
  /** Each rule target's delivery. */
  readonly targets: Readonly<Record<RuleTarget, TargetDelivery>>;
  /** Every event put on the bus is appended here first (replayed events are not; the archive keeps one per `detail.eventId`). */
  readonly archive?: EventArchive;
  readonly retry?: Partial<DeliveryRetryPolicy>;
  /** Called after each delivery settles (after its retries). */
  readonly onDelivered?: (outcome: DeliveryOutcome) => void;
  /** Called with each event the bus accepts, after archiving, before delivery. */
  readonly onEvent?: (bus: BusName, event: BusEvent) => void;
  /** Waits between retries (tests pass an immediate one). */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface CompiledRule {
  readonly rule: EventRule;
  readonly matches: (event: unknown) => boolean;
}

const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * The in-process event bus, with EventBridge's semantics where they matter here:
 * - `put` archives the event and returns once the bus has it; every rule whose pattern
 *   matches (libs/workflow's matcher, on the rules libs/workflow declares) delivers it to
 *   its target asynchronously, as EventBridge does;
 * - a failed delivery is retried with backoff and then dead-lettered (counted, reported);
 * - a replayed event carries `replay-name` and is not archived again; nor is an event whose
 *   `detail.eventId` the archive holds already (what a replayed run publishes again).
 */
export class LocalBus {
  private readonly rules: readonly CompiledRule[];
  private readonly retry: DeliveryRetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private deadLetterCount = 0;

  constructor(private readonly options: LocalBusOptions) {
    this.rules = options.rules.map((rule) => ({ rule, matches: compileEventPattern(rule.eventPattern) }));
    this.retry = { attempts: 4, baseDelayMs: 200, ...options.retry };
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Deliveries that failed every attempt since start. */
  get deadLetters(): number {
    return this.deadLetterCount;
  }

  /** Deliveries still running (with their retries). */
  get pending(): number {
    return this.inFlight.size;
  }

  /** The rules of `bus` that `event` matches. */
  matchingRules(bus: BusName, event: BusEvent): EventRule[] {
    return this.rules.filter((r) => r.rule.eventBus === bus && r.matches(event)).map((r) => r.rule);
  }

  /**
   * Puts an event on `bus`: archived (unless replayed), then delivered to every matching
   * rule's target in the background (with `onlyTargets`, to those targets' rules only, as a
   * replay's `FilterArns` limits it to some rules). Resolves with the rules it matched.
   */
  async put(bus: BusName, event: BusEvent, options: { readonly onlyTargets?: readonly RuleTarget[] } = {}): Promise<EventRule[]> {
    if (this.stopped) throw new Error('the local bus is stopped');
    if (this.options.archive && event['replay-name'] === undefined) await this.options.archive.append(bus, event);
    this.options.onEvent?.(bus, event);
    const only = options.onlyTargets;
    const rules = this.matchingRules(bus, event).filter((rule) => !only || only.includes(rule.target));
    for (const rule of rules) this.track(this.deliver(rule, event));
    return rules;
  }

  /** Builds the event of a `PutEvents` entry and puts it on `bus`. */
  async putEntry(bus: BusName, entry: BusEntry): Promise<BusEvent> {
    const event = toBusEvent(entry);
    await this.put(bus, event);
    return event;
  }

  /** The {@link EventPublisher} port on `bus`, for the services (`PutEvents`). */
  publisher(bus: BusName): EventPublisher {
    return {
      publish: async (entries: readonly PublishEntry[]): Promise<PublishResult> => {
        const result: { published: PublishResult['published'][number][]; failed: PublishResult['failed'][number][] } = {
          published: [],
          failed: [],
        };
        for (const entry of entries) {
          try {
            const event = await this.putEntry(bus, entry);
            result.published.push({ entry, busEventId: event.id });
          } catch (error) {
            result.failed.push({
              entry,
              errorCode: 'InternalFailure',
              errorMessage: error instanceof Error ? error.message : String(error),
            });
          }
        }
        return result;
      },
    };
  }

  /** Resolves when no delivery is running (new ones may start afterwards). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Refuses new events; deliveries already running finish (or are abandoned with the process). */
  stop(): void {
    this.stopped = true;
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(rule: EventRule, event: BusEvent): Promise<void> {
    const target = this.options.targets[rule.target];
    let error: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        // Each target gets its own copy, as each EventBridge target gets its own payload.
        await target(structuredClone(event));
        this.options.onDelivered?.({ rule, event, attempts: attempt });
        return;
      } catch (caught) {
        error = caught;
        if (attempt < this.retry.attempts) await this.sleep(this.retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
    this.deadLetterCount += 1;
    this.options.onDelivered?.({ rule, event, attempts: this.retry.attempts, error });
  }
}
