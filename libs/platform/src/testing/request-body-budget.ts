import type { IncomingHttpHeaders } from 'node:http';

/** Why a body was not taken: over the per-request cap, or the server holds too much already. */
export type BodyRefusal = 'too-large' | 'busy';

/** A body read into memory, counted against the budget until {@link HeldBody.release}. */
export interface HeldBody {
  readonly body: Buffer;
  /** Gives the memory back; idempotent. Call once the request is answered. */
  release(): void;
}

/**
 * What the local S3 and DynamoDB gates may hold in memory for request bodies they must read
 * before deciding (a form POST's policy, a hashed payload, DynamoDB's JSON): at most
 * `perRequest` bytes for one request and `total` for all of them at once. A `Content-Length`
 * over the cap is refused before a byte is read; a body that grows past the cap, or takes the
 * server over `total`, stops being kept (the rest is read and dropped) and is refused. Only
 * bytes actually received count, so a slow sender holds no more than it sent; neither one
 * huge request nor many parallel ones (a web page can send them to any loopback port) can
 * make the runtime buffer without bound. Hand-written: s3rver and dynalite have no such
 * limit, and the body must be read in full before the signature or policy can be checked.
 */
export class RequestBodyBudget {
  private held = 0;

  constructor(
    readonly perRequest: number,
    readonly total: number,
  ) {
    if (!(perRequest > 0) || !(total >= perRequest)) throw new RangeError('the budget needs 0 < perRequest <= total');
  }

  /** Bytes held for requests in flight. */
  get inFlight(): number {
    return this.held;
  }

  /** `too-large` when `headers` announce a body over the cap (or a malformed length), before any is read. */
  precheck(headers: IncomingHttpHeaders): 'too-large' | undefined {
    const declared = headers['content-length'];
    if (declared === undefined) return undefined;
    return /^\d{1,15}$/.test(declared) && Number(declared) <= this.perRequest ? undefined : 'too-large';
  }

  /** Reads `stream` into memory within the budget (see the class). */
  async read(stream: AsyncIterable<unknown>, headers: IncomingHttpHeaders): Promise<HeldBody | BodyRefusal> {
    const early = this.precheck(headers);
    if (early) return early;
    const chunks: Buffer[] = [];
    let mine = 0;
    let refusal: BodyRefusal | undefined;
    const giveBack = () => {
      this.held -= mine;
      mine = 0;
    };
    try {
      for await (const chunk of stream) {
        if (refusal) continue;
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
        if (mine + buffer.byteLength > this.perRequest) refusal = 'too-large';
        else if (this.held + buffer.byteLength > this.total) refusal = 'busy';
        if (refusal) {
          chunks.length = 0;
          giveBack();
          continue;
        }
        chunks.push(buffer);
        mine += buffer.byteLength;
        this.held += buffer.byteLength;
      }
    } catch (error) {
      giveBack();
      throw error;
    }
    if (refusal) return refusal;
    let released = false;
    return {
      body: Buffer.concat(chunks),
      release: () => {
        if (released) return;
        released = true;
        giveBack();
      },
    };
  }
}
