import type { EventBridgeEvent } from 'aws-lambda';
import { ContractError, type EventName } from '@imgpipe/contracts';
import { logger, withImageContext } from '@imgpipe/platform';
import type { MetadataService } from '../metadata-service';

/** What `onPipelineEvent` answers: what was recorded, and whether it was a duplicate. */
export interface OnPipelineEventResult {
  readonly imageId: string;
  readonly eventId: string;
  readonly detailType: EventName;
  readonly duplicate: boolean;
  /** The read-model record's revision afterwards. */
  readonly revision: number;
}

/**
 * The bus consumer: any imgpipe event from the `imgpipe` bus (rules route `ImageUploaded`
 * and ingest's `ImageProcessingFailed` and `ImageDeleted` here) is appended to the image's
 * history, idempotent by event id. An event no contract accepts is logged and thrown, so
 * after the target's retries it lands in the DLQ.
 */
export function createOnPipelineEventHandler(
  service: () => MetadataService,
): (event: EventBridgeEvent<string, unknown>) => Promise<OnPipelineEventResult> {
  let recordPipelineEvent: MetadataService['recordPipelineEvent'] | undefined;
  return async (event) => {
    recordPipelineEvent ??= service().recordPipelineEvent;
    const run = recordPipelineEvent;
    return withImageContext(logContextOf(event.detail), async () => {
      try {
        const result = await run(event);
        logger.info(result.duplicate ? 'event was already recorded' : 'event recorded', {
          detailType: result.detailType,
          eventId: result.eventId,
          revision: result.revision,
        });
        return {
          imageId: result.imageId,
          eventId: result.eventId,
          detailType: result.detailType,
          duplicate: result.duplicate,
          revision: result.revision,
        };
      } catch (error) {
        if (error instanceof ContractError) {
          logger.error('event refused by its contract', { detailType: event['detail-type'], source: event.source, error });
        }
        throw error;
      }
    });
  };
}

/** `imageId` and `correlationId` for the log lines, read defensively (the event is not parsed yet). */
function logContextOf(detail: unknown): { imageId?: string; correlationId?: string } {
  const text = (value: unknown) => (typeof value === 'string' && value.length <= 256 ? value : undefined);
  if (typeof detail !== 'object' || detail === null) return {};
  const { correlationId, data } = detail as { correlationId?: unknown; data?: unknown };
  const imageId = typeof data === 'object' && data !== null ? text((data as { imageId?: unknown }).imageId) : undefined;
  return { ...(imageId ? { imageId } : {}), ...(text(correlationId) ? { correlationId: text(correlationId) } : {}) };
}

