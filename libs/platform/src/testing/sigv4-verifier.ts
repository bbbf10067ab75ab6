import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, QueryParameterBag } from '@smithy/types';

/** An access key pair the local servers accept (see `loadOrCreateLocalCredentials`). */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A request as it arrived, before any parsing that could change what was signed. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target's path as sent (still percent-encoded), without the query. */
  readonly path: string;
  /** The query string as sent, without `?` ('' when none). */
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
  /** The body, when the server has read it (DynamoDB's JSON); needed when the payload hash is not a header. */
  readonly body?: Uint8Array;
}

/** Why a request was refused; each server maps these to its own error codes. */
export type SigV4FailureKind =
  /** Neither an `Authorization` header nor `X-Amz-Algorithm` query authentication. */
  | 'unsigned'
  /** Both mechanisms, a malformed header or query, or a credential scope for another service. */
  | 'malformed'
  | 'unknown-key'
  | 'mismatch'
  /** The header date is more than 15 minutes away from now. */
  | 'skewed'
  /** A presigned request past `X-Amz-Date + X-Amz-Expires` (or dated in the future). */
  | 'expired'
  /** The body does not hash to the signed `x-amz-content-sha256`. */
  | 'payload';

export type SigV4Verdict =
  | {
      readonly ok: true;
      readonly via: 'header' | 'query';
      /** `UNSIGNED-PAYLOAD`, a hex SHA-256 the body must match, or a streaming marker. */
      readonly payloadHash: string;
    }
  | { readonly ok: false; readonly kind: SigV4FailureKind; readonly message: string };

export interface VerifySigV4Options {
  readonly credentials: LocalCredentials;
  /** The signing name in the credential scope: `s3`, `dynamodb`. */
  readonly service: string;
  /**
   * `false` for S3: its canonical URI is the path encoded once (`uriEscapePath: false`, as the
   * SDK's S3 signer); `true` for every other service (the SDK's default, encoded twice).
   */
  readonly uriEscapePath: boolean;
  readonly now?: Date;
}

/** S3 and DynamoDB refuse header-signed requests dated further than this from their clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** SigV4 presigned requests live at most a week. */
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;
const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SHA256_HEADER = 'x-amz-content-sha256';
const ALGORITHM = 'AWS4-HMAC-SHA256';
/** The query parameters of SigV4 query authentication (case as the SDK writes them). */
export const SIGV4_QUERY_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
] as const;

const fail = (kind: SigV4FailureKind, message: string): SigV4Verdict => ({ ok: false, kind, message });

