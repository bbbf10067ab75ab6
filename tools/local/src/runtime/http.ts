import { createServer, type Server } from 'node:http';
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
import type { RuntimeFile } from './types';

export interface HttpContext {
  readonly layout: DataLayout;
  readonly host: string;
  readonly port: number;
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

/** What the browser sees as the runtime's address: a loopback literal for a wildcard host, IPv6 in brackets. */
function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

/**
 * The one HTTP server for the UI, `/api`, `/cdn` and `/admin/replay`, listening on `host`;
 * then the originals bucket's CORS rule for the UI's origins (known only now) and
 * `runtime.json`. Registers the server's close (and the live updates'): stopped first.
 */
export async function serveHttp(ctx: HttpContext): Promise<Serving> {
  const { layout, peers, parts, figures } = ctx;
  const auth = new LocalAuth(peers.secret);
  const adminToken = await createAdminToken(layout.adminToken);
  const web = await ctx.web;
  const server = createServer(
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
  const port = await listen(server, ctx.port, ctx.host);
  // The UI posts uploads straight to the originals bucket: allow its origins.
  const corsRule = localCorsRule([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  await peers.clients.s3.send(new PutBucketCorsCommand({ Bucket: LOCAL_BUCKETS.originals, CORSConfiguration: { CORSRules: [corsRule] } }));
  const url = `http://${displayHost(ctx.host)}:${port}`;
  const endpoints = { s3: peers.s3.endpoint, dynamodb: peers.dynamo.endpoint };
  const file: RuntimeFile = { pid: process.pid, url, port, startedAt: new Date().toISOString(), endpoints };
  await writeFile(layout.runtimeFile, JSON.stringify(file, null, 2));
  return { url, port, auth, web };
}
