// Just enough of the two local servers' APIs for local-peers.ts; neither ships types.

declare module 's3rver' {
  import type { IncomingMessage, Server } from 'node:http';
  import type { AddressInfo } from 'node:net';
  import type { Readable } from 'node:stream';

  namespace S3rver {
    interface Options {
      address?: string;
      port?: number;
      silent?: boolean;
      directory?: string;
      resetOnClose?: boolean;
      vhostBuckets?: boolean;
      allowMismatchedSignatures?: boolean;
      configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
    }
    interface CorsRule {
      hasWildcardOrigin: boolean;
      exposeHeaders: string[];
      maxAgeSeconds?: number;
    }
    /** The Koa context s3rver's middleware sees (the parts local-peers uses). */
    interface Context {
      method: string;
      path: string;
      /** The request URL as received (path and query, still encoded). */
      url: string;
      /** Koa's request: `request.req` is the Node request s3rver's router and parsers read. */
      request: { req: IncomingMessage };
      query: Record<string, string | string[] | undefined>;
      req: IncomingMessage | (Readable & { headers: IncomingMessage['headers'] });
      status: number;
      type: string;
      body: unknown;
      get(header: string): string;
      set(header: string, value: string): void;
      is(...types: string[]): string | false | null;
      store: {
        existsObject(bucket: string, key: string): Promise<boolean>;
        getSubresource(
          bucket: string,
          key: undefined,
          type: 'cors',
        ): Promise<{ matchRule(origin: string, method: string): CorsRule | undefined } | undefined>;
      };
    }
    type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void> | void;
  }

  class S3rver {
    constructor(options?: S3rver.Options);
    /** Koa's middleware stack; composed when the server starts listening. */
    middleware: S3rver.Middleware[];
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
  export = S3rver;
}

declare module 'dynalite' {
  import type { Server } from 'node:http';

  function dynalite(options?: {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    path?: string;
  }): Server;
  export = dynalite;
}
