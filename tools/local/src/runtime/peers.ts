import { createAwsClients, TABLES, type AwsClients } from '@imgpipe/platform';
import {
  loadOrCreateLocalCredentials,
  LOCAL_REGION,
  startLocalDynamo,
  startLocalS3,
  type LocalCredentials,
  type LocalPeer,
  type LocalS3,
} from '@imgpipe/platform/testing';
import { loadOrCreateSecret } from '../http/auth';
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
  const settled = await Promise.allSettled([
    startLocalS3({ buckets: Object.values(LOCAL_BUCKETS), directory: layout.s3, credentials, refusePostOverwrite: true }),
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
  return { s3, dynamo, credentials, clients, secret: secretLoaded.value, startedMs: Math.round(performance.now() - started) };
}
