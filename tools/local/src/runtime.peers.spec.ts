import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, logger } from '@imgpipe/platform';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '@imgpipe/platform/testing';
import { dataLayout, LOCAL_BUCKETS, startLocalRuntime } from './runtime';
import { Disposables } from './runtime/disposables';
import { startPeers } from './runtime/peers';

// The runtime's S3 and DynamoDB servers: loopback only, its own key pair, CORS for its UI only.

describe('the runtime’s local S3 and DynamoDB servers', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-peers-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // Only the pair: an SDK client marks the credentials object it was given (`$source`).
  const pair = ({ accessKeyId, secretAccessKey }: { accessKeyId: string; secretAccessKey: string }) => ({ accessKeyId, secretAccessKey });
  const errorName = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.name);

  it('listen on 127.0.0.1 with --host 0.0.0.0, accept only the data directory’s key pair, and keep it across restarts', async () => {
    const runtime = await startLocalRuntime({ dataDir, port: 0, host: '0.0.0.0', web: false, recover: false });
    const well = createAwsClients({ region: LOCAL_REGION, endpoints: runtime.endpoints, credentials: LOCAL_CREDENTIALS });
    const own = createAwsClients({ region: LOCAL_REGION, endpoints: runtime.endpoints, credentials: runtime.credentials });
    let first;
    try {
      expect(runtime.endpoints.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(runtime.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const file = dataLayout(dataDir).credentials;
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(pair(runtime.credentials));
      expect((await stat(file)).mode & 0o777).toBe(0o600);

      const anonymous = await fetch(`${runtime.endpoints.s3}/${runtime.buckets.originals}?list-type=2`);
      expect(anonymous.status).toBe(403);
      expect(await errorName(well.s3.send(new ListObjectsV2Command({ Bucket: runtime.buckets.originals })))).toBe('InvalidAccessKeyId');
      expect(await errorName(well.dynamodb.send(new ListTablesCommand({})))).toBe('UnrecognizedClientException');
      await expect(own.s3.send(new ListObjectsV2Command({ Bucket: runtime.buckets.originals }))).resolves.toBeDefined();
      await expect(own.dynamodb.send(new ListTablesCommand({}))).resolves.toBeDefined();

      const preflight = (origin: string) =>
        fetch(`${runtime.endpoints.s3}/${runtime.buckets.originals}`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
      const ui = await preflight(`http://localhost:${runtime.port}`);
      expect(ui.status).toBe(200);
      expect((await preflight('http://evil.example')).status).toBe(403);
      first = pair(runtime.credentials);
    } finally {
      well.destroy();
      own.destroy();
      await runtime.stop();
    }

    const again = await startLocalRuntime({ dataDir, port: 0, web: false, recover: false });
    try {
      expect(pair(again.credentials)).toEqual(first);
    } finally {
      await again.stop();
    }
  });

  it('announce an upload to the originals bucket, and only it, on the bus as Object Created', async () => {
    const runtime = await startLocalRuntime({ dataDir: join(dataDir, 'notifications'), port: 0, web: false, recover: false });
    const own = createAwsClients({ region: LOCAL_REGION, endpoints: runtime.endpoints, credentials: runtime.credentials });
    const created: string[] = [];
    const unsubscribe = runtime.onEvent((bus, event) => {
      if (bus === 'default' && event['detail-type'] === 'Object Created') created.push((event.detail as { object: { key: string } }).object.key);
    });
    try {
      const key = 'uploads/dev/notification-check/photo.jpg';
      // The output first: notifications arrive in order, so one announced by mistake would come before the upload's.
      await own.s3.send(new PutObjectCommand({ Bucket: runtime.buckets.processed, Key: 'variants/x.webp', Body: 'x' }));
      await own.s3.send(new PutObjectCommand({ Bucket: runtime.buckets.originals, Key: key, Body: 'not an image' }));
      for (let waited = 0; created.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));

      expect(created).toEqual([key]);
    } finally {
      unsubscribe();
      own.destroy();
      await runtime.stop();
    }
  });

  it('a notification listener that throws is logged, and neither fails the S3 request nor keeps the other listeners from the record', async () => {
    const disposables = new Disposables();
    const layout = dataLayout(join(dataDir, 'throwing-listener'));
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const peers = await startPeers(layout, disposables);
      const heard: string[] = [];
      peers.onS3Notification(() => {
        throw new Error('a broken listener');
      });
      peers.onS3Notification((record) => heard.push(record.s3.object.key));
      const key = 'uploads/dev/throwing-listener/photo.jpg';

      await expect(peers.clients.s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKETS.originals, Key: key, Body: 'x' }))).resolves.toBeDefined();

      expect(heard).toEqual([key]);
      expect(logged).toHaveBeenCalledWith(expect.stringMatching(/S3 notification listener/), expect.objectContaining({ key, error: expect.any(Error) }));
    } finally {
      logged.mockRestore();
      await disposables.disposeAll();
    }
  });
});
