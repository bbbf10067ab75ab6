/**
 * `@imgpipe/workflow/api-client`: THE client of the upload API, one for every caller — the
 * web UI (`apps/web/src/api.ts` adds its session's token), the `imgpipe` CLI
 * (`tools/cli/src/local/runtime-api.ts`) and the test clients
 * (`tools/local/src/testing/http-client.ts`).
 *
 * Why here: the routes it calls are declared in this library (`API_ROUTES`, which ingest's
 * router, the CDK app's API and the local server read), and the shapes it reads are the
 * contracts' read-side views (`@imgpipe/contracts/views`), which this library may import and
 * the contracts may not import back. It is DOM-free (global `fetch`, `FormData`, `Blob`,
 * `URLSearchParams`: browsers and Node 20 alike) and pulls in neither the AWS SDK nor the
 * event contracts, so the browser bundle takes it as it is.
 *
 * Every answer is validated by its zod schema (tolerant reading: see views.ts); an answer
 * that does not fit at all is an {@link ApiError} `BAD_RESPONSE`. Every method rejects with
 * an {@link ApiError} only.
 */
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import {
  DashboardStatsSchema,
  DeleteResultSchema,
  ErrorBodySchema,
  ImageChangeSchema,
  ImageDetailsSchema,
  ImageListSchema,
  ImageRecordViewSchema,
  OriginalDownloadSchema,
  UploadGrantSchema,
  type DashboardStats,
  type ImageChange,
  type ImageDetails,
  type ImageList,
  type ImageListFilter,
  type ImageRecordView,
  type OriginalDownload,
  type UploadGrant,
  type UploadRequest,
} from '@imgpipe/contracts/views';
import * as z from 'zod/mini';
import { API_ROUTES, type ApiRouteName } from './api-routes';

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/**
 * A request the server refused or could not answer. `status` is the HTTP status, or 0
 * when the server was not reached. `code` is the server's code (`INVALID_REQUEST`,
 * `TOO_LARGE`, `NOT_FOUND`, `UNAUTHENTICATED` ..., or object storage's own, e.g.
 * `AccessDenied`) or one of the client's: `NETWORK`, `BAD_RESPONSE`, `HTTP_<status>`.
 */
export class ApiError extends ImgpipeError {
  override readonly name = 'ApiError';
  /** The HTTP status (0 when the server was not reached). */
  readonly status: number;
  /** For `INVALID_REQUEST`: the fields at fault. */
  readonly fields: readonly string[];
  /** The answer's body as sent (for diagnostics and tests); `''` when there was none. */
  readonly body: string;

  constructor(options: {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    readonly fields?: readonly string[];
    readonly body?: string;
    readonly retryable?: boolean;
    readonly cause?: unknown;
  }) {
    super(options);
    this.status = options.status;
    this.fields = options.fields ?? [];
    this.body = options.body ?? '';
  }
}

/** What to say when an error answer carries no `{ code, message }` of its own. */
const STATUS_MESSAGES: Readonly<Record<number, string>> = {
  400: 'The server refused the request as malformed.',
  401: 'You are not signed in, or your sign-in has expired.',
  403: 'This is not allowed.',
  404: 'Not found.',
  413: 'The file is too large.',
  429: 'Too many requests; wait a moment and try again.',
  500: 'The request failed on the server.',
  502: 'The server is unavailable; try again.',
  503: 'The server is unavailable; try again.',
  504: 'The server took too long to answer; try again.',
};

/** `text` parsed as JSON; `undefined` when it is empty or not JSON. */
function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Object storage's XML error (`<Error><Code>…</Code><Message>…</Message>`), read as data. */
function storageError(text: string): { readonly code: string; readonly message?: string } | undefined {
  if (!text.trimStart().startsWith('<') || !text.includes('<Error>')) return undefined;
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
  return code ? { code, ...(message ? { message } : {}) } : undefined;
}

/**
 * The error an answer stands for: its JSON `{ code, message, fields? }` when it has one,
 * object storage's XML `Code` and `Message`, else a message for the status (a proxy's HTML
 * page is never shown).
 *
 * @example
 * parseApiError(413, '{"code":"TOO_LARGE","message":"bytes: 30000000 is over the upload limit"}');
 * // ApiError { status: 413, code: 'TOO_LARGE', message: 'bytes: 30000000 is over ...' }
 */
