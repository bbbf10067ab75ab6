/**
 * A small client of the runtime's HTTP surface, the way the browser uses it: sign in, ask
 * for an upload grant, POST the file to the presigned URL, read images back. For the specs,
 * the security suite and the benchmark; not part of the runtime. The API calls go through
 * the project's one API client (`@imgpipe/workflow/api-client`, answers validated by the
 * contracts' views); {@link RuntimeClient.api} stays for the raw calls an attack needs.
 */
import type { ImageDetails, ImageRecordView, UploadGrant } from '@imgpipe/contracts/views';
import { ApiError, createApiClient, devLogin, postToGrant, requestJson, type ApiClient } from '@imgpipe/workflow/api-client';

export type { UploadGrant };
/** An image record as the API returns it: the contracts' one image record. */
export type { ImageRecordView };
/** `GET /api/images/{id}`. */
export type ImageDetailsView = ImageDetails;

/**
 * A non-2xx answer: the API client's one error (`status`, the server's `code`, `body` the
 * answer as sent). The name stays for the specs that catch it.
 */
export { ApiError as HttpError };
/** POSTs a file with a grant's fields, the way a browser form does; resolves on 2xx. */
export { postToGrant };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A signed-in user of a runtime at `baseUrl`. */
export class RuntimeClient {
  /** The upload API under `<baseUrl>/api`, signed in as this user. */
  readonly client: ApiClient;

  private constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {
    this.client = createApiClient({ apiBaseUrl: `${baseUrl}/api`, cdnBaseUrl: `${baseUrl}/cdn`, getToken: () => token });
  }

  /** `POST /auth/dev-login`. */
  static async signIn(baseUrl: string, user: string): Promise<RuntimeClient> {
    return new RuntimeClient(baseUrl, await devLogin(`${baseUrl}/auth/dev-login`, user));
  }

  /**
   * A raw authenticated call to `/api/*`, for what the typed client does not do (an attack,
   * a route under test); throws {@link HttpError} unless 2xx.
   */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await requestJson((input, init) => fetch(input, init), { method, url: `${this.baseUrl}/api${path}`, body, token: this.token })) as T;
  }

  /** `POST /api/uploads`, then the file to the presigned URL as a browser form does. */
  async upload(bytes: Uint8Array, filename: string, contentType: string): Promise<UploadGrant> {
    const grant = await this.requestUpload(filename, contentType, bytes.byteLength);
    await postToGrant(grant, bytes, contentType, filename);
    return grant;
  }

  async requestUpload(filename: string, contentType: string, bytes: number): Promise<UploadGrant> {
    return this.client.createUpload({ filename, contentType, bytes });
  }

  async image(imageId: string): Promise<ImageDetailsView> {
    return this.client.getImage(imageId);
  }

  /** Polls `GET /api/images/{id}` until the image is processed or failed. */
  async waitForOutcome(imageId: string, timeoutMs = 120_000): Promise<ImageDetailsView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const details = await this.image(imageId);
        const status = details.image?.status;
        if (status === 'processed' || status === 'failed') return details;
      } catch (error) {
        // 404 until the first event of the image is recorded; 429 when the polls spent the
        // user's read budget (per-user limits): the next poll after the window goes through.
        if (!(error instanceof ApiError && (error.status === 404 || error.status === 429))) throw error;
      }
      if (Date.now() > deadline) throw new Error(`image ${imageId} did not finish within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
