import type { IncomingHttpHeaders } from 'node:http';

/** Why a body was not read: over the per-request cap, or the server holds too much already. */
export type BodyRefusal = 'too-large' | 'busy';

/** Memory held for one request's body until {@link BodyReservation.release}. */
export interface BodyReservation {
  /** The most this request may send (its declared `Content-Length`, else the per-request cap). */
  readonly bytes: number;
  /** Gives the memory back; idempotent. Call once the request is answered. */
  release(): void;
}

/**
 * What the local S3 and DynamoDB gates may hold in memory for request bodies they must read
 * before deciding (a form POST's policy, a hashed payload, DynamoDB's JSON): at most
 * `perRequest` bytes for one request and `total` for all of them at once. A request is
 * refused before a byte of its body is read when its `Content-Length` is over the cap
 * (`too-large`) or would take the server over `total` (`busy`), so neither one huge request
 * nor many parallel ones (a web page can send them to any loopback port) can make the
 * runtime buffer without bound. A body without `Content-Length` reserves the whole cap.
 * Hand-written: s3rver and dynalite have no such limit, and the body must be read in full
 * before the signature or policy can be checked.
 */
export class RequestBodyBudget {
  private held = 0;

  constructor(
    readonly perRequest: number,
    readonly total: number,
  ) {
    if (!(perRequest > 0) || !(total >= perRequest)) throw new RangeError('the budget needs 0 < perRequest <= total');
  }

  /** Bytes reserved by requests in flight. */
  get inFlight(): number {
    return this.held;
  }

  /** Reserves memory for the body `headers` announce, or says why not. */
  reserve(headers: IncomingHttpHeaders): BodyReservation | BodyRefusal {
    const declared = headers['content-length'];
    const length = declared === undefined ? this.perRequest : /^\d{1,15}$/.test(declared) ? Number(declared) : Number.POSITIVE_INFINITY;
    if (length > this.perRequest) return 'too-large';
    if (this.held + length > this.total) return 'busy';
    this.held += length;
    let released = false;
    return {
      bytes: length,
      release: () => {
        if (released) return;
        released = true;
        this.held -= length;
      },
    };
  }
}

/**
 * Reads a body of at most `limit` bytes into memory; `undefined` when it is longer (the rest
 * is read and dropped, so the answer can still be sent on the connection).
 */
export async function readLimitedBody(stream: AsyncIterable<unknown>, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += buffer.byteLength;
    if (size <= limit) chunks.push(buffer);
  }
  return size <= limit ? Buffer.concat(chunks) : undefined;
}
