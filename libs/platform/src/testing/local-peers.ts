import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type S3rver from 's3rver';
import type dynalite from 'dynalite';
import { toCreateTableInput, type TableDefinition } from '../tables';
import { isInside, localKeyRefusal } from './local-object-keys';
import { guardDynaliteServer } from './local-dynamo-gate';
import { closeDynaliteIteratorsOnReturn } from './level-iterators';
import { s3GateMiddleware } from './local-s3-gate';
import type { LocalCredentials } from './sigv4-verifier';

// No Lambda reaches this module (it is only in `@imgpipe/platform/testing`, see
// production-bundle.spec.ts), so the servers need no hiding from esbuild. They are still loaded
// on first use, with Node's own `require`: importing the testing entry for a fake must not cost
// s3rver + dynalite's ~0.4 s load in every spec file. S3's notifications reach a caller through
// `onNotification` (s3rver's own 'event' emitter), so nothing patches s3rver's class.
const load = <T>(name: string): T => createRequire(__filename)(name) as T;

/**
 * The key pair the local servers accept unless given others (tests). `npm start` uses a random
 * pair kept in its data directory instead (`loadOrCreateLocalCredentials`).
 */
export const LOCAL_CREDENTIALS: LocalCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** The region local clients sign for (any region works). */
export const LOCAL_REGION = 'us-east-1';
/** The only interface the local servers listen on, whatever a caller asks for. */
export const LOCAL_HOST = '127.0.0.1';

/** A running local server. */
export interface LocalPeer {
  /** `http://127.0.0.1:<port>`: the SDK endpoint override. */
  readonly endpoint: string;
  readonly port: number;
  /** The key pair it accepts. */
  readonly credentials: LocalCredentials;
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
}

export interface LocalS3 extends LocalPeer {
  /** Where the objects are kept (a fresh temporary folder unless one was given). */
  readonly directory: string;
}

export interface StartLocalS3Options {
  /** Created (or kept) on start. */
  readonly buckets?: readonly string[];
  /** Keep objects here (survives a restart); default a temporary folder removed on stop. */
  readonly directory?: string;
  /** 0 (default) picks a free port. Always on 127.0.0.1. */
  readonly port?: number;
  /** The only key pair accepted (SigV4 and POST policies); default {@link LOCAL_CREDENTIALS}. */
  readonly credentials?: LocalCredentials;
  /**
   * Browser origins allowed by every bucket's CORS rules (GET, HEAD, PUT, POST), e.g.
   * `http://127.0.0.1:3000`. Default none: no CORS rules (any rules kept on disk are removed).
   */
  readonly corsOrigins?: readonly string[];
  /**
   * Check browser form POSTs (policy, signature, expiry, fields, size) like S3. Default true.
   * `false` hands anonymous form POSTs to s3rver unchecked: only for tests that show what
   * s3rver alone would store. Every other request is checked for its SigV4 signature either way.
   */
  readonly enforcePostPolicy?: boolean;
  /**
   * Refuse a form POST onto a key that already exists (412 PreconditionFailed). The local
   * store keeps no versions, so one grant must not replace the upload it already made.
   * Default false.
   */
  readonly refusePostOverwrite?: boolean;
  /** Largest body read into memory (form POSTs, hashed payloads) before refusing with EntityTooLarge (default 256 MiB). */
  readonly maxPostBodyBytes?: number;
  /** Most body bytes held for all requests at once (default `maxPostBodyBytes`): more in parallel are refused with 503 SlowDown. */
  readonly maxBufferedBytes?: number;
  /**
   * Called with every S3 event notification s3rver emits (`{ Records: [...] }`, S3's record
   * shape), in order. It runs synchronously inside the request that stored or removed the
   * object, before the response: a throw fails that request (500 InternalError), so a caller
   * that fans out to listeners catches each one's error (tools/local's `startPeers` does).
   */
  readonly onNotification?: (event: S3NotificationEvent) => void;
}

/** What s3rver emits for each stored or removed object: S3's event notification body. */
export interface S3NotificationEvent {
  readonly Records?: readonly unknown[];
}

/** The CORS rule the local buckets get for the given origins; the SDK's `CORSRule` shape. */
export function localCorsRule(origins: readonly string[]) {
  return {
    AllowedOrigins: [...origins],
    AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST'],
    AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 3000,
  };
}

