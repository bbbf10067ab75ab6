import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { z } from 'zod';
import type { EventPublisher } from '@imgpipe/platform';
import { PUT_EVENTS_FAILED_ENTRY_ERROR } from './asl';

/** The `Parameters` of an `arn:aws:states:::events:putEvents` Task: a `PutEvents` request. */
export const PutEventsTaskInputSchema = z.object({
  Entries: z
    .array(
      z.object({
        Source: z.string().min(1),
        DetailType: z.string().min(1),
        /** An object (what the pipeline passes, serialized by the integration on AWS), or its JSON text. */
        Detail: z.union([z.string(), z.record(z.string(), z.unknown())]),
        EventBusName: z.string().min(1),
      }),
    )
    .min(1)
    .max(10),
});
export type PutEventsTaskInput = z.infer<typeof PutEventsTaskInputSchema>;

/** What the integration returns: `PutEvents`' response. */
export interface PutEventsTaskOutput {
  readonly Entries: readonly { readonly EventId?: string }[];
  readonly FailedEntryCount: 0;
}

/** The error a refused entry fails the task with, named as Step Functions names it. */
export class PutEventsFailedEntryError extends ImgpipeError<'PUT_EVENTS_FAILED_ENTRY'> {
  override readonly name = PUT_EVENTS_FAILED_ENTRY_ERROR;

  /** Retryable: the definition retries `EventBridge.FailedEntry`. */
  constructor(message: string) {
    super({ code: 'PUT_EVENTS_FAILED_ENTRY', message, retryable: true });
  }
}

/**
 * The local stand-in for the EventBridge `PutEvents` optimized integration, for a runtime
 * that runs the definition itself: maps a `PublishProcessed`-style Task (by state name) to
 * an {@link EventPublisher}. As on AWS, a refused entry fails the task with
 * `EventBridge.FailedEntry` (which the definition retries).
 *
 * @throws {Error} when the task's input is not a `PutEvents` request or names another bus
 * (the definition was rendered for a different bus).
 * @example
 * ```ts
 * taskResourceLocalHandlers: { [PUBLISH_PROCESSED_STATE]: createPutEventsTask(localBus, { eventBusName: 'imgpipe' }) }
 * ```
 */
export function createPutEventsTask(
  publisher: EventPublisher,
  options: { readonly eventBusName: string },
): (input: unknown) => Promise<PutEventsTaskOutput> {
  return async (input) => {
    const request = PutEventsTaskInputSchema.parse(input);
    const entries = request.Entries.map((entry, i) => {
      if (entry.EventBusName !== options.eventBusName) {
        throw new Error(
          `PutEvents entry ${i}: bus ${entry.EventBusName}, but this runtime publishes to ${options.eventBusName}`,
        );
      }
      return { source: entry.Source, detailType: entry.DetailType, detail: detailObject(entry.Detail, i) };
    });
    const result = await publisher.publish(entries);
    if (result.failed.length > 0) {
      const reasons = result.failed.map((f) => `${f.entry.detailType}: ${f.errorCode} ${f.errorMessage}`.trim());
      throw new PutEventsFailedEntryError(
        `${result.failed.length} of ${entries.length} entries failed: ${reasons.join('; ')}`,
      );
    }
    return {
      Entries: result.published.map((p) => (p.busEventId ? { EventId: p.busEventId } : {})),
      FailedEntryCount: 0,
    };
  };
}

function detailObject(detail: string | Record<string, unknown>, index: number): object {
  if (typeof detail !== 'string') return detail;
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    throw new Error(`PutEvents entry ${index}: Detail is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`PutEvents entry ${index}: Detail must be a JSON object`);
  }
  return parsed;
}
