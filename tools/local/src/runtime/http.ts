import { createServer, type RequestListener, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { logger, S3ObjectStore } from '@imgpipe/platform';
import { localCorsRule } from '@imgpipe/platform/testing';
import type { ReplayRequest, ReplayResult } from '../bus/replay-archive';
import { createAdminToken, LocalAuth } from '../http/auth';
import { createRequestListener } from '../http/http-server';
import type { WebBundle } from '../http/static-web';
import type { BusAndServices } from './bus-and-services';
import type { Disposables } from './disposables';
import type { LiveFigures } from './figures';
import { LOCAL_BUCKETS, type DataLayout } from './layout';
import type { Peers } from './peers';
import { localBaseUrl } from './service-env';
import type { RuntimeFile } from './types';

export interface HttpContext {
  readonly layout: DataLayout;
  readonly host: string;
  /** The port, bound before the services were built ({@link bindHttp}). */
  readonly bound: BoundHttp;
  readonly peers: Peers;
  readonly parts: BusAndServices;
  readonly figures: LiveFigures;
  readonly web: Promise<WebBundle>;
  readonly replay: (request: ReplayRequest) => Promise<ReplayResult>;
  readonly toReplayRequest: (body: unknown) => ReplayRequest;
  readonly disposables: Disposables;
}

/** The HTTP side as it serves: where, and who may sign in. */
export interface Serving {
  readonly url: string;
  readonly port: number;
  readonly auth: LocalAuth;
  readonly web: WebBundle;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

/**
 * The runtime's HTTP server, listening but not serving yet: bound first, so the port is
 * known (also for `--port 0`) before the services read their configuration, and the
 * delivery records they write carry the absolute `http://<host>:<port>/cdn` base
 * (`CDN_BASE_URL`). Until {@link serveHttp} gives it its listener it answers 503.
 */
export interface BoundHttp {
  readonly server: Server;
  /** The port it listens on: the one asked for, or the one the system picked for 0. */
  readonly port: number;
  /** Replaces the 503 answer with the runtime's listener. */
  serve(listener: RequestListener): void;
}

/** A request that came before the runtime was ready: 503 with `Retry-After`. */
const notReady: RequestListener = (_request, response) => {
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  response.end(JSON.stringify({ code: 'STARTING', message: 'imgpipe is starting; try again in a moment.' }));
};

/**
 * Binds `host`:`port` (0: any free port). Registers a close for a start that fails before
 * {@link serveHttp} (which registers the server's orderly close, stopped first).
 */
export async function bindHttp(host: string, port: number, disposables: Disposables): Promise<BoundHttp> {
  let listener = notReady;
  const server = createServer((request, response) => listener(request, response));
  disposables.add('the bound HTTP port', async () => {
    if (!server.listening) return;
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeAllConnections();
    await closed;
  });
  const bound = await listen(server, port, host);
  return { server, port: bound, serve: (next) => (listener = next) };
}

/**
 * The one HTTP server for the UI, `/api`, `/cdn` and `/admin/replay`, on the port bound
 * before ({@link bindHttp}); then the originals bucket's CORS rule for the UI's origins and
 * `runtime.json`. Registers the server's close (and the live updates'): stopped first.
 */
export async function serveHttp(ctx: HttpContext): Promise<Serving> {
  const { layout, peers, parts, figures } = ctx;
  const auth = new LocalAuth(peers.secret);
  const adminToken = await createAdminToken(layout.adminToken);
  const web = await ctx.web;
  const { server, port } = ctx.bound;
  ctx.bound.serve(
    createRequestListener({
      auth,
      api: parts.services.httpApi,
      hub: figures.hub,
      stats: () => figures.snapshot(),
      processed: { store: new S3ObjectStore(peers.clients.s3), bucket: LOCAL_BUCKETS.processed },
      web: () => web,
      replay: (body) => ctx.replay(ctx.toReplayRequest(body)),
      adminToken,
      uploadOrigins: [peers.s3.endpoint],
      onError: (error) => logger.error('request failed', { error: error as Error }),
    }),
  );
  ctx.disposables.add('the HTTP server', async () => {
    const closed = new Promise<void>((done) => server.close(() => done()));
    figures.hub.close();
    server.closeAllConnections();
    await closed;
  });
  // The UI posts uploads straight to the originals bucket: allow its origins.
  const corsRule = localCorsRule([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  await peers.clients.s3.send(new PutBucketCorsCommand({ Bucket: LOCAL_BUCKETS.originals, CORSConfiguration: { CORSRules: [corsRule] } }));
  const url = localBaseUrl(ctx.host, port);
  const endpoints = { s3: peers.s3.endpoint, dynamodb: peers.dynamo.endpoint };
  const file: RuntimeFile = { pid: process.pid, url, port, startedAt: new Date().toISOString(), endpoints };
  await writeFile(layout.runtimeFile, JSON.stringify(file, null, 2));
  return { url, port, auth, web };
}
