import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** What serving the UI needs: the built files, or why there are none. */
export type WebBundle = { readonly kind: 'built'; readonly directory: string } | { readonly kind: 'missing'; readonly reason: string };

interface BuildWebModule {
  buildWeb(options: { outDir: string }): Promise<unknown>;
}

/** The module the UI is built by; a variable, so a checkout without apps/web still type-checks and starts. */
const WEB_BUILD_MODULE = '@imgpipe/web/build';

/**
 * Builds the browser UI into `outDir` with apps/web's `buildWeb`. When apps/web (or its
 * build) is not there, or fails, the runtime still starts and `/` says why.
 */
export async function buildWebBundle(outDir: string): Promise<WebBundle> {
  let module: Partial<BuildWebModule>;
  try {
    module = (await import(WEB_BUILD_MODULE)) as Partial<BuildWebModule>;
  } catch (error) {
    return { kind: 'missing', reason: `apps/web is not built in this checkout (${describe(error)}).` };
  }
  if (typeof module.buildWeb !== 'function') return { kind: 'missing', reason: 'apps/web/build.ts exports no buildWeb().' };
  try {
    await module.buildWeb({ outDir });
    return { kind: 'built', directory: outDir };
  } catch (error) {
    return { kind: 'missing', reason: `building the web UI failed: ${describe(error)}` };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}

export interface UiSecurityOptions {
  /** Origins besides `'self'` the UI's scripts may connect to: the object store it uploads to. */
  readonly connectSources: readonly string[];
}

/** An origin as CSP names one (`http://127.0.0.1:4569`), or an error for anything else. */
function cspOrigin(source: string): string {
  const url = new URL(source);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null') throw new RangeError(`not an http(s) origin: ${source}`);
  return url.origin;
}

/**
 * The headers every file of the UI is served with: a strict Content-Security-Policy (the
 * UI's own scripts and styles only, no inline code, images from this origin or the
 * previews it makes (`data:`, `blob:`), connections to this origin and the upload
 * endpoint, never framed), `nosniff`, and no referrer sent anywhere.
 *
 * @example
 * uiSecurityHeaders({ connectSources: ['http://127.0.0.1:4569'] })['content-security-policy'];
 * // "default-src 'self'; ... connect-src 'self' http://127.0.0.1:4569; ..."
 */
export function uiSecurityHeaders(options: UiSecurityOptions): Readonly<Record<string, string>> {
  const connect = ["'self'", ...new Set(options.connectSources.map(cspOrigin))];
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  return {
    'content-security-policy': policy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

/** The placeholder page runs no script and styles itself inline: that is all it may do. */
const PLACEHOLDER_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface StaticResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The page `/` shows when there is no UI to serve. */
export function placeholderPage(reason: string): StaticResponse {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>imgpipe (local)</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>imgpipe is running</h1>
<p>The pipeline is up, but there is no web UI to show: ${escapeHtml(reason)}</p>
<p>The API is at <code>/api</code> (sign in with <code>POST /auth/dev-login</code>), processed images at <code>/cdn/</code>.</p>
</body></html>`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': PLACEHOLDER_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body,
  };
}

/**
 * A file of the built UI for a GET path: the file itself, or `index.html` for a path
 * without an extension (client-side routes). Paths never leave `directory`.
 */
export async function serveStatic(directory: string, path: string, ifNoneMatch?: string): Promise<StaticResponse | undefined> {
  let relative: string;
  try {
    relative = decodeURIComponent(path.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  const root = resolve(directory);
  const candidates = relative === '/' || extname(relative) === '' ? [relative, '/index.html'] : [relative];
  for (const candidate of candidates) {
    const file = resolve(join(root, candidate));
    if (file !== root && !file.startsWith(root + sep)) return undefined;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) continue;
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers = {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      // The UI is rebuilt on every start: revalidate, cheaply, with the ETag.
      'cache-control': 'no-cache',
      etag,
      'x-content-type-options': 'nosniff',
    };
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) return { status: 304, headers };
    return { status: 200, headers, body: await readFile(file) };
  }
  return undefined;
}
