import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import type { CreateUploadRequest, CreateUploadResult, ErrorBody, HistoryEntry, ImageDetails, ImageView } from '@imgpipe/ingest';
import type { ImageChange, ReplayResult } from '@imgpipe/local';
import type { ImageMetadata } from '@imgpipe/metadata';
import { readServerSentEvents } from './sse';

/** An image record as `GET /api/images/{id}` returns it: the key and the projection's attributes. */
export type ImageRecordView = ImageView & Partial<ImageMetadata>;

/** `GET /api/images/{id}`, with the record typed as the metadata projection writes it. */
export interface ImageDetailsView extends Omit<ImageDetails, 'image'> {
  readonly image: ImageRecordView | null;
  readonly history: HistoryEntry[];
}

/** A `/admin/replay` request body (the local runtime's replay). */
export interface ReplayBody {
  readonly from: string;
  readonly to?: string;
  readonly detailTypes?: readonly string[];
  readonly name?: string;
  /** Only these images' events; a runtime that does not know the field ignores it. */
  readonly imageIds?: readonly string[];
}

/** A non-2xx answer of the runtime, with its `{ code, message }` when it sent one. */
export class ApiError extends ImgpipeError {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(options: { readonly status: number; readonly code: string; readonly message: string; readonly cause?: unknown }) {
    super(options);
    this.status = options.status;
  }
}

type Fetch = typeof fetch;

/** What a sign-in may carry besides the user. */
export interface RuntimeApiOptions {
  /**
   * Reads the runtime's operator credential (its data directory's `admin-token`) when an
   * operator action (`replay`) needs it; without it, those actions are refused here.
   */
  readonly adminToken?: () => Promise<string>;
}

async function failure(response: Response, what: string): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.code === 'string' && typeof body.message === 'string') return new ApiError({ status: response.status, code: body.code, message: body.message });
  } catch {
    // Not JSON: the object store answers in S3's XML.
  }
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
  if (code) return new ApiError({ status: response.status, code, message: `${what}: ${code}${message ? `: ${message}` : ''}` });
  return new ApiError({ status: response.status, code: `HTTP_${response.status}`, message: `${what}: HTTP ${response.status} ${text.slice(0, 300)}`.trim() });
}

/**
 * A signed-in client of a local runtime's HTTP surface, used the way the browser uses it:
 * `POST /auth/dev-login`, the ingest API under `/api`, the presigned POST straight to
 * object storage, the `/api/events` stream, and `/admin/replay`.
 */
export class RuntimeApi {
  private constructor(
    readonly baseUrl: string,
    readonly user: string,
    readonly token: string,
    private readonly fetchImpl: Fetch,
    private readonly options: RuntimeApiOptions = {},
  ) {}

  /**
   * Signs `user` in through `POST /auth/dev-login` (open to loopback only).
   * @throws ApiError when the runtime refuses the name; a `TypeError` when nothing answers.
   */
  static async signIn(baseUrl: string, user: string, fetchImpl: Fetch = fetch, options: RuntimeApiOptions = {}): Promise<RuntimeApi> {
    const base = baseUrl.replace(/\/+$/, '');
    const response = await fetchImpl(`${base}/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    if (!response.ok) throw await failure(response, 'sign-in');
    const { token } = (await response.json()) as { token?: unknown };
    if (typeof token !== 'string') throw new ApiError({ status: response.status, code: 'INVALID_RESPONSE', message: 'sign-in answered without a token' });
    return new RuntimeApi(base, user, token, fetchImpl, options);
  }

  /** `POST /api/uploads`: a grant to upload one original. */
  createUpload(request: CreateUploadRequest): Promise<CreateUploadResult> {
    return this.json<CreateUploadResult>('POST', '/api/uploads', request);
  }

  /** POSTs the file to the grant's URL as a browser form does: the fields, then `file`. */
  async upload(grant: Pick<CreateUploadResult, 'url' | 'fields'>, bytes: Uint8Array, contentType: string, filename: string): Promise<void> {
    const form = new FormData();
    for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
    form.append('file', new Blob([bytes], { type: contentType }), filename);
    const response = await this.fetchImpl(grant.url, { method: 'POST', body: form });
    if (!response.ok) throw await failure(response, 'upload');
    await response.arrayBuffer();
  }

  /** `GET /api/images/{id}`: the record and the whole history. @throws ApiError 404 for an unknown (or another user's) image. */
  image(imageId: string): Promise<ImageDetailsView> {
    return this.json<ImageDetailsView>('GET', `/api/images/${encodeURIComponent(imageId)}`);
  }

  /**
   * `POST /admin/replay`, an operator action: sent with the admin token, never the user's.
   * @throws ApiError `ADMIN_TOKEN_UNAVAILABLE` when this client was given no way to read it.
   */
  async replay(body: ReplayBody): Promise<ReplayResult> {
    if (!this.options.adminToken) {
      throw new ApiError({ status: 0, code: 'ADMIN_TOKEN_UNAVAILABLE', message: 'replay is an operator action: it needs the runtime’s admin token (<data dir>/admin-token)' });
    }
    return this.json<ReplayResult>('POST', '/admin/replay', body, await this.options.adminToken());
  }

  /**
   * The `image` events of `/api/events` (this user's images changing) until `signal` aborts
   * or the stream ends.
   */
  async *imageChanges(signal: AbortSignal): AsyncGenerator<ImageChange> {
    const response = await this.fetchImpl(`${this.baseUrl}/api/events?access_token=${encodeURIComponent(this.token)}`, {
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!response.ok || !response.body) throw await failure(response, 'event stream');
    try {
      for await (const message of readServerSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
        if (message.event !== 'image') continue;
        yield JSON.parse(message.data) as ImageChange;
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  private async json<T>(method: string, path: string, body?: unknown, bearer: string = this.token): Promise<T> {
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw await failure(response, `${method} ${path}`);
    return (await response.json()) as T;
  }
}
