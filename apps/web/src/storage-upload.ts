/**
 * The second step of an upload: the browser POSTs the file straight to object storage
 * with the presigned fields the ingest API granted (S3, or the S3-compatible server of the
 * local runtime). XMLHttpRequest rather than fetch, for upload progress events.
 */
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import type { UploadGrant } from './api';

/**
 * Object storage refused the upload (`code` is S3's, e.g. `EntityTooLarge`,
 * `AccessDenied`, `InvalidPolicyDocument`) or was not reached (`NETWORK`, status 0).
 */
export class StorageError extends ImgpipeError {
  override readonly name = 'StorageError';
  /** The storage's HTTP status (0 when it was not reached). */
  readonly status: number;

  constructor(options: { readonly status: number; readonly code: string; readonly message: string; readonly retryable?: boolean; readonly cause?: unknown }) {
    super(options);
    this.status = options.status;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes XML's five named entities and numeric character references. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return safeCodePoint(parseInt(name.slice(2), 16)) ?? whole;
    if (name.startsWith('#')) return safeCodePoint(parseInt(name.slice(1), 10)) ?? whole;
    return ENTITIES[name] ?? whole;
  });
}

function safeCodePoint(code: number): string | undefined {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

function xmlElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeXmlText(match[1]).trim();
}

/**
 * The error an S3 error answer stands for: `<Error><Code>..</Code><Message>..</Message></Error>`,
 * or a message for the status when the body is not that.
 *
 * @example
 * parseStorageError(400, '<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>');
 * // StorageError { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds ...' }
 */
export function parseStorageError(status: number, bodyText: string): StorageError {
  const code = xmlElement(bodyText, 'Code');
  const message = xmlElement(bodyText, 'Message');
  if (code) return new StorageError({ status, code, message: message || `Storage refused the upload (${code}).` });
  return new StorageError({ status, code: `HTTP_${status}`, message: `Storage refused the upload (HTTP ${status}).` });
}

/**
 * The multipart body of a presigned POST: every granted field in the grant's order, then
 * the file LAST as `file` (S3 ignores every field after the file).
 */
export function buildUploadForm(fields: Readonly<Record<string, string>>, file: Blob, filename: string): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', file, filename);
  return form;
}

export interface PostToStorageOptions {
  /** Bytes sent so far, of `total`. */
  readonly onProgress?: (loaded: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * POSTs `file` to the grant's URL with its fields. Resolves on a 2xx (S3 answers 204).
 *
 * @throws StorageError with S3's code and message, `NETWORK` when storage was not
 * reached (down, or CORS refused), `ABORTED` when `signal` aborted it.
 */
export function postToStorage(grant: UploadGrant, file: File, options: PostToStorageOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', grant.url);
    xhr.upload.addEventListener('progress', (event) => {
      options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress?.(file.size, file.size);
        resolve();
      } else {
        reject(parseStorageError(xhr.status, xhr.responseText));
      }
    });
    xhr.addEventListener('error', () => {
      reject(new StorageError({ status: 0, code: 'NETWORK', message: 'The storage service could not be reached.' }));
    });
    xhr.addEventListener('abort', () => reject(new StorageError({ status: 0, code: 'ABORTED', message: 'The upload was cancelled.' })));
    if (options.signal) {
      if (options.signal.aborted) {
        reject(new StorageError({ status: 0, code: 'ABORTED', message: 'The upload was cancelled.' }));
        return;
      }
      options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(buildUploadForm(grant.fields, file, file.name));
  });
}
