import { createAwsClients, logger, TABLES, type AwsClients } from '@imgpipe/platform';
import {
  loadOrCreateLocalCredentials,
  LOCAL_REGION,
  startLocalDynamo,
  startLocalS3,
  type LocalCredentials,
  type LocalPeer,
  type LocalS3,
  type S3NotificationEvent,
} from '@imgpipe/platform/testing';
import { loadOrCreateSecret } from '../http/auth';
import type { S3NotificationRecord } from '../services/s3-notifications';
import type { Disposables } from './disposables';
import { LOCAL_BUCKETS, type DataLayout } from './layout';

/** The protocol peers (S3, DynamoDB), the clients that reach them, and the UI's signing secret. */
export interface Peers {
  readonly s3: LocalS3;
  readonly dynamo: LocalPeer;
  /** The key pair the peers accept. */
  readonly credentials: LocalCredentials;
  readonly clients: AwsClients;
  readonly secret: Uint8Array;
  /** How long starting them took, in ms. */
  readonly startedMs: number;
  /**
   * Subscribes to S3's event notification records, in the order s3rver emitted them; returns
   * the unsubscribe. A listener runs inside the S3 request that caused the record: one that
   * throws is logged and skipped, and neither fails that request nor keeps the others from it.
   */
  onS3Notification(listener: S3NotificationListener): () => void;
}

/** One subscriber to S3's notification records. */
export type S3NotificationListener = (record: S3NotificationRecord) => void;

/** The one fan-out of S3's notifications: every record to every listener, each one's throw caught and logged. */
function s3NotificationFanOut() {
  const listeners = new Set<S3NotificationListener>();
  const deliver = (event: S3NotificationEvent) => {
    for (const record of (event.Records ?? []) as readonly S3NotificationRecord[]) {
      for (const listener of listeners) {
        try {
          listener(record);
        } catch (error) {
          logger.error('an S3 notification listener failed', { bucket: record.s3.bucket.name, key: record.s3.object.key, error: error as Error });
        }
      }
    }
  };
  const subscribe = (listener: S3NotificationListener) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { deliver, subscribe };
}

/**
 * Starts the S3 (s3rver) and DynamoDB (dynalite) servers with the platform's buckets and
 * tables, on 127.0.0.1 whatever the HTTP host is and accepting only the data directory's
 * key pair, and loads the signing secret, all at once. Registers their stops as soon as they
 * run (a half-started set is stopped by the caller's `disposeAll`).
 */
export async function startPeers(layout: DataLayout, disposables: Disposables): Promise<Peers> {
  const started = performance.now();
  const credentials = await loadOrCreateLocalCredentials(layout.credentials);
  const notifications = s3NotificationFanOut();
  const settled = await Promise.allSettled([
    startLocalS3({ buckets: Object.values(LOCAL_BUCKETS), directory: layout.s3, credentials, refusePostOverwrite: true, onNotification: notifications.deliver }),
    startLocalDynamo({ path: layout.dynamodb, credentials, tables: Object.values(TABLES).map((definition) => ({ definition })) }),
    loadOrCreateSecret(layout.secret),
  ] as const);
  const [s3Started, dynamoStarted, secretLoaded] = settled;
  const servers = [s3Started, dynamoStarted].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  disposables.add('the S3 and DynamoDB servers', () => Promise.all(servers.map((server) => server.stop())));
  if (s3Started.status === 'rejected' || dynamoStarted.status === 'rejected' || secretLoaded.status === 'rejected') {
    throw settled.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined)).find((e) => e !== undefined);
  }
  const [s3, dynamo] = [s3Started.value, dynamoStarted.value];
  const clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint },
    credentials,
  });
  disposables.add('the AWS clients', () => clients.destroy());
  return {
    s3,
    dynamo,
    credentials,
    clients,
    secret: secretLoaded.value,
    startedMs: Math.round(performance.now() - started),
    onS3Notification: notifications.subscribe,
  };
}
