import { createAwsClients, logger, TABLES, type AwsClients } from '@imgpipe/platform';
import {
  createLocalTables,
  loadOrCreateLocalCredentials,
  LOCAL_REGION,
  startLocalDynamo,
  startLocalPeersThread,
  startLocalS3,
  type LocalCredentials,
  type LocalPeer,
  type LocalS3,
  type S3NotificationEvent,
  type StartLocalDynamoOptions,
  type StartLocalS3Options,
} from '@imgpipe/platform/testing';
import { loadOrCreateSecret } from '../http/auth';
import type { S3NotificationRecord } from '../services/s3-notifications';
import type { Disposables } from './disposables';
import { LOCAL_BUCKETS, type DataLayout } from './layout';

/** Where the S3 and DynamoDB peers can run: the runtime's own event loop (default), or one worker thread. */
export const PEERS_MODES = ['in-process', 'thread'] as const;
export type PeersMode = (typeof PEERS_MODES)[number];
export const isPeersMode = (value: string): value is PeersMode => (PEERS_MODES as readonly string[]).includes(value);

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
  /** Where they run. */
  readonly mode: PeersMode;
  /** Subscribes to S3's event notification records, in the order s3rver emitted them; returns the unsubscribe. */
  onS3Notification(listener: (record: S3NotificationRecord) => void): () => void;
}

/** The servers of either form. */
interface Servers {
  readonly s3: LocalS3;
  readonly dynamo: LocalPeer;
  onS3Notification(listener: (record: S3NotificationRecord) => void): () => void;
}

/** The one set of options both forms start the peers with. */
function peerOptions(layout: DataLayout, credentials: LocalCredentials) {
  const s3: Omit<StartLocalS3Options, 'onNotification'> = {
    buckets: Object.values(LOCAL_BUCKETS),
    directory: layout.s3,
    credentials,
    refusePostOverwrite: true,
  };
  const dynamo: StartLocalDynamoOptions = { path: layout.dynamodb, credentials, tables: Object.values(TABLES).map((definition) => ({ definition })) };
  return { s3, dynamo };
}

/**
 * On the runtime's event loop, as the platform's tests run them. Registers their stops as soon
 * as they run (a half-started set is stopped by the caller's `disposeAll`).
 */
async function startInProcess(layout: DataLayout, credentials: LocalCredentials, disposables: Disposables): Promise<Servers> {
  const options = peerOptions(layout, credentials);
  const listeners = new Set<(record: S3NotificationRecord) => void>();
  const onNotification = (event: S3NotificationEvent) => {
    for (const record of event.Records ?? []) for (const listener of listeners) listener(record as S3NotificationRecord);
  };
  const settled = await Promise.allSettled([startLocalS3({ ...options.s3, onNotification }), startLocalDynamo(options.dynamo)] as const);
  const [s3Started, dynamoStarted] = settled;
  const servers = [s3Started, dynamoStarted].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  disposables.add('the S3 and DynamoDB servers', () => Promise.all(servers.map((server) => server.stop())));
  if (s3Started.status === 'rejected') throw s3Started.reason;
  if (dynamoStarted.status === 'rejected') throw dynamoStarted.reason;
  return {
    s3: s3Started.value,
    dynamo: dynamoStarted.value,
    onS3Notification(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * On one worker thread (`startLocalPeersThread`): s3rver, dynalite, their gates, HTTP parsing
 * and LevelDB work leave the event loop the handlers, the state machine and the UI/API share.
 * The tables are created from here, through the SDK this thread has loaded anyway. A thread
 * that ends while the runtime runs is logged as critical: every call to the peers then fails
 * to connect (no silent hang).
 */
async function startOnThread(layout: DataLayout, credentials: LocalCredentials, disposables: Disposables): Promise<Servers> {
  const { s3, dynamo } = peerOptions(layout, credentials);
  const { tables = [], ...server } = dynamo;
  const thread = await startLocalPeersThread({
    s3,
    dynamo: server,
    onExit: (error) => logger.critical('the S3 and DynamoDB peers are gone: their thread ended; restart imgpipe', { error }),
  });
  disposables.add('the S3 and DynamoDB peers thread', () => thread.stop());
  await createLocalTables(thread.dynamo, tables);
  return { s3: thread.s3, dynamo: thread.dynamo, onS3Notification: (listener) => thread.onNotification((record) => listener(record as S3NotificationRecord)) };
}

/**
 * Starts the S3 (s3rver) and DynamoDB (dynalite) servers with the platform's buckets and
 * tables, on 127.0.0.1 whatever the HTTP host is and accepting only the data directory's
 * key pair, on this event loop (`mode` `in-process`, the default) or on one worker thread
 * (`thread`: measured no faster on this 2-core machine and +10-14 MiB, so opt-in; see
 * tools/local/README.md, "Early thumbnails"), and loads the signing secret beside them.
 */
export async function startPeers(layout: DataLayout, disposables: Disposables, mode: PeersMode = 'in-process'): Promise<Peers> {
  const started = performance.now();
  const credentials = await loadOrCreateLocalCredentials(layout.credentials);
  const [serversStarted, secretLoaded] = await Promise.allSettled([
    mode === 'thread' ? startOnThread(layout, credentials, disposables) : startInProcess(layout, credentials, disposables),
    loadOrCreateSecret(layout.secret),
  ] as const);
  if (serversStarted.status === 'rejected') throw serversStarted.reason;
  if (secretLoaded.status === 'rejected') throw secretLoaded.reason;
  const { s3, dynamo, onS3Notification } = serversStarted.value;
  const clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint },
    credentials,
  });
  disposables.add('the AWS clients', () => clients.destroy());
  return { s3, dynamo, credentials, clients, secret: secretLoaded.value, startedMs: Math.round(performance.now() - started), mode, onS3Notification };
}
