/** One event for the bus: `detail` is serialised as JSON. */
export interface PublishEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: object;
  /** The event's time; the bus uses the time of the call when absent. */
  readonly time?: Date;
}

export interface PublishedEntry {
  readonly entry: PublishEntry;
  /** The id the bus gave the event. */
  readonly busEventId?: string;
}

export interface FailedEntry {
  readonly entry: PublishEntry;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** Which entries went out and which did not; entries keep the order they were given in. */
export interface PublishResult {
  readonly published: readonly PublishedEntry[];
  readonly failed: readonly FailedEntry[];
}

/**
 * Publishes events to the bus. A partly failed batch does not throw: the failed entries are
 * reported so the caller retries exactly those (or fails its own unit of work).
 */
export interface EventPublisher {
  publish(entries: readonly PublishEntry[]): Promise<PublishResult>;
}
