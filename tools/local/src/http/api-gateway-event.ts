import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ROUTE_KEYS, type HttpApiEvent } from '@imgpipe/ingest';
import type { VerifiedClaims } from './auth';

export interface ApiRequest {
  readonly method: string;
  /** The path as the API sees it (`/uploads`, without the runtime's `/api` prefix). */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: Buffer;
  readonly sourceIp: string;
  readonly host: string;
}

/** The ingest route key (`POST /uploads`, `GET /images/{id}`) the request matches, else `$default`. */
function routeKeyOf(method: string, path: string): string {
  const verb = method.toUpperCase();
  for (const key of ROUTE_KEYS) {
    const [keyVerb, pattern] = key.split(' ');
    if (keyVerb !== verb || pattern === undefined) continue;
    if (new RegExp(`^${pattern.replace(/\{[^}]+\}/g, '[^/]+')}/?$`).test(path)) return key;
  }
  return '$default';
}

function isTextual(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' || type.startsWith('text/') || type.endsWith('json') || type.endsWith('+xml') || type === 'application/x-www-form-urlencoded';
}

/**
 * The API Gateway HTTP API (payload 2.0) event API Gateway would hand the ingest function
 * for this request, after its JWT authorizer accepted the token: headers lower-cased and
 * repeated ones joined with commas, query parameters decoded (repeated ones joined with
 * commas), the claims as strings under `requestContext.authorizer.jwt.claims`, a textual
 * body as is and any other base64-encoded.
 */
export function toHttpApiEvent(request: ApiRequest, claims: VerifiedClaims, now: Date = new Date()): HttpApiEvent {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies.push(...(Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/;\s*/)));
      continue;
    }
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(request.query)) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  const stringClaims: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value !== undefined) stringClaims[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const textual = isTextual(headers['content-type']);
  const hasBody = request.body !== undefined && request.body.byteLength > 0;
  const routeKey = routeKeyOf(request.method, request.path);
  const [domainPrefix] = request.host.split('.');

  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: request.query,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: stringClaims, scopes: [] },
      },
      domainName: request.host,
      domainPrefix: domainPrefix ?? request.host,
      http: {
        method: request.method.toUpperCase(),
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: textual ? request.body?.toString('utf8') : request.body?.toString('base64') } : {}),
    isBase64Encoded: hasBody && !textual,
  };
}
