import type { ReplayResult } from '@imgpipe/local';
import type { ImageChange, ImageDetails, ImageRecordView, UploadGrant, UploadRequest } from '@imgpipe/contracts/views';
import {
  ApiError,
  createApiClient,
  decodeImageChange,
  devLogin,
  parseEventData,
  postToGrant,
  requestJson,
  type ApiClient,
  type FetchLike,
} from '@imgpipe/workflow/api-client';
import { readServerSentEvents } from './sse';

export { ApiError };

/** An image record as `GET /api/images/{id}` returns it: the contracts' one image record. */
export type { ImageRecordView };

/** `GET /api/images/{id}`: the record (`null` until projected) and the whole history. */
export type ImageDetailsView = ImageDetails;

/** A `/admin/replay` request body (the local runtime's replay). */
export interface ReplayBody {
  readonly from: string;
  readonly to?: string;
  readonly detailTypes?: readonly string[];
  readonly name?: string;
  /** Only these images' events; a runtime that does not know the field ignores it. */
  readonly imageIds?: readonly string[];
}

/** What a sign-in may carry besides the user. */
export interface RuntimeApiOptions {
  /**
   * Reads the runtime's operator credential (its data directory's `admin-token`) when an
   * operator action (`replay`) needs it; without it, those actions are refused here.
   */
  readonly adminToken?: () => Promise<string>;
}

/**
 * A signed-in client of a local runtime's HTTP surface, used the way the browser uses it:
 * `POST /auth/dev-login`, the upload API under `/api` (the project's one API client,
 * `@imgpipe/workflow/api-client`), the presigned POST straight to object storage, the
 * `/api/events` stream, and `/admin/replay` (local operator actions, not part of the API).
 */
export class RuntimeApi {
  /** The upload API under `<baseUrl>/api`, signed in as {@link user}. */
  readonly client: ApiClient;

  private constructor(
    readonly baseUrl: string,
    readonly user: string,
    readonly token: string,
    private readonly fetchImpl: FetchLike,
    private readonly options: RuntimeApiOptions = {},
  ) {
    this.client = createApiClient({ apiBaseUrl: `${baseUrl}/api`, cdnBaseUrl: `${baseUrl}/cdn`, getToken: () => token, fetch: fetchImpl });
  }

  /**
   * Signs `user` in through `POST /auth/dev-login` (open to loopback only).
   * @throws ApiError when the runtime refuses the name, `NETWORK` when nothing answers.
   */
  static async signIn(baseUrl: string, user: string, fetchImpl: FetchLike = fetch, options: RuntimeApiOptions = {}): Promise<RuntimeApi> {
    const base = baseUrl.replace(/\/+$/, '');
    const token = await devLogin(`${base}/auth/dev-login`, user, fetchImpl);
    return new RuntimeApi(base, user, token, fetchImpl, options);
  }

  /** `POST /api/uploads`: a grant to upload one original. */
  createUpload(request: UploadRequest): Promise<UploadGrant> {
    return this.client.createUpload(request);
  }

  /** POSTs the file to the grant's URL as a browser form does: the fields, then `file`. */
  upload(grant: Pick<UploadGrant, 'url' | 'fields'>, bytes: Uint8Array, contentType: string, filename: string): Promise<void> {
    return postToGrant(grant, bytes, contentType, filename, this.fetchImpl);
  }

  /** `GET /api/images/{id}`: the record and the whole history. @throws ApiError 404 for an unknown (or another user's) image. */
  image(imageId: string): Promise<ImageDetailsView> {
    return this.client.getImage(imageId);
  }

  /** The public URL of a processed object of this runtime (`<baseUrl>/cdn/<key>`). */
  objectUrl(key: string): string {
    return this.client.objectUrl(key);
  }

  /**
   * `POST /admin/replay`, an operator action: sent with the admin token, never the user's.
   * @throws ApiError `ADMIN_TOKEN_UNAVAILABLE` when this client was given no way to read it.
   */
  async replay(body: ReplayBody): Promise<ReplayResult> {
    if (!this.options.adminToken) {
      throw new ApiError({ status: 0, code: 'ADMIN_TOKEN_UNAVAILABLE', message: 'replay is an operator action: it needs the runtime’s admin token (<data dir>/admin-token)' });
    }
    const token = await this.options.adminToken();
    return (await requestJson(this.fetchImpl, { method: 'POST', url: `${this.baseUrl}/admin/replay`, body, token })) as ReplayResult;
  }

  /**
   * The `image` events of `/api/events` (this user's images changing) until `signal` aborts
   * or the stream ends.
   */
  async *imageChanges(signal: AbortSignal): AsyncGenerator<ImageChange> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}/api/events?access_token=${encodeURIComponent(this.token)}`, {
        headers: { accept: 'text/event-stream' },
        signal,
      });
    } catch (cause) {
      if (signal.aborted) return;
      throw new ApiError({ status: 0, code: 'NETWORK', message: 'event stream: the runtime could not be reached', cause });
    }
    if (!response.ok || !response.body) throw new ApiError({ status: response.status, code: `HTTP_${response.status}`, message: `event stream: HTTP ${response.status}` });
    try {
      for await (const message of readServerSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
        if (message.event !== 'image') continue;
        // Validated by the contracts' schema, as every answer of the API client is.
        const change = decodeImageChange(parseEventData(message.data));
        if (change) yield change;
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }
}
