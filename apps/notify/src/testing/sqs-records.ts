import { createHash } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { localLambdaContext } from '@imgpipe/platform';

/** The queue the sample records claim to come from. */
export const SAMPLE_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:imgpipe-notify';

/** An SQS record as the Lambda event source mapping delivers it, carrying `body`. */
export function toSqsRecord(body: unknown, messageId: string, receiveCount = 1): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1748779200000',
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: '1748779200100',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(text).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: SAMPLE_QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event of these records. */
export function toSqsEvent(records: readonly SQSRecord[]): SQSEvent {
  return { Records: [...records] };
}

/** The EventBridge event a rule delivers to the queue, around a stored (unparsed) detail. */
export function eventBridgeEventAround(options: {
  readonly detailType: string;
  readonly source: string;
  readonly detail: unknown;
  readonly id?: string;
}): Record<string, unknown> {
  return {
    version: '0',
    id: options.id ?? '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': options.detailType,
    source: options.source,
    account: '000000000000',
    time: '2025-06-01T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: options.detail,
  };
}

/** A Lambda context for handler tests. */
export function testContext(): Context {
  return localLambdaContext({ functionName: 'imgpipe-notify-test' });
}