function parseLongDate(value: string | undefined): Date | undefined {
  const m = value === undefined ? null : LONG_DATE.exec(value);
  if (!m) return undefined;
  const [year = 0, month = 0, day = 0, hours = 0, minutes = 0, seconds = 0] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The query string as a SigV4 signer sees it: names and values percent-decoded, repeated
 * names as arrays. `+` stays a plus (SigV4 encodes a space as `%20`). Throws `URIError` on a
 * malformed escape.
 */
function parseRawQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeURIComponent(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodeURIComponent(pair.slice(at + 1));
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/**
 * S3's canonical URI: each path segment decoded, then encoded once the way the SDK encodes
 * keys (RFC 3986 unreserved characters kept), `/` kept between segments. Written by hand
 * because the SDK only ever encodes keys it builds; here the path comes off the wire.
 */
export function s3CanonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(decodeURIComponent(segment)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

interface Scope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

function parseCredential(credential: string, options: VerifySigV4Options): Scope | SigV4Verdict {
  const [accessKeyId, date, region, service, terminal, ...rest] = credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminal !== 'aws4_request' || rest.length > 0) {
    return fail('malformed', `the credential ${JSON.stringify(credential)} is not <key>/<date>/<region>/<service>/aws4_request`);
  }
  if (accessKeyId !== options.credentials.accessKeyId) {
    return fail('unknown-key', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (service !== options.service) {
    return fail('malformed', `the credential is scoped to the service "${service}"; expected "${options.service}"`);
  }
  return { accessKeyId, date, region, service };
}

/**
 * Verifies a SigV4-signed request (an `Authorization` header or presigned query parameters) by
 * signing it again with the SDK's own `SignatureV4` and the only credentials the local server
 * accepts, then comparing the signatures in constant time. Checks the clock skew (15 minutes)
 * of header-signed requests and the expiry of presigned ones. Only what the client signed
 * takes part (its `SignedHeaders`), as on AWS.
 *
 * The payload hash is the declared `x-amz-content-sha256` (checked against `body` when the
 * caller read it: `payload` when it differs) or computed from `body`. A caller that streams
 * the body must compare a declared hex hash itself (see `payloadHash`).
 */
export async function verifySigV4(request: ReceivedRequest, options: VerifySigV4Options): Promise<SigV4Verdict> {
  const now = options.now ?? new Date();
  let query: Record<string, string | string[]>;
  let path: string;
  try {
    query = parseRawQuery(request.rawQuery);
    path = options.uriEscapePath ? decodeURIComponent(request.path) : s3CanonicalPath(request.path);
  } catch {
    return fail('malformed', 'the request URI is not valid percent-encoding');
  }
  const authorization = headerValue(request.headers, 'authorization');
  const byQuery = 'X-Amz-Algorithm' in query;
  if (authorization === undefined && !byQuery) return fail('unsigned', 'the request is not signed');
  if (authorization !== undefined && byQuery) {
    return fail('malformed', 'only one auth mechanism allowed: the Authorization header or the X-Amz-Algorithm query parameter');
  }
  return authorization !== undefined
    ? verifyHeader(request, authorization, query, path, options, now)
    : verifyQuery(request, query, path, options, now);
}

/** The request to re-sign: exactly the signed headers, plus the payload hash header unsigned. */
function requestToResign(
  received: ReceivedRequest,
  path: string,
  query: QueryParameterBag,
  signedNames: readonly string[],
): { request: HttpRequest; unsigned: Set<string> } | undefined {
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = headerValue(received.headers, name);
    if (value === undefined) return undefined;
    headers[name] = value;
  }
  const unsigned = new Set<string>();
  const declaredHash = headerValue(received.headers, SHA256_HEADER);
  if (declaredHash !== undefined && !(SHA256_HEADER in headers)) {
    headers[SHA256_HEADER] = declaredHash;
    unsigned.add(SHA256_HEADER);
  }
  const host = headers['host'] ?? '';
  return {
    request: {
      method: received.method.toUpperCase(),
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path,
      query,
      headers,
      ...(received.body !== undefined ? { body: received.body } : {}),
    },
    unsigned,
  };
}

async function verifyHeader(
  received: ReceivedRequest,
  authorization: string,
  query: Record<string, string | string[]>,
  path: string,
  options: VerifySigV4Options,
  now: Date,
): Promise<SigV4Verdict> {
  const [algorithm, ...rest] = authorization.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) return fail('malformed', `unsupported authorization type ${JSON.stringify(algorithm ?? '')}`);
  const components = new Map<string, string>();
  for (const part of rest.join('').split(',')) {
    const at = part.indexOf('=');
    if (at > 0) components.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = components.get('Credential');
  const signedHeaders = components.get('SignedHeaders');
  const signature = components.get('Signature');
  if (components.size !== 3 || !credential || !signedHeaders || !signature) {
    return fail('malformed', 'the authorization header requires three components: Credential, SignedHeaders, and Signature');
  }
  const scope = parseCredential(credential, options);
  if ('ok' in scope) return scope;
  const amzDate = headerValue(received.headers, 'x-amz-date');
  const signingDate = parseLongDate(amzDate);
  if (!signingDate) return fail('malformed', 'SigV4 requires an x-amz-date header (yyyyMMddTHHmmssZ)');
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return fail('skewed', 'The difference between the request time and the current time is too large.');
  }
  if (scope.date !== amzDate?.slice(0, 8)) return fail('malformed', 'the credential date does not match x-amz-date');
  const signedNames = signedHeaders.split(';');
  if (!signedNames.includes('host')) return fail('malformed', 'the host header must be signed');

  const prepared = requestToResign(received, path, query, signedNames);
  if (!prepared) return fail('mismatch', 'a signed header is missing from the request');
  const signer = signerFor(scope, options);
  const resigned = await signer.sign(prepared.request, {
    signingDate,
    signingRegion: scope.region,
    signingService: scope.service,
    signableHeaders: new Set(signedNames),
    unsignableHeaders: prepared.unsigned,
  });
  const expected = /Signature=([0-9a-f]+)$/.exec(String(resigned.headers['authorization'] ?? ''))?.[1] ?? '';
  const expectedList = /SignedHeaders=([^,]+),/.exec(String(resigned.headers['authorization'] ?? ''))?.[1];
  if (expectedList !== signedHeaders || !sameHex(signature, expected)) {
    return fail('mismatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  const payloadHash = headerValue(received.headers, SHA256_HEADER) ?? 'computed';
  if (received.body !== undefined && /^[0-9a-f]{64}$/i.test(payloadHash)) {
    const actual = createHash('sha256').update(received.body).digest('hex');
    if (!sameHex(actual, payloadHash.toLowerCase())) {
      return fail('payload', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  }
  return { ok: true, via: 'header', payloadHash };
}

/** The SDK's own signer for the request's credential scope: the one place both forms re-sign with. */
function signerFor(scope: Scope, options: VerifySigV4Options): SignatureV4 {
  return new SignatureV4({
    credentials: options.credentials,
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    uriEscapePath: options.uriEscapePath,
    applyChecksum: false,
  });
}

async function verifyQuery(
  received: ReceivedRequest,
  query: Record<string, string | string[]>,
  path: string,
  options: VerifySigV4Options,
  now: Date,
): Promise<SigV4Verdict> {
  const single = (name: string): string | undefined => {
    const value = query[name];
    return typeof value === 'string' ? value : undefined;
  };
  const [algorithm, credential, amzDate, expires, signedHeaders, signature] = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ].map(single);
  if (algorithm !== ALGORITHM) return fail('malformed', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  if (!credential || !amzDate || !expires || !signedHeaders || !signature) {
    return fail(
      'malformed',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const scope = parseCredential(credential, options);
  if ('ok' in scope) return scope;
  const signingDate = parseLongDate(amzDate);
  if (!signingDate) return fail('malformed', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  const expiresIn = Number(expires);
  if (!/^\d+$/.test(expires) || expiresIn < 1 || expiresIn > MAX_PRESIGNED_SECONDS) {
    return fail('malformed', 'X-Amz-Expires must be from 1 to 604800 seconds');
  }
  if (now.getTime() > signingDate.getTime() + expiresIn * 1000) return fail('expired', 'Request has expired');
  if (signingDate.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) return fail('expired', 'Request is not valid yet');
  if (scope.date !== amzDate.slice(0, 8)) return fail('malformed', 'the credential date does not match X-Amz-Date');
  const signedNames = signedHeaders.split(';');
  if (!signedNames.includes('host')) return fail('malformed', 'the host header must be signed');

  const { 'X-Amz-Signature': _signature, ...unsignedQuery } = query;
  const prepared = requestToResign({ ...received, headers: { ...received.headers, [SHA256_HEADER]: 'UNSIGNED-PAYLOAD' } }, path, unsignedQuery, signedNames);
  if (!prepared) return fail('mismatch', 'a signed header is missing from the request');
  const signer = signerFor(scope, options);
  // Presigned: the payload is never signed (S3's UNSIGNED-PAYLOAD), and every header stays a
  // header (what the client hoisted is already in the query).
  const resigned = await signer.presign(prepared.request, {
    signingDate,
    expiresIn,
    signingRegion: scope.region,
    signingService: scope.service,
    signableHeaders: new Set(signedNames),
    unsignableHeaders: prepared.unsigned,
    unhoistableHeaders: new Set(Object.keys(prepared.request.headers)),
  });
  const computed = resigned.query ?? {};
  const expected = String(computed['X-Amz-Signature'] ?? '');
  if (computed['X-Amz-SignedHeaders'] !== signedHeaders || computed['X-Amz-Credential'] !== credential || !sameHex(signature, expected)) {
    return fail('mismatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return { ok: true, via: 'query', payloadHash: 'UNSIGNED-PAYLOAD' };
}
