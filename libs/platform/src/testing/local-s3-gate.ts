import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type S3rver from 's3rver';
import { checkPostPolicy, duplicateFieldRefusal, type PostPolicyRefusal } from './post-policy';
import { BUCKET_NAME, localKeyRefusal } from './local-object-keys';
import { RequestBodyBudget, type BodyRefusal, type HeldBody } from './request-body-budget';
import { SIGV4_QUERY_PARAMS, verifySigV4, type LocalCredentials, type SigV4FailureKind } from './sigv4-verifier';

export interface S3GateOptions {
  /** The only key pair accepted, for SigV4 requests and POST policies alike. */
  readonly credentials: LocalCredentials;
  /** Largest body read into memory (form POSTs, hashed payloads) before refusing with EntityTooLarge. */
  readonly maxBodyBytes: number;
  /**
   * Most body bytes held for all requests at once (default `maxBodyBytes`); a body that would
   * take the server over it is refused with 503 SlowDown (see `RequestBodyBudget`).
   */
  readonly maxBufferedBytes?: number;
  /** `false`: anonymous form POSTs go to s3rver unchecked (tests of s3rver alone only). */
  readonly enforcePostPolicy: boolean;
  /** Refuse a form POST onto a key that already exists (412 PreconditionFailed). */
  readonly refusePostOverwrite: boolean;
}

/** An S3 error answer. */
interface S3Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What S3 answers for each way a SigV4 request fails. */
const SIGV4_REFUSALS: Record<Exclude<SigV4FailureKind, 'unsigned'>, (message: string, via: 'header' | 'query') => S3Refusal> = {
  malformed: (message, via) => ({
    status: 400,
    code: via === 'header' ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError',
    message,
  }),
  'unknown-key': (message) => ({ status: 403, code: 'InvalidAccessKeyId', message }),
  mismatch: (message) => ({ status: 403, code: 'SignatureDoesNotMatch', message }),
  skewed: (message) => ({ status: 403, code: 'RequestTimeTooSkewed', message }),
  expired: (message) => ({ status: 403, code: 'AccessDenied', message }),
  payload: (message) => ({ status: 400, code: 'XAmzContentSHA256Mismatch', message }),
};

const ACCESS_DENIED: S3Refusal = { status: 403, code: 'AccessDenied', message: 'Access Denied' };

