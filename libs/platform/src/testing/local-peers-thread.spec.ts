import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { S3PresignedPostSigner } from '../aws/s3-presigned-post-signer.adapter';
import { TABLES } from '../tables';
import { createLocalTables, LOCAL_REGION } from './local-peers';
import { LocalPeersThreadError, startLocalPeersThread, type LocalPeersThread } from './local-peers-thread';

// The S3 and DynamoDB peers on a worker thread (the local runtime's default): the same gates
// and options as startLocalS3/startLocalDynamo in-process, notifications back in order, and a
// thread that fails or dies is a classified error, never a hang.

const CREDENTIALS = { accessKeyId: 'THREADKEY', secretAccessKey: 'thread-secret' };
const BUCKET = 'originals';
const errorName = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.name);

describe('the local peers on a worker thread', () => {
  let directory: string;
  let peers: LocalPeersThread;
  let clients: AwsClients;
  const exits: LocalPeersThreadError[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'imgpipe-peers-thread-'));
    peers = await startLocalPeersThread({
      s3: { buckets: [BUCKET], directory: join(directory, 's3'), credentials: CREDENTIALS, refusePostOverwrite: true },
      dynamo: { path: join(directory, 'dynamodb'), credentials: CREDENTIALS },
      onExit: (error) => exits.push(error),
    });
    clients = createAwsClients({ region: LOCAL_REGION, endpoints: { s3: peers.s3.endpoint, dynamodb: peers.dynamo.endpoint }, credentials: CREDENTIALS });
  });
  afterAll(async () => {
    clients?.destroy();
    await peers?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('serves signed S3 and DynamoDB calls on loopback, tables created from the caller, and forwards every notification in order', async () => {
    expect(peers.s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(peers.s3.directory).toBe(join(directory, 's3'));
    const records: unknown[] = [];
    const unsubscribe = peers.onNotification((record) => records.push(record));
    const keys = Array.from({ length: 12 }, (_, i) => `uploads/u1/${String(i).padStart(2, '0')}/photo.png`);

    for (const key of keys) await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body ${key}` }));
    const read = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys[3] }));
    await createLocalTables(peers.dynamo, [{ definition: TABLES.imageEvents }]);
    const tables = await clients.dynamodb.send(new ListTablesCommand({}));

    expect(await read.Body?.transformToString()).toBe(`body ${keys[3]}`);
    expect(tables.TableNames).toEqual([TABLES.imageEvents.defaultName]);
    await waitFor(() => records.length >= keys.length);
    unsubscribe();
    expect(records.map((r) => (r as { eventName: string; s3: { object: { key: string } } }).eventName)).toEqual(keys.map(() => 'ObjectCreated:Put'));
    expect(records.map((r) => (r as { s3: { bucket: { name: string }; object: { key: string } } }).s3.object.key)).toEqual(keys);
  });

  it('keeps every gate: unsigned and foreign-key calls refused, keys leaving the bucket refused, a grant posts once', async () => {
    const stranger = createAwsClients({
      region: LOCAL_REGION,
      endpoints: { s3: peers.s3.endpoint, dynamodb: peers.dynamo.endpoint },
      credentials: { accessKeyId: 'OTHER', secretAccessKey: 'other' },
    });
    try {
      expect((await fetch(`${peers.s3.endpoint}/${BUCKET}?list-type=2`)).status).toBe(403);
      expect((await fetch(peers.dynamo.endpoint, { method: 'POST', body: '{}' })).status).toBe(400);
      expect(await errorName(stranger.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/00/photo.png' })))).toBe('InvalidAccessKeyId');
      expect(await errorName(stranger.dynamodb.send(new ListTablesCommand({})))).toBe('UnrecognizedClientException');
      expect(await errorName(clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/../../escape', Body: 'x' })))).not.toBe('resolved');

      // refusePostOverwrite crossed the thread: the same grant's second POST is refused.
      const key = 'uploads/u1/post/photo.png';
      const grant = await new S3PresignedPostSigner(clients.s3).sign({ bucket: BUCKET, key, contentType: 'image/png', maxBytes: 64, bytes: 8, expiresInSeconds: 60 });
      const post = () => {
        const form = new FormData();
        for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
        form.append('file', new Blob([new Uint8Array(8)], { type: 'image/png' }), 'photo.png');
        return fetch(grant.url, { method: 'POST', body: form }).then((r) => r.status);
      };
      expect(await post()).toBe(204);
      expect(await post()).toBe(412);
    } finally {
      stranger.destroy();
    }
  });

  it('a thread that dies while running is reported once as PEERS_THREAD_EXITED, and calls fail instead of hanging', async () => {
    const dying = await startLocalPeersThread({ s3: { buckets: [BUCKET] }, onExit: (error) => exits.push(error) });
    const client = createAwsClients({ region: LOCAL_REGION, endpoints: { s3: dying.s3.endpoint, dynamodb: dying.dynamo.endpoint }, credentials: dying.s3.credentials });
    try {
      await dying.thread.terminate();
      await waitFor(() => exits.length > 0);

      expect(exits).toHaveLength(1);
      expect(exits[0]).toBeInstanceOf(LocalPeersThreadError);
      expect(exits[0]?.code).toBe('PEERS_THREAD_EXITED');
      expect(await errorName(client.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/u1/x/y.png' })))).not.toBe('resolved');
      await dying.stop();
      expect(exits).toHaveLength(1);
    } finally {
      client.destroy();
    }
  });

  it('a peer that cannot start fails the start with PEERS_THREAD_START_FAILED, its cause, and no thread left', async () => {
    const taken = await listen();
    const port = (taken.address() as { port: number }).port;
    try {
      const failure = await startLocalPeersThread({ s3: { port } }).then(
        () => undefined,
        (error: unknown) => error,
      );

      expect(failure).toBeInstanceOf(LocalPeersThreadError);
      expect((failure as LocalPeersThreadError).code).toBe('PEERS_THREAD_START_FAILED');
      expect(((failure as Error).cause as { code?: string }).code).toBe('EADDRINUSE');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('stop() closes both servers and ends the thread; a second stop is the same', async () => {
    const other = await startLocalPeersThread({ s3: { buckets: [BUCKET] } });
    const exited = new Promise((resolve) => other.thread.once('exit', resolve));

    await other.stop();
    await other.stop();

    await exited;
    expect(await errorName(fetch(`${other.s3.endpoint}/${BUCKET}`))).toBe('TypeError');
    expect(await errorName(fetch(other.dynamo.endpoint))).toBe('TypeError');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function listen(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