export function parseApiError(status: number, bodyText: string): ApiError {
  const body = z.safeParse(ErrorBodySchema, parseJson(bodyText));
  if (body.success) return new ApiError({ status, code: body.data.code, message: body.data.message, fields: body.data.fields, body: bodyText });
  const storage = storageError(bodyText);
  if (storage) return new ApiError({ status, code: storage.code, message: storage.message ?? `The storage service refused the upload (${storage.code}).`, body: bodyText });
  const fallback =
    STATUS_MESSAGES[status] ??
    (status >= 500 ? 'The request failed on the server.' : `The server refused the request (HTTP ${status}).`);
  return new ApiError({ status, code: `HTTP_${status}`, message: fallback, body: bodyText });
}

/** A sentence for a person, for any error the client throws. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? error.message : `${error.message} (${error.code})`;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

function badResponse(what: string, cause?: unknown): ApiError {
  return new ApiError({ status: 200, code: 'BAD_RESPONSE', message: `The server's answer to ${what} could not be read.`, cause });
}

/** `value` read by `schema`, or an {@link ApiError} `BAD_RESPONSE` naming `what`. */
function read<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) throw badResponse(what, parsed.error);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------
// Decoders: unknown JSON -> the views' shapes
// ---------------------------------------------------------------------------------------

/** An image record, or `undefined` when `value` lacks its key (`imageId`, `userId`, `uploadedAt`). */
export function decodeImageView(value: unknown): ImageRecordView | undefined {
  const parsed = z.safeParse(ImageRecordViewSchema, value);
  return parsed.success ? parsed.data : undefined;
}

/** @throws ApiError `BAD_RESPONSE` when `value` is not a listing. */
export const decodeImageList = (value: unknown): ImageList => read(ImageListSchema, value, 'the image list');

/** @throws ApiError `BAD_RESPONSE` when `value` is not an image's details. */
export const decodeImageDetails = (value: unknown): ImageDetails => read(ImageDetailsSchema, value, 'the image');

/** @throws ApiError `BAD_RESPONSE` when `value` is not an upload grant. */
export const decodeUploadGrant = (value: unknown): UploadGrant => read(UploadGrantSchema, value, 'the upload request');

/** @throws ApiError `BAD_RESPONSE` when `value` is not a stats object. */
export const decodeStats = (value: unknown): DashboardStats => read(DashboardStatsSchema, value, 'the statistics');

/** The data of an `image` server-sent event, or `undefined` for one that is not. */
export function decodeImageChange(value: unknown): ImageChange | undefined {
  const parsed = z.safeParse(ImageChangeSchema, value);
  return parsed.success ? parsed.data : undefined;
}

/** Parses a server-sent event's `data` text as JSON; `undefined` when it is not JSON. */
export function parseEventData(text: string): unknown {
  return parseJson(text);
}

// ---------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------

/**
 * The path of an API route (`API_ROUTES`) with its `{id}` filled in, encoded.
 *
 * @example routePath('restoreImage', 'a b'); // '/images/a%20b/restore'
 */
export function routePath(name: ApiRouteName, id?: string): string {
  const route = API_ROUTES.find((r) => r.name === name) as (typeof API_ROUTES)[number];
  if (!route.path.includes('{id}')) return route.path;
  if (id === undefined) throw new TypeError(`the route ${name} (${route.routeKey}) needs an id`);
  return route.path.replace('{id}', encodeURIComponent(id));
}

/** The HTTP method of an API route. */
const methodOf = (name: ApiRouteName): string => (API_ROUTES.find((r) => r.name === name) as (typeof API_ROUTES)[number]).method;

/** Encodes each `/`-separated segment of an object key for use in a URL path. */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/**
 * The public URL of a processed object: `<cdnBaseUrl>/<key>` — `/cdn/<key>` locally,
 * `/<key>` at the root of the UI's CloudFront distribution (`cdnBaseUrl` `''`). The
 * full-size image's negotiated URL is the delivery record's own `negotiatedUrl` (built by
 * `@imgpipe/delivery` from its versioned key), never derived here.
 *
 * @example cdnUrl('thumbnails/u1/img1/small.jpg', '/cdn'); // '/cdn/thumbnails/u1/img1/small.jpg'
 */
export function cdnUrl(key: string, cdnBaseUrl: string): string {
  return `${cdnBaseUrl}/${encodeKeyPath(key)}`;
}

