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

  async redact(imageId: string, redact: (event: StoredImageEvent) => Readonly<Record<string, unknown>>): Promise<number> {
    let rewritten = 0;
    const history = this.histories.get(imageId) ?? [];
    const next = history.map((event) => {
      const detail = redact(structuredClone(event));
      if (JSON.stringify(detail) === JSON.stringify(event.detail)) return event;
      rewritten += 1;
      return { ...event, detail: structuredClone(detail) };
    });
    if (rewritten > 0) this.histories.set(imageId, next);
    return rewritten;
  }

  async *scanImageIds(): AsyncIterable<string> {
    for (const imageId of [...this.histories.keys()]) yield imageId;
  }
}
