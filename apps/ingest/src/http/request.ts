import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { RequestValidationError, UnauthenticatedError } from '../errors';
import { isKeySafeUserId } from '../upload-key';

/** The API Gateway HTTP API (v2) event with a JWT authorizer. */
export type HttpApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** The largest request body read; the API's bodies are a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The caller's user id: the JWT `sub` claim (validated by the authorizer on AWS and by the
 * local runtime locally).
 *
 * @throws UnauthenticatedError when there is no `sub`, or one that cannot name a user's objects.
 */
export function callerId(event: HttpApiEvent): string {
  // The authorizer is absent when a route is deployed without one: treat that as no user.
  const claims = (event.requestContext as Partial<HttpApiEvent['requestContext']>).authorizer?.jwt?.claims;
  const sub = claims?.['sub'];
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError();
  if (!isKeySafeUserId(sub)) throw new UnauthenticatedError('the token subject cannot be used as a user id');
  return sub;
}

/** The path the routes match: `rawPath` without the stage (absent on the `$default` stage). */
export function routePath(event: HttpApiEvent): string {
  const path = event.rawPath || event.requestContext.http.path || '/';
  const stage = event.requestContext.stage;
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    return path.slice(stage.length + 1) || '/';
  }
  return path;
}

/**
 * The request body as JSON: at most {@link MAX_BODY_BYTES}, base64 decoded if API Gateway
 * encoded it, and an object.
 *
 * @throws RequestValidationError (field `body`) for a missing, oversized, non-JSON or non-object body.
 */
export function jsonBody(event: HttpApiEvent): Record<string, unknown> {
  const invalid = (problem: string) => new RequestValidationError([{ field: 'body', problem }]);
  if (event.body === undefined || event.body === null || event.body === '') throw invalid('is required: a JSON object');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw invalid(`must be at most ${MAX_BODY_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('must be a JSON object');
  return value as Record<string, unknown>;
}

/** The query string parameters (API Gateway joins repeated ones with commas). */
export function queryOf(event: HttpApiEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}