/**
 * The URL of the live stream (the config's `eventsUrl`) for `token`, which travels in the
 * `access_token` query parameter (EventSource sends no headers).
 *
 * @example eventsUrl('/api/events', 'a.b+c'); // '/api/events?access_token=a.b%2Bc'
 */
export function eventsUrl(streamUrl: string, token: string): string {
  const separator = streamUrl.includes('?') ? '&' : '?';
  return `${streamUrl}${separator}access_token=${encodeURIComponent(token)}`;
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** `fetch` called through a closure: a bare `window.fetch` called as a method throws "Illegal invocation". */
const globalFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

export interface JsonRequest {
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
  /** Sent as `Authorization: Bearer <token>` when set. */
  readonly token?: string | null;
}

/**
 * One JSON request: the answer's JSON (`{}` for an empty body), or an {@link ApiError}
 * (`NETWORK` when the server was not reached, the server's error otherwise).
 */
export async function requestJson(doFetch: FetchLike, request: JsonRequest): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.token) headers['authorization'] = `Bearer ${request.token}`;

  let response: Response;
  try {
    response = await doFetch(request.url, {
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'The server could not be reached. Check your connection and try again.', cause });
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw parseApiError(response.status, text);
  const value = parseJson(text);
  // 202/204 answers may carry no body.
  return value === undefined ? {} : value;
}

/**
 * `POST <loginUrl> {"user"}` (the config's `auth.loginUrl`, `dev` sign-in; `/auth/dev-login`
 * locally): a development user's token. Sends no bearer token; the local runtime allows it
 * on loopback only.
 *
 * @throws ApiError the server's refusal (`FORBIDDEN` off loopback, `INVALID_USER` ...).
 */
export async function devLogin(loginUrl: string, user: string, fetch: FetchLike = globalFetch): Promise<string> {
  const value = await requestJson(fetch, { method: 'POST', url: loginUrl, body: { user } });
  const token = typeof value === 'object' && value !== null ? (value as { token?: unknown }).token : undefined;
  if (typeof token !== 'string' || token === '') throw badResponse('the sign-in');
  return token;
}

/**
 * POSTs a file with a grant's fields to the grant's URL, the way a browser form does (the
 * fields in order, then `file`).
 *
 * @throws ApiError object storage's refusal (its XML `Code`, e.g. `AccessDenied`), or `NETWORK`.
 */
export async function postToGrant(
  grant: Pick<UploadGrant, 'url' | 'fields'>,
  bytes: Uint8Array,
  contentType: string,
  filename: string,
  fetch: FetchLike = globalFetch,
): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
  form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType }), filename);
  let response: Response;
  try {
    response = await fetch(grant.url, { method: 'POST', body: form });
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'The storage service could not be reached.', cause });
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw parseApiError(response.status, text);
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

export interface ApiClientOptions {
  /** Prefix of the API's routes (`/uploads`, `/images` ...): `/api` locally (or `http://127.0.0.1:3000/api`), the HTTP API's URL on AWS. */
  readonly apiBaseUrl: string;
  /** Prefix of processed-object URLs (`/cdn` locally, `''` behind CloudFront). */
  readonly cdnBaseUrl: string;
  /** `GET` pipeline-wide stats here; `null` or absent: the client has no `getStats`. */
  readonly statsUrl?: string | null;
  /**
   * The bearer token to send, read on every call (it changes on sign-in, refresh and
   * sign-out). May wait, e.g. for a refresh of a token about to expire.
   */
  readonly getToken: () => string | null | Promise<string | null>;
  /** Called when an authenticated call answers 401 (expired or revoked token). */
  readonly onUnauthorized?: (error: ApiError) => void;
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
}

