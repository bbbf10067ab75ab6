import type { CdnInvalidationRequest, CdnInvalidationResult, CdnInvalidator } from './cdn-invalidator.port';
import type { EventPublisher, PublishEntry, PublishResult } from './event-publisher.port';
import type { Notification, Notifier } from './notifier.port';

/** An {@link EventPublisher} that keeps what it was given; every entry succeeds. */
export class RecordingEventPublisher implements EventPublisher {
  readonly published: PublishEntry[] = [];

  async publish(entries: readonly PublishEntry[]): Promise<PublishResult> {
    const copies = entries.map((e) => structuredClone(e));
    this.published.push(...copies);
    return { published: copies.map((entry) => ({ entry })), failed: [] };
  }
}

/** A {@link Notifier} that keeps what it was given. */
export class RecordingNotifier implements Notifier {
  readonly notifications: Notification[] = [];

  async notify(notification: Notification): Promise<{ messageId: string }> {
    this.notifications.push(structuredClone(notification));
    return { messageId: `message-${this.notifications.length}` };
  }
}

/** A {@link CdnInvalidator} that keeps what it was asked, for tests. */
export class RecordingCdnInvalidator implements CdnInvalidator {
  readonly requests: CdnInvalidationRequest[] = [];

  async invalidate(request: CdnInvalidationRequest): Promise<CdnInvalidationResult> {
    this.requests.push(structuredClone({ paths: [...request.paths], reference: request.reference }));
    return { invalidationId: `invalidation-${this.requests.length}` };
  }
}
