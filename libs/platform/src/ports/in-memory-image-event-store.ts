import type { AppendResult, ImageEventStore, NewImageEvent, StoredImageEvent } from './image-event-store.port';
import { planAppend } from './append-plan';

/**
 * An {@link ImageEventStore} in a Map, for unit tests and dry runs. Same rules as the
 * DynamoDB adapter (the same spec runs against both); events are deep-copied in and out.
 */
export class InMemoryImageEventStore implements ImageEventStore {
  private readonly histories = new Map<string, StoredImageEvent[]>();

  async append(imageId: string, expectedSequence: number, events: readonly NewImageEvent[]): Promise<AppendResult> {
    const history = this.histories.get(imageId) ?? [];
    const plan = planAppend(imageId, expectedSequence, events, history);
    const appended = plan.fresh.map((event, i) => structuredClone({ ...event, imageId, sequence: plan.lastSequence + i + 1 }));
    if (appended.length > 0) this.histories.set(imageId, [...history, ...appended]);
    return {
      appended: structuredClone(appended),
      duplicates: plan.duplicates,
      lastSequence: plan.lastSequence + appended.length,
    };
  }

  async load(imageId: string): Promise<StoredImageEvent[]> {
    return structuredClone(this.histories.get(imageId) ?? []);
  }

  async *scanImageIds(): AsyncIterable<string> {
    for (const imageId of [...this.histories.keys()]) yield imageId;
  }
}
