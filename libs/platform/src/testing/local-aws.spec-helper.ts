import { createAwsClients, type AwsClients } from '../aws/clients';
import { TABLES } from '../tables';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startLocalDynamo,
  startLocalS3,
  type LocalPeer,
  type LocalS3,
} from './local-peers';

export const BUCKETS = { originals: 'originals', processed: 'processed' } as const;
/** The browser origin the test buckets' CORS rules allow. */
export const TEST_ORIGIN = 'http://127.0.0.1:3000';
export const TABLE_NAMES = { images: 'test-images', events: 'test-events', idempotency: 'test-idempotency', grants: 'test-upload-grants' } as const;

export interface LocalAws {
  s3: LocalS3;
  dynamo: LocalPeer;
  clients: AwsClients;
}

/**
 * Starts the local S3 and DynamoDB servers for one spec file (beforeAll/afterAll) and
 * returns a holder filled in once they run.
 */
export function useLocalAws(): LocalAws {
  const holder = {} as LocalAws;
  beforeAll(async () => {
    const [s3, dynamo] = await Promise.all([
      startLocalS3({ buckets: Object.values(BUCKETS), corsOrigins: [TEST_ORIGIN] }),
      startLocalDynamo({
        tables: [
          { definition: TABLES.imageMetadata, name: TABLE_NAMES.images },
          { definition: TABLES.imageEvents, name: TABLE_NAMES.events },
          { definition: TABLES.idempotency, name: TABLE_NAMES.idempotency },
          { definition: TABLES.uploadGrants, name: TABLE_NAMES.grants },
        ],
      }),
    ]);
    holder.s3 = s3;
    holder.dynamo = dynamo;
    holder.clients = createAwsClients({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint },
    });
  });
  afterAll(async () => {
    holder.clients?.destroy();
    await Promise.all([holder.s3?.stop(), holder.dynamo?.stop()]);
  });
  return holder;
}
