/**
 * A small client of the runtime's HTTP surface, the way the browser uses it: sign in, ask
 * for an upload grant, POST the file to the presigned URL, read images back. For the specs
 * and the benchmark; not part of the runtime.
 */

import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';

export interface UploadGrant {
  readonly imageId: string;
  readonly key: string;
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface ImageRecordView {
  readonly imageId: string;
  readonly userId: string;
  readonly status: 'processing' | 'processed' | 'failed' | 'deleted';
  readonly compressedKey?: string;
  readonly thumbnails?: Readonly<Record<string, string>>;
  readonly failure?: { readonly code: string; readonly reason: string; readonly stage: string };
  readonly [attribute: string]: unknown;
}

export interface ImageDetailsView {
  readonly imageId: string;
  readonly image: ImageRecordView | null;
  readonly history: ReadonlyArray<{ readonly detailType: string; readonly sequence: number; readonly data: unknown }>;
}

/** A non-2xx answer: `code` is `HTTP_<status>`, `body` the answer as sent. */
export class HttpError extends ImgpipeError {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super({ code: `HTTP_${status}`, message: `HTTP ${status}: ${body.slice(0, 300)}` });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A signed-in user of a runtime at `baseUrl`. */
export class RuntimeClient {
  private constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** `POST /auth/dev-login`. */
  static async signIn(baseUrl: string, user: string): Promise<RuntimeClient> {
    const response = await fetch(`${baseUrl}/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    const text = await response.text();
    if (!response.ok) throw new HttpError(response.status, text);
    return new RuntimeClient(baseUrl, (JSON.parse(text) as { token: string }).token);
  }

  /** An authenticated call to `/api/*`; throws {@link HttpError} unless 2xx. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new HttpError(response.status, text);
    return JSON.parse(text) as T;
  }

  /** `POST /api/uploads`, then the file to the presigned URL as a browser form does. */
  async upload(bytes: Uint8Array, filename: string, contentType: string): Promise<UploadGrant> {
    const grant = await this.requestUpload(filename, contentType, bytes.byteLength);
    await postToGrant(grant, bytes, contentType, filename);
    return grant;
  }

  async requestUpload(filename: string, contentType: string, bytes: number): Promise<UploadGrant> {
    return this.api<UploadGrant>('POST', '/uploads', { filename, contentType, bytes });
  }

  async image(imageId: string): Promise<ImageDetailsView> {
    return this.api<ImageDetailsView>('GET', `/images/${encodeURIComponent(imageId)}`);
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
        // 404 until the first event of the image is recorded.
        if (!(error instanceof HttpError && error.status === 404)) throw error;
      }
      if (Date.now() > deadline) throw new Error(`image ${imageId} did not finish within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

/** POSTs a file with a grant's fields, the way a browser form does; resolves on 2xx. */
export async function postToGrant(grant: UploadGrant, bytes: Uint8Array, contentType: string, filename: string): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
  form.append('file', new Blob([bytes], { type: contentType }), filename);
  const response = await fetch(grant.url, { method: 'POST', body: form });
  if (!response.ok) throw new HttpError(response.status, await response.text());
}
