import type { BusEntry } from '../bus/bus-event';

/** One record of s3rver's S3 event notification (the shape S3 sends to SNS, SQS and Lambda). */
export interface S3NotificationRecord {
  readonly eventTime: string;
  readonly eventName: string;
  readonly requestParameters?: { readonly sourceIPAddress?: string };
  readonly responseElements?: Readonly<Record<string, string>>;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      /** Only on a versioned bucket (S3's records carry it; s3rver keeps no versions). */
      readonly versionId?: string;
      readonly sequencer?: string;
    };
  };
}

/** `ObjectCreated:Post` -> the EventBridge `reason`. */
const REASONS: Readonly<Record<string, string>> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Post': 'PostObject',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectCreated:CompleteMultipartUpload': 'CompleteMultipartUpload',
};

/**
 * The EventBridge "Object Created" event S3 would send to the default bus for an
 * `ObjectCreated:*` notification record (S3's EventBridge integration: source `aws.s3`,
 * detail bucket / object key, size, etag, version-id, sequencer / reason). `undefined` for any other
 * record (deletions have no rule here).
 */
export function toObjectCreatedEntry(record: S3NotificationRecord): BusEntry | undefined {
  if (!record.eventName.startsWith('ObjectCreated:')) return undefined;
  const { bucket, object } = record.s3;
  const time = new Date(record.eventTime);
  return {
    source: 'aws.s3',
    detailType: 'Object Created',
    ...(Number.isNaN(time.getTime()) ? {} : { time }),
    resources: [`arn:aws:s3:::${bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: bucket.name },
      object: {
        key: object.key,
        ...(object.size !== undefined ? { size: object.size } : {}),
        ...(object.eTag !== undefined ? { etag: object.eTag } : {}),
        ...(object.versionId !== undefined ? { 'version-id': object.versionId } : {}),
        ...(object.sequencer !== undefined ? { sequencer: object.sequencer } : {}),
      },
      'request-id': record.responseElements?.['x-amz-request-id'] ?? '',
      requester: 'local',
      'source-ip-address': record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
      reason: REASONS[record.eventName] ?? record.eventName.slice('ObjectCreated:'.length),
    },
  };
}
