/**
 * The client of the HTTP surface the UI is served with, at the places `config.json` names
 * (see config.ts): the upload API (`<apiBaseUrl>/uploads`, `/images`, `/images/{id}`), the
 * stats (`statsUrl`, local only), the development sign-in (`auth.loginUrl`), and the URLs of
 * processed objects (`<cdnBaseUrl>/<key>`) and of the event stream (`eventsUrl`).
 *
 * Every answer is read with a tolerant decoder: unknown fields are dropped, a field of the
 * wrong type is treated as absent, and an answer that is not the expected shape at all is
 * an {@link ApiError} with code `BAD_RESPONSE` — the pages never see `unknown`.
 */
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { IMAGE_STATUSES, type DashboardStats, type HistoryEntry, type ImageChange, type ImageStatus } from '@imgpipe/contracts/views';
import { defined, isRecord, num, parseJson, str, type Json } from './json';

// ---------------------------------------------------------------------------------------
// Wire types. The shared read-side shapes come from `@imgpipe/contracts/views`; the image
// view below is the client's tolerant reading of the read-model record the API returns.
// ---------------------------------------------------------------------------------------

export { IMAGE_STATUSES };
export type { DashboardStats, HistoryEntry, ImageChange, ImageStatus };

/** Why the last pipeline run of an image failed. */
export interface ImageFailure {
  /** A stable code, e.g. `CORRUPT`, `TOO_LARGE`, `TRANSIENT_EXHAUSTED`. */
  readonly code: string;
  /** A sentence a person can read. */
  readonly reason: string;
  /** The stage that failed: `ingest`, `compress`, `thumbnail`, `record`, `notify`. */
  readonly stage: string;
}

/** One image as `GET <api>/images` and `GET <api>/images/{id}` show it (the read-model record). */
export interface ImageView {
  readonly imageId: string;
  readonly userId: string;
  /** ISO 8601; the listing is ordered by it, newest first. */
  readonly uploadedAt: string;
  readonly status: ImageStatus;
  /** `uploads/{userId}/{imageId}/{sanitized filename}`. */
  readonly originalKey?: string;
  readonly originalSize?: number;
  /** The original's real format (`jpeg`, `png`, `heif` ...). */
  readonly format?: string;
  readonly width?: number;
  readonly height?: number;
  readonly renditionsVersion?: string;
  /** Key of the primary full-size variant, e.g. `compressed/{user}/{id}/full.webp`. */
  readonly compressedKey?: string;
  readonly compressedSize?: number;
  /** Negative when the compressed variant is larger than the original. */
  readonly savingsPercent?: number;
  /** Rendition name -> object key, e.g. `small` -> `thumbnails/{user}/{id}/small.jpg`. */
  readonly thumbnails?: Readonly<Record<string, string>>;
  readonly processingTimeMs?: number;
  /** Set while `status` is `failed`. */
  readonly failure?: ImageFailure;
  readonly deletedAt?: string;
  /** Set on a deleted image: until when `restoreImage` can undo the delete; after it the original is erased. */
  readonly undoUntil?: string;
  readonly updatedAt?: string;
}


/** `GET <api>/images/{id}`. */
export interface ImageDetails {
  readonly imageId: string;
  /** `null` until the metadata projection has caught up with the history. */
  readonly image: ImageView | null;
  readonly history: readonly HistoryEntry[];
}

