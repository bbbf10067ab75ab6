import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the timestamp and the signature(s). */
export const SIGNATURE_HEADER = 'imgpipe-signature';
/** The header that carries the event id (receivers deduplicate on it). */
export const EVENT_ID_HEADER = 'imgpipe-event-id';
/** The header that carries the event name (`ImageProcessed`, `ImageProcessingFailed`). */
export const EVENT_TYPE_HEADER = 'imgpipe-event-type';

/** How old (or how far in the future) a signed timestamp may be: 5 minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_SCHEME = 'v1';
const HEX_SHA256 = /^[0-9a-f]{64}$/;
/** Bounds the work a hostile header can cause. */
const MAX_HEADER_LENGTH = 2048;
const MAX_SIGNATURES = 8;

/** Bytes as the receiver got them: verify the raw body, never a re-serialised object. */
export type WebhookBody = string | Uint8Array;

/** `hex(HMAC-SHA256(secret, "<t>.<body>"))`. */
export function computeWebhookSignature(secret: string, timestamp: number, body: WebhookBody): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * The `imgpipe-signature` header value for a body: `t=<unix seconds>,v1=<hex HMAC>`.
 *
 * @example
 * signWebhookBody({ secret, body, timestamp: 1748779200 }); // 't=1748779200,v1=5f0c...'
 */
export function signWebhookBody(options: { secret: string; body: WebhookBody; timestamp: number }): string {
  const { secret, body, timestamp } = options;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('timestamp must be whole unix seconds');
  return `t=${timestamp},${SIGNATURE_SCHEME}=${computeWebhookSignature(secret, timestamp, body)}`;
}

/** Why a signature was refused. */
export type SignatureFailure =
  /** No header, or not `t=<digits>,v1=<64 hex>`. */
  | 'malformed'
  /** Signed longer ago than the tolerance: a replay, or a very late delivery. */
  | 'expired'
  /** Signed further in the future than the tolerance. */
  | 'future'
  /** No `v1` matches the body and secret (tampered body, wrong secret). */
  | 'mismatch';

export type SignatureVerification =
  | { readonly valid: true; /** The signed unix seconds. */ readonly timestamp: number }
  | { readonly valid: false; readonly reason: SignatureFailure };

export interface VerifyWebhookSignatureOptions {
  /** The `imgpipe-signature` header as received (`undefined` when absent). */
  readonly header: string | readonly string[] | undefined;
  /** The raw request body, byte for byte. */
  readonly body: WebhookBody;
  readonly secret: string;
  /** Default 300 (5 minutes), both ways. */
  readonly toleranceSeconds?: number;
  /** The receiver's clock; default the current time. */
  readonly now?: Date | number;
}

/**
 * What a webhook receiver calls before trusting a delivery. Accepts it only when the
 * header is well formed, its timestamp is within `toleranceSeconds` of `now` (default 5
 * minutes, so a captured request cannot be replayed later), and one of its `v1` signatures
 * equals `HMAC-SHA256(secret, "<t>.<raw body>")` (compared in constant time). Several `v1`
 * values are allowed so a secret can be rotated without a gap.
 *
 * @example
 * ```ts
 * const check = verifyWebhookSignature({ header: req.headers['imgpipe-signature'], body: rawBody, secret });
 * if (!check.valid) return res.writeHead(401).end(check.reason);
 * ```
 */
export function verifyWebhookSignature(options: VerifyWebhookSignatureOptions): SignatureVerification {
  const parsed = parseSignatureHeader(options.header);
  if (!parsed) return { valid: false, reason: 'malformed' };

  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const nowMs = options.now === undefined ? Date.now() : new Date(options.now).getTime();
  const nowSeconds = Math.floor(nowMs / 1000);
  if (parsed.timestamp < nowSeconds - tolerance) return { valid: false, reason: 'expired' };
  if (parsed.timestamp > nowSeconds + tolerance) return { valid: false, reason: 'future' };

  const expected = Buffer.from(computeWebhookSignature(options.secret, parsed.timestamp, options.body), 'hex');
  // Every candidate is compared (no early exit), each in constant time.
  let matched = false;
  for (const candidate of parsed.signatures) {
    const given = Buffer.from(candidate, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched ? { valid: true, timestamp: parsed.timestamp } : { valid: false, reason: 'mismatch' };
}

/** `t=...,v1=...[,v1=...]` -> its parts; `undefined` when malformed. Unknown schemes are ignored. */
export function parseSignatureHeader(
  header: string | readonly string[] | undefined,
): { timestamp: number; signatures: string[] } | undefined {
  const value = typeof header === 'string' ? header : header?.length === 1 ? header[0] : undefined;
  if (value === undefined || value.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(val)) return undefined;
      timestamp = Number(val);
    } else if (key === SIGNATURE_SCHEME) {
      if (!HEX_SHA256.test(val)) return undefined;
      signatures.push(val);
    }
  }
  if (timestamp === undefined || signatures.length === 0 || signatures.length > MAX_SIGNATURES) return undefined;
  return { timestamp, signatures };
}
