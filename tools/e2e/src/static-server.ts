import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webp': 'image/webp',
};

export interface StaticServer {
  /** `http://127.0.0.1:<port>`: a secure context, so WebCrypto (PKCE) works. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * A folder served as CloudFront serves the UI's bucket: `/` is `index.html`, any other path
 * is the object of that key (`/config.json`, `/thumbnails/...`), or 404. GET and HEAD only.
 */
export async function serveFolder(directory: string): Promise<StaticServer> {
  const root = resolve(directory);
  const server: Server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    let path: string;
    try {
      path = decodeURIComponent(pathname);
    } catch {
      path = pathname; // malformed escapes: no such object
    }
    const file = resolve(join(root, path === '/' ? 'index.html' : path));
    const notFound = () => response.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${path}`);
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !file.startsWith(root + sep)) return notFound();
    stat(file)
      .then((info) => (info.isFile() ? readFile(file) : undefined))
      .then(
        (body) => {
          if (!body) return notFound();
          response.writeHead(200, {
            'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
            'cache-control': 'no-cache',
          });
          response.end(request.method === 'HEAD' ? undefined : body);
        },
        () => notFound(),
      );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