/** `GET <api>/images`: a page of the caller's images, newest first. */
export interface ImageList {
  readonly items: readonly ImageView[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly cursor?: string;
}

/** `POST <api>/uploads` body: what the client declares about the file it will upload. */
export interface UploadRequest {
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: number;
}

/** A grant to upload one original: POST `fields`, then the file as `file`, to `url`. */
export interface UploadGrant {
  readonly imageId: string;
  readonly key: string;
  readonly url: string;
  /** Form fields in the order they must be sent. */
  readonly fields: Readonly<Record<string, string>>;
  /** ISO 8601; the storage service refuses the upload after it. */
  readonly expiresAt: string;
}

/** `DELETE <api>/images/{id}`. */
export interface DeleteResult {
  readonly imageId: string;
  readonly deletedKeys: readonly string[];
  /** Until when the delete can be undone (`restoreImage`); absent from a server without undo. */
  readonly undoUntil?: string;
}

/** Which of the caller's images a listing shows: the gallery's (`active`) or the recently deleted, still restorable. */
export type ImageListStatus = 'active' | 'deleted';



// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/**
 * A request the server refused or could not answer. `status` is the HTTP status, or 0
 * when the server was not reached. `code` is the server's code (`INVALID_REQUEST`,
 * `TOO_LARGE`, `NOT_FOUND`, `UNAUTHENTICATED` ...) or one of the client's own:
 * `NETWORK`, `BAD_RESPONSE`, `HTTP_<status>`.
 */
export class ApiError extends ImgpipeError {
  override readonly name = 'ApiError';
  /** The API's HTTP status (0 when it was not reached). */
  readonly status: number;
  /** For `INVALID_REQUEST`: the fields at fault. */
  readonly fields: readonly string[];

