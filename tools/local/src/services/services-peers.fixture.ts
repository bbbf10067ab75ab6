import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, TABLES, type AwsClients, type Env } from '@imgpipe/platform';
import { LOCAL_REGION, startLocalDynamo, startLocalS3, type LocalPeer, type LocalS3 } from '@imgpipe/platform/testing';
import { EVENT_BUS_NAME } from '@imgpipe/workflow';

/** The two buckets the services' specs use. */
export const SPEC_BUCKETS = { originals: 'originals', processed: 'processed' } as const;

/** What the specs of `createLocalServices` run on: s3rver and dynalite, the SDK's clients to them, a temp folder. */
export interface ServicesPeers {
  readonly s3: LocalS3;
  readonly dynamo: LocalPeer;
  readonly clients: AwsClients;
  /** A temp folder for notifications and logs, removed by {@link ServicesPeers.stop}. */
  readonly logs: string;
  /** The services' environment on these peers (the names `createLocalServices` reads), plus `extra`. */
  env(extra?: Env): Env;
  stop(): Promise<void>;
}

/**
 * Starts the real local peers the services' specs run on (s3rver with {@link SPEC_BUCKETS},
 * dynalite with the four tables), for a spec's `beforeAll`; `stop()` in its `afterAll`.
 */
export async function startServicesPeers(tempPrefix: string): Promise<ServicesPeers> {
  const [s3, dynamo, logs] = await Promise.all([
    startLocalS3({ buckets: Object.values(SPEC_BUCKETS) }),
    startLocalDynamo({
      tables: [TABLES.imageMetadata, TABLES.imageEvents, TABLES.uploadGrants, TABLES.idempotency].map((definition) => ({
        definition,
        name: definition.defaultName,
      })),
    }),
    mkdtemp(join(tmpdir(), tempPrefix)),
  ]);
  const clients = createAwsClients({ region: LOCAL_REGION, endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint }, credentials: s3.credentials });
  return {
    s3,
    dynamo,
    clients,
    logs,
    env: (extra = {}) => ({
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      IMGPIPE_S3_ENDPOINT: s3.endpoint,
      IMGPIPE_DYNAMODB_ENDPOINT: dynamo.endpoint,
      ORIGINALS_BUCKET: SPEC_BUCKETS.originals,
      PROCESSED_BUCKET: SPEC_BUCKETS.processed,
      IMAGES_TABLE: TABLES.imageMetadata.defaultName,
      EVENTS_TABLE: TABLES.imageEvents.defaultName,
      GRANTS_TABLE: TABLES.uploadGrants.defaultName,
      IDEMPOTENCY_TABLE: TABLES.idempotency.defaultName,
      EVENT_BUS_NAME,
      NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:imgpipe-local-notifications',
      ...extra,
    }),
    stop: async () => {
      clients.destroy();
      await Promise.all([s3.stop(), dynamo.stop(), rm(logs, { recursive: true, force: true })]);
    },
  };
}