/** The upload API, one method a route of `API_ROUTES`. Every method rejects with an {@link ApiError} only. */
export interface ApiClient {
  /** `POST <api>/uploads`: a presigned POST grant for one file. */
  createUpload(request: UploadRequest): Promise<UploadGrant>;
  /**
   * `GET <api>/images?limit&cursor&status&format&q`: a page of the caller's images, newest
   * first, filtered by the server (see {@link ImageListFilter}); the first page (no `cursor`)
   * carries `total`, the count of every matching image. `status: 'deleted'` lists the
   * recently deleted ones still restorable, with `deletedAt` and `undoUntil`. A page may be
   * short and still have a `cursor`. Pass the same filter with the `cursor`.
   * @throws ApiError 400 `INVALID_REQUEST` naming `status`, `format` or `q` for a value the server refuses.
   */
  listImages(page?: ImageListFilter & { readonly limit?: number; readonly cursor?: string }): Promise<ImageList>;
  /** `GET <api>/images/{id}`: one image and its whole event history. */
  getImage(imageId: string): Promise<ImageDetails>;
  /**
   * `GET <api>/images/{id}/original`: a short-lived signed URL of the caller's original,
   * with the original's file name beside it.
   * @throws ApiError 404 for an unknown image, another user's, or a purged one.
   */
  getOriginal(imageId: string): Promise<OriginalDownload>;
  /** `DELETE <api>/images/{id}`: removes the derivatives at once; the original stays until `undoUntil`. */
  deleteImage(imageId: string): Promise<DeleteResult>;
  /**
   * `POST <api>/images/{id}/restore`: undoes a delete within its undo window; the image is
   * processed again (answered as `processing`).
   * @throws ApiError 409 `NOT_DELETED`, `UNDO_WINDOW_PASSED`, `ORIGINAL_GONE` ...; 404 for an unknown image.
   */
  restoreImage(imageId: string): Promise<ImageRecordView>;
  /** `GET <statsUrl>`: the pipeline-wide dashboard figures; absent when the deployment has no stats route. */
  readonly getStats?: () => Promise<DashboardStats>;
  /** The public URL of a processed object (a thumbnail, a compressed variant). */
  objectUrl(key: string): string;
}

/** `DELETE <api>/images/{id}`. */
export interface DeleteResult {
  readonly imageId: string;
  readonly deletedKeys: readonly string[];
  /** Until when the delete can be undone (`restoreImage`); absent from a server without undo. */
  readonly undoUntil?: string;
}

/**
 * The client of the upload API at `apiBaseUrl`.
 *
 * @example
 * const api = createApiClient({ apiBaseUrl: config.apiBaseUrl, cdnBaseUrl: config.cdnBaseUrl, getToken: () => session.token() });
 * const { items, cursor } = await api.listImages({ limit: 20 });
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? globalFetch;

  async function call(name: ApiRouteName, id?: string, body?: unknown, query = ''): Promise<unknown> {
    return authenticated(methodOf(name), `${options.apiBaseUrl}${routePath(name, id)}${query}`, body);
  }

  async function authenticated(method: string, url: string, body?: unknown): Promise<unknown> {
    let token: string | null;
    try {
      token = await options.getToken();
    } catch (cause) {
      throw new ApiError({ status: 401, code: 'UNAUTHENTICATED', message: 'You are not signed in, or your sign-in has expired.', cause });
    }
    try {
      return await requestJson(doFetch, { method, url, body, token });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) options.onUnauthorized?.(error);
      throw error;
    }
  }

  const statsUrl = options.statsUrl;
  return {
    async createUpload(upload) {
      return decodeUploadGrant(await call('createUpload', undefined, upload));
    },
    async listImages(page = {}) {
      const query = new URLSearchParams();
      if (page.limit !== undefined) query.set('limit', String(page.limit));
      if (page.cursor !== undefined) query.set('cursor', page.cursor);
      if (page.status !== undefined && page.status !== 'active') query.set('status', page.status);
      if (page.format !== undefined) query.set('format', page.format);
      const q = page.q?.trim();
      if (q) query.set('q', q);
      const search = query.toString();
      return decodeImageList(await call('listImages', undefined, undefined, search ? `?${search}` : ''));
    },
    async getImage(imageId) {
      return decodeImageDetails(await call('getImage', imageId));
    },
    async getOriginal(imageId) {
      return read(OriginalDownloadSchema, await call('getOriginal', imageId), 'the original');
    },
    async deleteImage(imageId) {
      const { deletedKeys, undoUntil } = read(DeleteResultSchema, await call('deleteImage', imageId), 'the delete');
      return { imageId, deletedKeys, ...(undoUntil !== undefined ? { undoUntil } : {}) };
    },
    async restoreImage(imageId) {
      const image = decodeImageView(await call('restoreImage', imageId));
      if (!image) throw badResponse('the restore');
      return image;
    },
    ...(statsUrl ? { getStats: async () => decodeStats(await authenticated('GET', statsUrl)) } : {}),
    objectUrl: (key) => cdnUrl(key, options.cdnBaseUrl),
  };
}