  constructor(options: {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    readonly fields?: readonly string[];
    readonly retryable?: boolean;
    readonly cause?: unknown;
  }) {
    super(options);
    this.status = options.status;
    this.fields = options.fields ?? [];
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

/**
 * The error an `/api` or `/auth` answer stands for: its JSON `{ code, message, fields? }`
 * when it has one, else a message for the status (a proxy's HTML page is never shown).
 *
 * @example
 * parseApiError(413, '{"code":"TOO_LARGE","message":"bytes: 30000000 is over the upload limit"}');
 * // ApiError { status: 413, code: 'TOO_LARGE', message: 'bytes: 30000000 is over ...' }
 */
export function parseApiError(status: number, bodyText: string): ApiError {
  const body = parseJson(bodyText);
  if (isRecord(body) && typeof body['code'] === 'string' && typeof body['message'] === 'string') {
    const fields = Array.isArray(body['fields']) ? body['fields'].filter((f): f is string => typeof f === 'string') : [];
    return new ApiError({ status, code: body['code'], message: body['message'], fields });
  }
  const fallback =
    STATUS_MESSAGES[status] ??
    (status >= 500 ? 'The request failed on the server.' : `The server refused the request (HTTP ${status}).`);
  return new ApiError({ status, code: `HTTP_${status}`, message: fallback });
}

/** A sentence for a person, for any error the client throws. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? error.message : `${error.message} (${error.code})`;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

// ---------------------------------------------------------------------------------------
// Decoders: unknown JSON -> the types above
// ---------------------------------------------------------------------------------------


function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function numberMap(value: unknown): Record<string, number> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => num(entry[1]) !== undefined));
}

/** The status, or `processing` for one this client does not know (a newer server's). */
function decodeStatus(value: unknown): ImageStatus {
  return (IMAGE_STATUSES as readonly unknown[]).includes(value) ? (value as ImageStatus) : 'processing';
}

function decodeFailure(value: unknown): ImageFailure | undefined {
  if (!isRecord(value)) return undefined;
  const code = str(value['code']);
  const reason = str(value['reason']);
  if (code === undefined && reason === undefined) return undefined;
  return { code: code ?? 'UNKNOWN', reason: reason ?? 'No reason was recorded.', stage: str(value['stage']) ?? 'unknown' };
}

/** An image record, or `undefined` when `value` lacks its key (`imageId`, `userId`, `uploadedAt`). */
export function decodeImageView(value: unknown): ImageView | undefined {
  if (!isRecord(value)) return undefined;
  const imageId = str(value['imageId']);
  const userId = str(value['userId']);
  const uploadedAt = str(value['uploadedAt']);
  if (imageId === undefined || userId === undefined || uploadedAt === undefined) return undefined;
  return defined<ImageView>({
    imageId,
    userId,
    uploadedAt,
    status: decodeStatus(value['status']),
    originalKey: str(value['originalKey']),
    originalSize: num(value['originalSize']),
    format: str(value['format']),
    width: num(value['width']),
    height: num(value['height']),
    renditionsVersion: str(value['renditionsVersion']),
    compressedKey: str(value['compressedKey']),
    compressedSize: num(value['compressedSize']),
    savingsPercent: num(value['savingsPercent']),
    thumbnails: stringMap(value['thumbnails']),
    processingTimeMs: num(value['processingTimeMs']),
    failure: decodeFailure(value['failure']),
    deletedAt: str(value['deletedAt']),
    undoUntil: str(value['undoUntil']),
    updatedAt: str(value['updatedAt']),
  });
}

function badResponse(what: string): ApiError {
  return new ApiError({ status: 200, code: 'BAD_RESPONSE', message: `The server's answer to ${what} could not be read.` });
}

/** @throws ApiError `BAD_RESPONSE` when `value` is not a listing. */
export function decodeImageList(value: unknown): ImageList {
  if (!isRecord(value) || !Array.isArray(value['items'])) throw badResponse('the image list');
  const items = value['items'].map(decodeImageView).filter((item): item is ImageView => item !== undefined);
  const cursor = str(value['cursor']);
  return cursor ? { items, cursor } : { items };
}

/** The event's `detail.data`: ingest sends it as `data`; a whole `detail` envelope is read too. */
function historyData(value: Json): unknown {
  if ('data' in value) return value['data'] ?? null;
  const detail = value['detail'];
  return isRecord(detail) && 'data' in detail ? (detail['data'] ?? null) : null;
}

function decodeHistoryEntry(value: unknown): HistoryEntry | undefined {
  if (!isRecord(value)) return undefined;
  const sequence = num(value['sequence']);
  const detailType = str(value['detailType']);
  if (sequence === undefined || detailType === undefined) return undefined;
  return defined<HistoryEntry>({
    sequence,
    eventId: str(value['eventId']) ?? String(sequence),
    detailType,
    source: str(value['source']) ?? 'unknown',
    occurredAt: str(value['occurredAt']) ?? '',
    correlationId: str(value['correlationId']),
    data: historyData(value),
  });
}

/** @throws ApiError `BAD_RESPONSE` when `value` is not an image's details. */
export function decodeImageDetails(value: unknown): ImageDetails {
  if (!isRecord(value)) throw badResponse('the image');
  const image = decodeImageView(value['image']) ?? null;
  const imageId = str(value['imageId']) ?? image?.imageId;
  if (imageId === undefined) throw badResponse('the image');
  const history = (Array.isArray(value['history']) ? value['history'] : [])
    .map(decodeHistoryEntry)
    .filter((entry): entry is HistoryEntry => entry !== undefined)
    .sort((a, b) => a.sequence - b.sequence);
  return { imageId, image, history };
}

/** @throws ApiError `BAD_RESPONSE` when `value` is not an upload grant. */
export function decodeUploadGrant(value: unknown): UploadGrant {
  if (!isRecord(value)) throw badResponse('the upload request');
  const imageId = str(value['imageId']);
  const key = str(value['key']);
  const url = str(value['url']);
  const fields = stringMap(value['fields']);
  if (imageId === undefined || key === undefined || url === undefined || fields === undefined) {
    throw badResponse('the upload request');
  }
  return { imageId, key, url, fields, expiresAt: str(value['expiresAt']) ?? '' };
}

/** @throws ApiError `BAD_RESPONSE` when `value` is not a stats object. */
export function decodeStats(value: unknown): DashboardStats {
  if (!isRecord(value)) throw badResponse('the statistics');
  const count = (name: string) => num(value[name]) ?? 0;
  return {
    processed: count('processed'),
    failed: count('failed'),
    failedByCode: numberMap(value['failedByCode']),
    processing: count('processing'),
    p50Ms: num(value['p50Ms']) ?? null,
    p95Ms: num(value['p95Ms']) ?? null,
    bytesSaved: count('bytesSaved'),
    originalBytes: count('originalBytes'),
    dlqDepth: count('dlqDepth'),
  };
}

/** The data of an `image` server-sent event, or `undefined` for one that is not. */
export function decodeImageChange(value: unknown): ImageChange | undefined {
  if (!isRecord(value)) return undefined;
  const imageId = str(value['imageId']);
  if (imageId === undefined) return undefined;
  const status = (IMAGE_STATUSES as readonly unknown[]).includes(value['status'])
    ? (value['status'] as ImageStatus)
    : undefined;
  return defined<ImageChange>({
    imageId,
    detailType: str(value['detailType']) ?? 'unknown',
    status,
    occurredAt: str(value['occurredAt']),
  });
}

/** Parses a server-sent event's `data` text as JSON; `undefined` when it is not JSON. */
export function parseEventData(text: string): unknown {
  return parseJson(text);
}

// ---------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------

/** Encodes each `/`-separated segment of an object key for use in a URL path. */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/**
 * The public URL of a processed object: `<cdnBaseUrl>/<key>` — `/cdn/<key>` locally,
 * `/<key>` at the root of the UI's CloudFront distribution (`cdnBaseUrl` `''`).
 *
 * @example cdnUrl('thumbnails/u1/img1/small.jpg', '/cdn'); // '/cdn/thumbnails/u1/img1/small.jpg'
 */
export function cdnUrl(key: string, cdnBaseUrl: string): string {
  return `${cdnBaseUrl}/${encodeKeyPath(key)}`;
}

/**
 * The negotiated full-size URL: the compressed key without its extension, for which the
 * CDN picks AVIF, WebP or JPEG from the browser's `Accept` header.
 *
 * @example negotiatedUrl('compressed/u1/img1/full.webp', ''); // '/compressed/u1/img1/full'
 */
export function negotiatedUrl(compressedKey: string, cdnBaseUrl: string): string {
  const slash = compressedKey.lastIndexOf('/');
  const dot = compressedKey.lastIndexOf('.');
  return cdnUrl(dot > slash ? compressedKey.slice(0, dot) : compressedKey, cdnBaseUrl);
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
// The client
// ---------------------------------------------------------------------------------------

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** `fetch` called through a closure: a bare `window.fetch` called as a method throws "Illegal invocation". */
const globalFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

export interface ApiClientOptions {
  /** The config's `apiBaseUrl`: prefix of `/uploads` and `/images` (`/api` locally, the HTTP API's URL on AWS). */
  readonly apiBaseUrl: string;
  /** The config's `cdnBaseUrl`: prefix of processed-object URLs (`/cdn` locally, `''` behind CloudFront). */
  readonly cdnBaseUrl: string;
  /** The config's `statsUrl`; `null` or absent: the client has no `getStats`. */
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

/** The HTTP surface, one method a route. Every method rejects with an {@link ApiError} only. */
export interface ApiClient {
  /** `POST <api>/uploads`: a presigned POST grant for one file. */
  createUpload(request: UploadRequest): Promise<UploadGrant>;
  /**
   * `GET <api>/images?limit&cursor&status`: a page of the caller's images, newest first;
   * `status: 'deleted'` lists the recently deleted ones still restorable, with `deletedAt`
   * and `undoUntil`.
   */
  listImages(page?: { readonly limit?: number; readonly cursor?: string; readonly status?: ImageListStatus }): Promise<ImageList>;
  /** `GET <api>/images/{id}`: one image and its whole event history. */
  getImage(imageId: string): Promise<ImageDetails>;
  /** `DELETE <api>/images/{id}`: removes the derivatives at once; the original stays until `undoUntil`. */
  deleteImage(imageId: string): Promise<DeleteResult>;
  /**
   * `POST <api>/images/{id}/restore`: undoes a delete within its undo window; the image is
   * processed again (answered as `processing`).
   * @throws ApiError 409 `NOT_DELETED`, `UNDO_WINDOW_PASSED`, `ORIGINAL_GONE` ...; 404 for an unknown image.
   */
  restoreImage(imageId: string): Promise<ImageView>;
  /** `GET <statsUrl>`: the pipeline-wide dashboard figures; absent when the deployment has no stats route. */
  readonly getStats?: () => Promise<DashboardStats>;
  /** The public URL of a processed object (a thumbnail, a compressed variant). */
  objectUrl(key: string): string;
  /** The negotiated full-size URL of a compressed key (see {@link negotiatedUrl}). */
  negotiatedUrl(compressedKey: string): string;
}

/** The URLs of processed objects, as the pages build them. */
export type ObjectUrls = Pick<ApiClient, 'objectUrl' | 'negotiatedUrl'>;

interface RequestOptions {
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
  readonly token?: string | null;
}

/**
 * One JSON request: the answer's JSON (`{}` for an empty body), or an {@link ApiError}
 * (`NETWORK` when the server was not reached, the server's error otherwise).
 */
async function requestJson(doFetch: FetchLike, request: RequestOptions): Promise<unknown> {
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
 * `POST <loginUrl> {"user"}` (the config's `auth.loginUrl`, `dev` sign-in): a development
 * user's token. Sends no bearer token; the local runtime allows it on loopback only.
 *
 * @throws ApiError the server's refusal (`FORBIDDEN` off loopback, `INVALID_USER` ...).
 */
export async function devLogin(loginUrl: string, user: string, fetch: FetchLike = globalFetch): Promise<string> {
  const value = await requestJson(fetch, { method: 'POST', url: loginUrl, body: { user } });
  const token = isRecord(value) ? str(value['token']) : undefined;
  if (!token) throw badResponse('the sign-in');
  return token;
}

/**
 * The client of the UI's HTTP surface, at the places `config.json` names.
 *
 * @example
 * const api = createApiClient({ apiBaseUrl: config.apiBaseUrl, cdnBaseUrl: config.cdnBaseUrl, getToken: () => session.token() });
 * const { items, cursor } = await api.listImages({ limit: 20 });
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? globalFetch;

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    return authenticated(method, `${options.apiBaseUrl}${path}`, body);
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
      return decodeUploadGrant(await request('POST', '/uploads', upload));
    },
    async listImages(page = {}) {
      const query = new URLSearchParams();
      if (page.limit !== undefined) query.set('limit', String(page.limit));
      if (page.cursor !== undefined) query.set('cursor', page.cursor);
      if (page.status !== undefined && page.status !== 'active') query.set('status', page.status);
      const search = query.toString();
      return decodeImageList(await request('GET', `/images${search ? `?${search}` : ''}`));
    },
    async getImage(imageId) {
      return decodeImageDetails(await request('GET', `/images/${encodeURIComponent(imageId)}`));
    },
    async deleteImage(imageId) {
      const value = await request('DELETE', `/images/${encodeURIComponent(imageId)}`);
      const deletedKeys =
        isRecord(value) && Array.isArray(value['deletedKeys'])
          ? value['deletedKeys'].filter((k): k is string => typeof k === 'string')
          : [];
      const undoUntil = isRecord(value) ? str(value['undoUntil']) : undefined;
      return { imageId, deletedKeys, ...(undoUntil !== undefined ? { undoUntil } : {}) };
    },
    async restoreImage(imageId) {
      const image = decodeImageView(await request('POST', `/images/${encodeURIComponent(imageId)}/restore`));
      if (!image) throw badResponse('the restore');
      return image;
    },
    ...(statsUrl ? { getStats: async () => decodeStats(await authenticated('GET', statsUrl)) } : {}),
    objectUrl: (key) => cdnUrl(key, options.cdnBaseUrl),
    negotiatedUrl: (compressedKey) => negotiatedUrl(compressedKey, options.cdnBaseUrl),
  };
}