function corsXml(origins: readonly string[]): string {
  const rule = localCorsRule(origins);
  const tags = (tag: string, values: readonly string[]) => values.map((v) => `    <${tag}>${xmlEscape(v)}</${tag}>`).join('\n');
  return `<CORSConfiguration>
  <CORSRule>
${tags('AllowedOrigin', rule.AllowedOrigins)}
${tags('AllowedMethod', rule.AllowedMethods)}
${tags('AllowedHeader', rule.AllowedHeaders)}
${tags('ExposeHeader', rule.ExposeHeaders)}
    <MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets of SDK clients would hold close() open until they time out.
    server.closeAllConnections();
  });
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What s3rver's FilesystemStore exposes that the confinement below wraps. */
interface FilesystemStore {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  deleteSubresource(bucket: string, key: undefined, type: 'cors'): Promise<void>;
}
type S3ErrorClass = new (code: string, message: string) => Error;

/**
 * Confines every file s3rver's store touches to its bucket's folder, whatever path led there
 * (URL, DeleteObjects body, copy source, form field): the gate refuses such keys first, this
 * is the second wall. Throws s3rver's own error, so the client gets S3's XML 400.
 */
function confineStore(store: FilesystemStore, root: string, S3Error: S3ErrorClass): void {
  const bucketPath = store.getBucketPath.bind(store);
  const resourcePath = store.getResourcePath.bind(store);
  store.getBucketPath = (bucket) => {
    // Not BUCKET_NAME here: ListBuckets walks whatever folders exist.
    if (bucket === '' || bucket === '.' || bucket === '..' || /[/\\\0]/.test(bucket)) {
      throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.');
    }
    return bucketPath(bucket);
  };
  store.getResourcePath = (bucket, key, resource) => {
    const refusal = key ? localKeyRefusal(key) : undefined;
    if (refusal) throw new S3Error(refusal.code, refusal.message);
    const folder = store.getBucketPath(bucket);
    const path = resourcePath(bucket, key, resource);
    if (!isInside(folder, path) || !isInside(root, folder)) throw new S3Error('InvalidArgument', 'The key leaves its bucket.');
    return path;
  };
}

/**
 * Starts s3rver (an S3-compatible server) on 127.0.0.1 with the given buckets, behind
 * `s3GateMiddleware`: every request must be SigV4-signed with `credentials` or be a browser
 * form POST whose policy verifies (s3rver checks neither); everything else gets S3's
 * `AccessDenied`. Keys that would leave a bucket's folder are refused. Use clients built with
 * `createAwsClients({ region: LOCAL_REGION, endpoint, credentials })`.
 */
export async function startLocalS3(options: StartLocalS3Options = {}): Promise<LocalS3> {
  const S3rverClass = load<typeof S3rver>('s3rver');
  const S3Error = load<S3ErrorClass>('s3rver/lib/models/error');
  const ownDirectory = options.directory === undefined;
  const directory = resolve(options.directory ?? (await mkdtemp(join(tmpdir(), 'imgpipe-s3-'))));
  const credentials = options.credentials ?? LOCAL_CREDENTIALS;
  const corsOrigins = options.corsOrigins ?? [];
  const buckets = options.buckets ?? [];
  const server = new S3rverClass({
    address: LOCAL_HOST,
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name, configs: corsOrigins.length > 0 ? [corsXml(corsOrigins)] : [] })),
  });
  const store = (server as unknown as { store: FilesystemStore }).store;
  confineStore(store, directory, S3Error);
  // First, before s3rver's own middleware: nothing reaches s3rver unchecked.
  server.middleware.unshift(
    s3GateMiddleware({
      credentials,
      maxBodyBytes: options.maxPostBodyBytes ?? 256 * 1024 ** 2,
      ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
      refusePostOverwrite: options.refusePostOverwrite ?? false,
      enforcePostPolicy: options.enforcePostPolicy ?? true,
    }),
  );
  const onNotification = options.onNotification;
  if (onNotification) (server as unknown as EventEmitter).on('event', (event: S3NotificationEvent) => onNotification(event));
  const address = await server.run();
  // Rules a previous run left on disk go when none are asked for now.
  if (corsOrigins.length === 0) await Promise.all(buckets.map((bucket) => store.deleteSubresource(bucket, undefined, 'cors')));
  return {
    endpoint: `http://${LOCAL_HOST}:${address.port}`,
    port: address.port,
    credentials,
    directory,
    async stop() {
      if (server.httpServer) await stopServer(server.httpServer);
      if (ownDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface LocalTable {
  readonly definition: TableDefinition;
  /** Default: the definition's `defaultName`. */
  readonly name?: string;
}

export interface StartLocalDynamoOptions {
  /** Created on start (kept if they already exist in `path`). */
  readonly tables?: readonly LocalTable[];
  /** Keep the data in this folder (LevelDB); default in memory. */
  readonly path?: string;
  /** 0 (default) picks a free port. Always on 127.0.0.1. */
  readonly port?: number;
  /** The only key pair accepted; default {@link LOCAL_CREDENTIALS}. */
  readonly credentials?: LocalCredentials;
}

/** How long {@link startLocalDynamo} waits for a created table to be ACTIVE. */
const TABLE_ACTIVE_WAIT_SECONDS = 30;

/**
 * Starts dynalite (a DynamoDB-compatible server) on 127.0.0.1, and creates the given tables
 * from their definitions, resolving once they are ACTIVE (`createTableMs: 0`: at once but for
 * dynalite's own write). Every request must be SigV4-signed with `credentials` (`guardDynaliteServer`; dynalite accepts any key).
 * dynalite has no transactions and no `UpdateTimeToLive` (TTL attributes are not expired).
 */
export async function startLocalDynamo(options: StartLocalDynamoOptions = {}): Promise<LocalPeer> {
  const createServer = load<typeof dynalite>('dynalite');
  closeDynaliteIteratorsOnReturn();
  const credentials = options.credentials ?? LOCAL_CREDENTIALS;
  const server = createServer({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  guardDynaliteServer(server, credentials);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOCAL_HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${LOCAL_HOST}:${port}`;

  const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials });
  try {
    for (const table of options.tables ?? []) {
      const input = toCreateTableInput(table.definition, table.name);
      try {
        await client.send(new CreateTableCommand(input));
      } catch (error) {
        if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
      }
      // dynalite answers CreateTable with the table CREATING and writes it ACTIVE a moment later
      // (its own timer and LevelDB put, slower on disk under load); until then every read or write
      // of it is ResourceNotFoundException. So wait as a DynamoDB caller would: the SDK's waiter,
      // which checks at once and, here, polls every few ms.
      // (It throws a TimeoutError past TABLE_ACTIVE_WAIT_SECONDS.)
      await waitUntilTableExists(
        { client, maxWaitTime: TABLE_ACTIVE_WAIT_SECONDS, minDelay: 0.005, maxDelay: 0.1 },
        { TableName: input.TableName },
      );
    }
  } catch (error) {
    await stopServer(server);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, credentials, stop: () => stopServer(server) };
}
