import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ContractError, parseKnownEvent } from '@imgpipe/contracts';
import { logger, withImageContext } from '@imgpipe/platform';
import { NOTIFY_CONTRACTS, type NotifyEvent, type NotifyResult } from '../notify.use-case';

/** The use case as the handler calls it. */
export type NotifyUseCase = (event: NotifyEvent, context?: Context) => Promise<NotifyResult>;

/**
 * The SQS handler over a use case (the local runtime and tests build it with their own
 * ports). Each record's body is the EventBridge event; records are processed in parallel
 * with Powertools batch processing and failures come back as `batchItemFailures`, so only
 * those messages return to the queue:
 * - a body that is not an `ImageProcessed` / `ImageProcessingFailed` event of a known
 *   version is a permanent failure: logged (with the fields at fault, never the values)
 *   and reported, so the queue's redrive policy moves it to the DLQ, where it can be looked
 *   at, instead of being dropped;
 * - a delivery failure is reported too; only the failed targets are repeated on the retry.
 * A whole batch that fails is reported record by record as well, not thrown.
 */
export function createNotifyBatchHandler(
  useCase: () => NotifyUseCase | Promise<NotifyUseCase>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const notify = await useCase();
    // One processor per invocation: its state must not be shared by concurrent invocations
    // in one process (the local runtime).
    const processor = new BatchProcessor(EventType.SQS);
    const handleRecord = async (record: SQSRecord): Promise<NotifyResult> => {
      const parsed = parseRecord(record);
      const { envelope } = parsed;
      return withImageContext({ imageId: envelope.data.imageId, correlationId: envelope.correlationId }, async () => {
        try {
          const result = await notify(parsed, context);
          if (result.discarded) logger.info('not notified: the image is deleted', { messageId: record.messageId, eventId: result.eventId });
          else logger.info('notified', { messageId: record.messageId, eventId: result.eventId, deliveries: result.deliveries });
          return result;
        } catch (error) {
          logger.error('notification failed; the message is reported for retry', {
            messageId: record.messageId,
            eventId: envelope.eventId,
            receiveCount: record.attributes.ApproximateReceiveCount,
            error: error as Error,
          });
          throw error;
        }
      });
    };
    return processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
  };
}

function parseRecord(record: SQSRecord): NotifyEvent {
  try {
    return parseKnownEvent(NOTIFY_CONTRACTS, record.body);
  } catch (error) {
    if (error instanceof ContractError) {
      logger.error('message is not a notify event; reported as failed so it reaches the DLQ', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        contract: error.contract,
        issues: error.issues,
      });
    }
    throw error;
  }
}
