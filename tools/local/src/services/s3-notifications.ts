import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

type S3rverInstance = EventEmitter & { httpServer?: Server; run(): Promise<AddressInfo> };
type S3rverClass = { prototype: S3rverInstance & { [STARTED]?: Set<S3rverInstance> } };

/** Where the wrapped `run` keeps started instances: on the class, shared by every module registry (jest has one per file). */
const STARTED = Symbol.for('imgpipe.local.s3rver-started');

/**
 * Makes s3rver instances findable by port. `startLocalS3` (libs/platform) owns the
 * instance and does not hand it out, but its notifications are the only place object
 * creations are announced; so `S3rver.prototype.run` is wrapped, once per process, to
 * remember each started instance. Loaded with Node's own `require`, as `startLocalS3`
 * loads it, so both see the same class (also under jest, whose registry is separate).
 */
function startedInstances(): Set<S3rverInstance> {
  const S3rver = createRequire(__filename)('s3rver') as S3rverClass;
  const prototype = S3rver.prototype;
  let started = prototype[STARTED];
  if (!started) {
    const instances = new Set<S3rverInstance>();
    started = instances;
    const run = prototype.run;
    prototype.run = async function (this: S3rverInstance): Promise<AddressInfo> {
      const address = await run.call(this);
      instances.add(this);
      this.httpServer?.once('close', () => instances.delete(this));
      return address;
    };
    Object.defineProperty(prototype, STARTED, { value: instances });
  }
  return started;
}

/** Call before `startLocalS3`, so the instance it starts can be found afterwards. */
export function prepareS3Notifications(): void {
  startedInstances();
}

/**
 * Subscribes to the S3 notifications of the s3rver listening on `port` (started after
 * {@link prepareS3Notifications}). Returns the unsubscribe function.
 *
 * @throws Error when no such s3rver was started in this process.
 */
export function onS3Notifications(port: number, listener: (record: S3NotificationRecord) => void): () => void {
  const instance = [...startedInstances()].find((s) => (s.httpServer?.address() as AddressInfo | null)?.port === port);
  if (!instance) throw new Error(`no s3rver started in this process listens on port ${port}`);
  const onEvent = (event: { Records?: S3NotificationRecord[] }) => {
    for (const record of event.Records ?? []) listener(record);
  };
  instance.on('event', onEvent);
  return () => instance.off('event', onEvent);
}