const ENTITY_TOO_LARGE: S3Refusal = { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' };

/** What S3 answers when a body cannot be held: too large, or the server is holding too much already. */
const BODY_REFUSALS: Record<BodyRefusal, S3Refusal> = {
  'too-large': ENTITY_TOO_LARGE,
  busy: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
};

/** Hands s3rver `body` in place of the request stream it would have read (already consumed here). */
function replayBody(ctx: S3rver.Context, body: Buffer, headers: IncomingHttpHeaders): void {
  headers['content-length'] = String(body.byteLength);
  delete headers['transfer-encoding'];
  ctx.req = Object.assign(Readable.from([body]), { headers });
}

/** The raw query string without the named parameters (names compared exactly, as sent decoded). */
function withoutParams(rawQuery: string, names: ReadonlySet<string>): string {
  return rawQuery
    .split('&')
    .filter((pair) => {
      if (pair === '') return false;
      const at = pair.indexOf('=');
      try {
        return !names.has(decodeURIComponent(at === -1 ? pair : pair.slice(0, at)));
      } catch {
        return true;
      }
    })
    .join('&');
}

/** Bucket and key of a path-style URL, decoded once (as s3rver's router decodes them). */
function bucketAndKey(path: string): { bucket?: string; key?: string } | undefined {
  const rest = path.replace(/^\//, '');
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  try {
    const bucket = decodeURIComponent(slash === -1 ? rest : rest.slice(0, slash));
    const key = slash === -1 ? undefined : decodeURIComponent(rest.slice(slash + 1));
    return { bucket, ...(key ? { key } : {}) };
  } catch {
    return undefined;
  }
}

/** Refuses with S3's XML error, CORS headers included when the bucket's rules allow the origin. */
async function refuse(ctx: S3rver.Context, bucket: string | undefined, refusal: S3Refusal): Promise<void> {
  const origin = ctx.get('origin');
  if (origin && bucket && BUCKET_NAME.test(bucket)) {
    const cors = await ctx.store.getSubresource(bucket, undefined, 'cors').catch(() => undefined);
    const rule = cors?.matchRule(origin, ctx.method);
    if (rule) {
      ctx.set('Access-Control-Allow-Origin', rule.hasWildcardOrigin ? '*' : origin);
      ctx.set('Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
    }
  }
  ctx.status = refusal.status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${xmlEscape(refusal.message)}</Message></Error>`;
}

const keyRefusal = (bucket: string | undefined, key: string | undefined): S3Refusal | undefined => {
  if (bucket !== undefined && !BUCKET_NAME.test(bucket)) {
    return { status: 400, code: 'InvalidBucketName', message: 'The specified bucket is not valid.' };
  }
  const refused = key === undefined ? undefined : localKeyRefusal(key);
  return refused ? { status: 400, ...refused } : undefined;
};

/**
 * The middleware that closes s3rver (which verifies no SigV4 signature and lets anonymous
 * requests through): placed first, it lets a request reach s3rver only when it is
 * - SigV4-signed with the local credentials (Authorization header or presigned query),
 *   verified by `verifySigV4`; the auth header/query is then removed, so s3rver serves it
 *   as its own (it would refuse an access key it does not know); a presigned GET's signed
 *   `response-*` overrides are answered by the gate, as S3 does (s3rver refuses them on
 *   what it takes for an anonymous request);
 * - or a browser form POST to `/<bucket>` whose policy and signature verify
 *   (`checkPostPolicy`), handed on re-encoded with exactly the fields and file checked;
 * - or a CORS preflight (`OPTIONS`), which s3rver answers from the bucket's CORS rules.
 * Everything else gets S3's `AccessDenied` (403). Bucket names and keys that would leave the
 * bucket's folder are refused as well (`localKeyRefusal`).
 */
export function s3GateMiddleware(options: S3GateOptions): S3rver.Middleware {
  const postsInFlight = new Set<string>();
  const budget = new RequestBodyBudget(options.maxBodyBytes, options.maxBufferedBytes ?? options.maxBodyBytes);
  return async (ctx, next) => {
    if (ctx.method === 'OPTIONS') return next();
    const [path = '/', rawQuery = ''] = splitUrl(ctx.url);
    const location = bucketAndKey(path);
    if (!location) return refuse(ctx, undefined, { status: 400, code: 'InvalidURI', message: "Couldn't parse the specified URI." });
    const { bucket, key } = location;

    const headers = ctx.req.headers;
    const signed = headers.authorization !== undefined || /(^|&)X-Amz-Algorithm=/.test(rawQuery);
    if (!signed) {
      const formPost = ctx.method === 'POST' && bucket !== undefined && key === undefined && ctx.is('multipart/form-data');
      if (!formPost) return refuse(ctx, bucket, ACCESS_DENIED);
      if (!options.enforcePostPolicy) return next();
      const held = await budget.read(ctx.req, ctx.req.headers);
      if (typeof held === 'string') return refuse(ctx, bucket, BODY_REFUSALS[held]);
      try {
        return await formPostGate(ctx, bucket, held.body, options, postsInFlight, next);
      } finally {
        held.release();
      }
    }

    // A signed caller may still send a key the file system would resolve elsewhere.
    const refusedKey = keyRefusal(bucket, key);
    if (refusedKey) return refuse(ctx, bucket, refusedKey);

    // A hashed payload is checked against its hash before s3rver sees a byte of it.
    let held: HeldBody | undefined;
    if (/^[0-9a-f]{64}$/i.test(String(headers['x-amz-content-sha256'] ?? ''))) {
      const read = await budget.read(ctx.req, headers);
      if (typeof read === 'string') return refuse(ctx, bucket, BODY_REFUSALS[read]);
      held = read;
    }
    try {
      return await signedGate(ctx, path, rawQuery, bucket, held?.body, options, next);
    } finally {
      held?.release();
    }
  };
}

/** A signed request: verified (its hashed body, when it has one, already read), then handed to s3rver. */
async function signedGate(
  ctx: S3rver.Context,
  path: string,
  rawQuery: string,
  bucket: string | undefined,
  body: Buffer | undefined,
  options: S3GateOptions,
  next: () => Promise<void>,
): Promise<void> {
  const headers = ctx.req.headers;
  const verdict = await verifySigV4(
    { method: ctx.method, path, rawQuery, headers, ...(body ? { body } : {}) },
    { credentials: options.credentials, service: 's3', uriEscapePath: false },
  );
  if (!verdict.ok) {
    const via = headers.authorization !== undefined ? 'header' : 'query';
    return refuse(ctx, bucket, verdict.kind === 'unsigned' ? ACCESS_DENIED : SIGV4_REFUSALS[verdict.kind](verdict.message, via));
  }
  if (verdict.payloadHash.startsWith('STREAMING-')) {
    return refuse(ctx, bucket, { status: 501, code: 'NotImplemented', message: 'The local store does not accept aws-chunked (streaming SigV4) payloads.' });
  }
  if (/^[0-9a-f]{64}$/i.test(verdict.payloadHash)) {
    // verifySigV4 has checked the body against its hash.
    if (!body) return refuse(ctx, bucket, ENTITY_TOO_LARGE);
    replayBody(ctx, body, headers);
  }
  // Verified: s3rver takes it as an anonymous request of its own.
  delete headers.authorization;
  if (verdict.via !== 'query') return next();
  const overrides = ctx.method === 'GET' || ctx.method === 'HEAD' ? responseOverrides(rawQuery) : {};
  const forwarded = withoutParams(withoutParams(rawQuery, AUTH_QUERY), new Set(Object.keys(overrides)));
  ctx.request.req.url = `${path}${forwarded === '' ? '' : `?${forwarded}`}`;
  await next();
  // S3 applies the signed overrides to a successful answer only.
  if (ctx.status < 300 || ctx.status === 304) {
    for (const [param, value] of Object.entries(overrides)) ctx.set(RESPONSE_OVERRIDES[param] as string, value);
  }
}

/** The `response-*` query parameters S3 honours on a signed GET, and the header each sets. */
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/** The signed overrides of a query (already verified), by parameter; others stay for s3rver to refuse. */
function responseOverrides(rawQuery: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (Object.prototype.hasOwnProperty.call(RESPONSE_OVERRIDES, name)) found[name] = value;
  }
  return found;
}

const AUTH_QUERY = new Set<string>([...SIGV4_QUERY_PARAMS, 'X-Amz-Content-Sha256']);

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
}

/** A form POST's parts, in order. */
type FormPart = readonly [name: string, value: string | File];

/**
 * A browser form POST, checked as S3 checks it; on success s3rver gets a re-encoded body with
 * exactly the checked fields and file, and no query string, so it cannot store anything else.
 */
async function formPostGate(
  ctx: S3rver.Context,
  bucket: string,
  body: Buffer,
  options: S3GateOptions,
  postsInFlight: Set<string>,
  next: () => Promise<void>,
): Promise<void> {
  let parts: FormPart[];
  try {
    const form = await new Response(body, { headers: { 'content-type': ctx.get('content-type') } }).formData();
    parts = [...form.entries()];
  } catch {
    return refuse(ctx, bucket, {
      status: 400,
      code: 'MalformedPOSTRequest',
      message: 'The body of your POST request is not well-formed multipart/form-data.',
    });
  }
  const checked = await checkFormPost(bucket, parts, options.credentials);
  if ('status' in checked) return refuse(ctx, bucket, checked);

  const refusedKey = keyRefusal(bucket, checked.key);
  if (refusedKey) return refuse(ctx, bucket, refusedKey);
  const slot = `${bucket}/${checked.key}`;
  const preconditionFailed = { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };
  if (options.refusePostOverwrite) {
    // Claimed before the existence check, so two posts of one grant at once cannot both pass it.
    if (postsInFlight.has(slot)) return refuse(ctx, bucket, preconditionFailed);
    postsInFlight.add(slot);
    const exists = await ctx.store.existsObject(bucket, checked.key).catch(() => true);
    if (exists) {
      postsInFlight.delete(slot);
      return refuse(ctx, bucket, preconditionFailed);
    }
  }

  const form = new FormData();
  for (const [name, value] of checked.fields) form.append(name, value);
  form.append('file', new Blob([checked.file.bytes], { type: checked.file.type }), checked.file.filename);
  const encoded = new Response(form);
  const headers = ctx.request.req.headers;
  headers['content-type'] = encoded.headers.get('content-type') ?? '';
  ctx.request.req.url = `/${encodeURIComponent(bucket)}`;
  try {
    replayBody(ctx, Buffer.from(await encoded.arrayBuffer()), headers);
    return await next();
  } finally {
    postsInFlight.delete(slot);
  }
}

interface CheckedForm {
  readonly key: string;
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly file: { readonly bytes: Uint8Array; readonly type: string; readonly filename: string };
}

const invalidArgument = (message: string): S3Refusal => ({ status: 400, code: 'InvalidArgument', message });

/**
 * The form's structure as S3 requires it (each field once, exactly one `file`, last), then its
 * policy (`checkPostPolicy`). A `file` sent without a filename is the object's text content,
 * as on S3: its size counts like a file's.
 */
async function checkFormPost(bucket: string, parts: readonly FormPart[], credentials: LocalCredentials): Promise<CheckedForm | S3Refusal> {
  const seen = new Set<string>();
  for (const [name] of parts) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) return duplicateFieldRefusal(name);
    seen.add(lower);
  }
  const uploads = parts.filter(([name, value]) => name.toLowerCase() === 'file' || typeof value !== 'string');
  if (uploads.length !== 1 || uploads[0]?.[0].toLowerCase() !== 'file') {
    return invalidArgument('POST requires exactly one file upload per request.');
  }
  if (parts[parts.length - 1] !== uploads[0]) return invalidArgument('The file must be the last field of a POST form.');
  const [, upload] = uploads[0];
  const file =
    typeof upload === 'string'
      ? { bytes: Buffer.from(upload, 'utf8'), type: 'application/octet-stream', filename: 'file' }
      : { bytes: new Uint8Array(await upload.arrayBuffer()), type: upload.type || 'application/octet-stream', filename: upload.name || 'file' };
  const fields = parts.slice(0, -1).map(([name, value]) => [name, value as string] as const);

  const refusal: PostPolicyRefusal | undefined = await checkPostPolicy({
    bucket,
    fields,
    fileSize: file.bytes.byteLength,
    now: new Date(),
    secretOf: (id) => (id === credentials.accessKeyId ? credentials.secretAccessKey : undefined),
  });
  if (refusal) return refusal;
  const key = fields.find(([name]) => name.toLowerCase() === 'key')?.[1];
  if (key === undefined || key === '') return invalidArgument("Bucket POST must contain a field named 'key'.");
  return { key, fields, file };
}
