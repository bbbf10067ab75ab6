import { PlatformError } from '@imgpipe/platform';
import {
  ImageNotFoundError,
  ImageStateConflictError,
  IngestError,
  MethodNotAllowedError,
  RequestValidationError,
  RouteNotFoundError,
  UnauthenticatedError,
  RateLimitedError,
  UploadTooLargeError,
} from '../errors';

/** An HTTP API (v2) Lambda response, as API Gateway and the local runtime take it. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Every error answer: a stable `code` and a message a person can read. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  /** For `INVALID_REQUEST`: the fields at fault. */
  readonly fields?: readonly string[];
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // Answers are per user and change as the pipeline runs.
  'cache-control': 'no-store',
} as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Where an unexpected error is reported (the shared Powertools logger in the handlers). */
export interface ErrorLog {
  error(message: string, attributes: { error: unknown }): void;
}

/**
 * The one place errors become HTTP answers. Client errors say what is wrong; server
 * errors say only that something failed (details go to the log, not to the caller).
 */
export function errorResponse(error: unknown, log?: ErrorLog): HttpResponse {
  const reply = (status: number, body: ErrorBody, headers?: Record<string, string>) => jsonResponse(status, body, headers);

  if (error instanceof RequestValidationError) {
    return reply(400, { code: error.code, message: error.message, fields: error.fields });
  }
  if (error instanceof UnauthenticatedError) {
    return reply(401, { code: error.code, message: error.message }, { 'www-authenticate': 'Bearer' });
  }
  if (error instanceof ImageNotFoundError || error instanceof RouteNotFoundError) {
    return reply(404, { code: error.code, message: error.message });
  }
  if (error instanceof MethodNotAllowedError) {
    return reply(405, { code: error.code, message: error.message }, { allow: error.allowed.join(', ') });
  }
  if (error instanceof ImageStateConflictError) {
    return reply(409, { code: error.code, message: error.message });
  }
  if (error instanceof UploadTooLargeError) {
    return reply(413, { code: error.code, message: error.message });
  }
  if (error instanceof RateLimitedError) {
    return reply(429, { code: error.code, message: error.message }, { 'retry-after': String(error.retryAfterSeconds) });
  }

  log?.error('request failed', error instanceof Error ? { error } : { error: String(error) });
  const retryable = (error instanceof IngestError || error instanceof PlatformError) && error.retryable;
  if (retryable) {
    return reply(
      503,
      { code: 'SERVICE_UNAVAILABLE', message: 'A service this request depends on is unavailable; try again.' },
      { 'retry-after': '1' },
    );
  }
  return reply(500, { code: 'INTERNAL', message: 'The request failed on our side.' });
}
