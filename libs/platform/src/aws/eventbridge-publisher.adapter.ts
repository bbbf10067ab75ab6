import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type {
  EventPublisher,
  FailedEntry,
  PublishedEntry,
  PublishEntry,
  PublishResult,
} from '../ports/event-publisher.port';
import { isRetryableAwsError } from './errors';

/** PutEvents takes at most 10 entries a call. */
export const PUT_EVENTS_BATCH = 10;

/** The one call the publisher makes; an `EventBridgeClient` is one. */
export interface PutEventsSender {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

/**
 * {@link EventPublisher} on an EventBridge bus: entries go out in order, 10 a call. A call
 * that fails as a whole marks its entries failed (error code = the SDK error's name) and the
 * next chunk is still sent; per-entry failures come from the response.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly eventBridge: PutEventsSender,
    private readonly eventBusName: string,
  ) {}

  async publish(entries: readonly PublishEntry[]): Promise<PublishResult> {
    const published: PublishedEntry[] = [];
    const failed: FailedEntry[] = [];
    for (let i = 0; i < entries.length; i += PUT_EVENTS_BATCH) {
      const chunk = entries.slice(i, i + PUT_EVENTS_BATCH);
      let out: PutEventsCommandOutput;
      try {
        out = await this.eventBridge.send(new PutEventsCommand({ Entries: chunk.map((e) => this.toRequest(e)) }));
      } catch (error) {
        const errorCode = error instanceof Error ? error.name : 'PutEventsFailed';
        const errorMessage = `${error instanceof Error ? error.message : String(error)}${isRetryableAwsError(error) ? ' (retryable)' : ''}`;
        for (const entry of chunk) failed.push({ entry, errorCode, errorMessage });
        continue;
      }
      chunk.forEach((entry, j) => {
        const result = out.Entries?.[j];
        if (!result) {
          failed.push({ entry, errorCode: 'MissingResult', errorMessage: 'PutEvents returned no result for this entry' });
        } else if (result.ErrorCode) {
          failed.push({ entry, errorCode: result.ErrorCode, errorMessage: result.ErrorMessage ?? '' });
        } else {
          published.push({ entry, ...(result.EventId ? { busEventId: result.EventId } : {}) });
        }
      });
    }
    return { published, failed };
  }

  private toRequest(entry: PublishEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: JSON.stringify(entry.detail),
      ...(entry.time ? { Time: entry.time } : {}),
    };
  }
}
