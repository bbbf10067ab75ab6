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
