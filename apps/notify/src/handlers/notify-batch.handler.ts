import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ContractError, parseKnownEvent } from '@imgpipe/contracts';
import { createAwsClients, logger, SnsNotifier, tracer, withImageContext } from '@imgpipe/platform';
import { loadNotifyConfig } from '../config';
import { deliverOncePerEvent } from '../deliver-once';
import { NOTIFY_CONTRACTS, createNotifyUseCase, type NotifyEvent, type NotifyResult } from '../notify.use-case';
import { HttpWebhookSender } from '../webhook/http-webhook-sender';

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
  useCase: () => NotifyUseCase,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const notify = useCase();
    // One processor per invocation: its state must not be shared by concurrent invocations
    // in one process (the local runtime).
    const processor = new BatchProcessor(EventType.SQS);
    const handleRecord = async (record: SQSRecord): Promise<NotifyResult> => {
      const parsed = parseRecord(record);
      const { envelope } = parsed;
      return withImageContext({ imageId: envelope.data.imageId, correlationId: envelope.correlationId }, async () => {
        try {
          const result = await notify(parsed, context);
          logger.info('notified', { messageId: record.messageId, eventId: result.eventId, deliveries: result.deliveries });
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

let coldStart: NotifyUseCase | undefined;

/** The Lambda handler: SNS through the SDK, webhooks over HTTPS, idempotency in DynamoDB. */
export const handler = createNotifyBatchHandler(() => {
  coldStart ??= (() => {
    const config = loadNotifyConfig();
    const clients = createAwsClients(config.aws, { tracer });
    return createNotifyUseCase({
      notifier: new SnsNotifier(clients.sns, config.topicArn),
      webhookSender: new HttpWebhookSender({
        ...config.webhookPolicy,
        timeoutMs: config.webhookTimeoutMs,
        maxResponseBytes: config.webhookMaxResponseBytes,
      }),
      webhooks: config.webhooks,
      once: deliverOncePerEvent({ tableName: config.idempotencyTable, client: clients.dynamodb }),
    });
  })();
  return coldStart;
});
