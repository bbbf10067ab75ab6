import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type S3rver from 's3rver';
import type dynalite from 'dynalite';
import { toCreateTableInput, type TableDefinition } from '../tables';
import { checkPostPolicy } from './post-policy';

// The servers are loaded at run time by a name esbuild cannot follow, so a Lambda bundle that
// imports @imgpipe/platform never pulls in s3rver, dynalite or their native LevelDB binding.
// Resolved on first use only, so merely importing this module needs no CommonJS globals.
const load = <T>(name: string): T => createRequire(__filename)(name) as T;

/** s3rver's only access key; dynalite accepts any. Use these for every client of the local peers. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
/** The region local clients sign for (any region works). */
export const LOCAL_REGION = 'us-east-1';

/** A running local server. */
export interface LocalPeer {
  /** `http://127.0.0.1:<port>`: the SDK endpoint override. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
}

export interface LocalS3 extends LocalPeer {
  /** Where the objects are kept (a fresh temporary folder unless one was given). */
  readonly directory: string;
}

export interface StartLocalS3Options {
  /** Created (or kept) on start, each with CORS for any origin (GET, PUT, POST, HEAD). */
  readonly buckets?: readonly string[];
  /** Keep objects here (survives a restart); default a temporary folder removed on stop. */
  readonly directory?: string;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /**
   * Check POST policies like S3 (signature, expiry, exact fields, content-length-range).
   * s3rver alone stores whatever is posted. Default true.
   */
  readonly enforcePostPolicy?: boolean;
  /** Largest POST body read before refusing with EntityTooLarge (default 256 MiB). */
  readonly maxPostBodyBytes?: number;
}

const CORS_ANY_ORIGIN = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets of SDK clients would hold close() open until they time out.
    server.closeAllConnections();
  });
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function readBody(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.byteLength;
    if (size <= limit) chunks.push(buffer);
  }
  return size <= limit ? Buffer.concat(chunks) : undefined;
}

/** The middleware that makes s3rver refuse POST uploads S3 would refuse. */
function postPolicyMiddleware(maxBodyBytes: number): S3rver.Middleware {
  return async (ctx, next) => {
    const segments = ctx.path.split('/').filter(Boolean);
    const isFormPost =
      ctx.method === 'POST' && segments.length === 1 && Object.keys(ctx.query).length === 0 && ctx.is('multipart/form-data');
    if (!isFormPost) return next();
    const bucket = decodeURIComponent(segments[0] ?? '');

    const refuseWith = async (status: number, code: string, message: string) => {
      const origin = ctx.get('origin');
      const cors = origin ? await ctx.store.getSubresource(bucket, undefined, 'cors') : undefined;
      const rule = cors?.matchRule(origin, 'POST');
      if (rule) {
        ctx.set('Access-Control-Allow-Origin', rule.hasWildcardOrigin ? '*' : origin);
        ctx.set('Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
      }
      ctx.status = status;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
    };

    const body = await readBody(ctx.req, maxBodyBytes);
    if (!body) return refuseWith(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    const form = await new Response(body, { headers: { 'content-type': ctx.get('content-type') } }).formData();
    const fields: Array<[string, string]> = [];
    let fileSize: number | undefined;
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields.push([name, value]);
      else if (name === 'file' && fileSize === undefined) fileSize = value.size;
    }
    if (fileSize !== undefined) {
      const refusal = checkPostPolicy({
        bucket,
        fields,
        fileSize,
        now: new Date(),
        secretOf: (id) => (id === LOCAL_CREDENTIALS.accessKeyId ? LOCAL_CREDENTIALS.secretAccessKey : undefined),
      });
      if (refusal) return refuseWith(refusal.status, refusal.code, refusal.message);
    }
    // Accepted (or no file, which s3rver itself refuses): hand s3rver the bytes we consumed.
    const replay = Object.assign(Readable.from([body]), { headers: ctx.req.headers });
    ctx.req = replay;
    return next();
  };
}

/**
 * Starts s3rver (an S3-compatible server) on loopback with the given buckets, each with CORS
 * for any origin. POST uploads are checked against their policy first (s3rver has no policy
 * support of its own). Use clients built with `createAwsClients({ region: LOCAL_REGION,
 * endpoint, credentials: LOCAL_CREDENTIALS })`.
 */
export async function startLocalS3(options: StartLocalS3Options = {}): Promise<LocalS3> {
  const S3rverClass = load<typeof S3rver>('s3rver');
  const ownDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'imgpipe-s3-')));
  const host = options.host ?? '127.0.0.1';
  const server = new S3rverClass({
    address: host,
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [CORS_ANY_ORIGIN] })),
  });
  if (options.enforcePostPolicy ?? true) {
    // Before the router (the last middleware), after s3rver's logging and XML rendering.
    server.middleware.splice(server.middleware.length - 1, 0, postPolicyMiddleware(options.maxPostBodyBytes ?? 256 * 1024 ** 2));
  }
  const address = await server.run();
  return {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
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
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
}

/**
 * Starts dynalite (a DynamoDB-compatible server) on loopback, tables ACTIVE at once
 * (`createTableMs: 0`), and creates the given tables from their definitions. dynalite has
 * no transactions and no `UpdateTimeToLive` (TTL attributes are not expired).
 */
export async function startLocalDynamo(options: StartLocalDynamoOptions = {}): Promise<LocalPeer> {
  const createServer = load<typeof dynalite>('dynalite');
  const host = options.host ?? '127.0.0.1';
  const server = createServer({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host}:${port}`;

  const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    for (const table of options.tables ?? []) {
      try {
        await client.send(new CreateTableCommand(toCreateTableInput(table.definition, table.name)));
      } catch (error) {
        if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
      }
    }
  } catch (error) {
    await stopServer(server);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, stop: () => stopServer(server) };
}
