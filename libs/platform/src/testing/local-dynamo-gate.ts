import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { RequestBodyBudget } from './request-body-budget';
import { verifySigV4, type LocalCredentials, type SigV4FailureKind } from './sigv4-verifier';

/** dynalite's own ceiling for a request body. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** Most request bytes held for all requests at once (the runtime's own calls are small). */
const MAX_BUFFERED_BYTES = 4 * MAX_REQUEST_BYTES;

/** DynamoDB's JSON error for each way a SigV4 request fails (all 400, as DynamoDB answers). */
const DYNAMO_REFUSALS: Record<SigV4FailureKind, (message: string) => { type: string; message: string }> = {
  unsigned: () => ({ type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' }),
  malformed: (message) => ({ type: 'IncompleteSignatureException', message }),
  'unknown-key': () => ({ type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }),
  mismatch: () => ({
    type: 'InvalidSignatureException',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  }),
  skewed: (message) => ({ type: 'InvalidSignatureException', message: `Signature expired: ${message}` }),
  expired: (message) => ({ type: 'InvalidSignatureException', message }),
  payload: (message) => ({ type: 'InvalidSignatureException', message }),
};

function answer(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/x-amz-json-1.0');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

const TOO_LARGE = { __type: 'com.amazon.coral.service#SerializationException', message: 'Request too large' };
const THROTTLED = { __type: 'com.amazon.coral.service#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' };

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts SigV4 verification in front of dynalite's request listener (dynalite checks that a
 * signature is present, never that it is right): the JSON body is read, the signature checked
 * by `verifySigV4` against `credentials`, and only then does dynalite get an equivalent
 * request (same method, URL, headers, body). A CORS preflight (`OPTIONS`) passes unchecked, as
 * on AWS. Refusals are DynamoDB's JSON errors (`MissingAuthenticationTokenException`,
 * `UnrecognizedClientException`, `InvalidSignatureException`).
 */
export function guardDynaliteServer(server: Server, credentials: LocalCredentials): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const budget = new RequestBodyBudget(MAX_REQUEST_BYTES, MAX_BUFFERED_BYTES);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const forward = (body: Buffer) => {
        const replay = Object.assign(Readable.from(body.byteLength > 0 ? [body] : []), {
          headers: req.headers,
          method: req.method,
          url: req.url,
          socket: req.socket,
        }) as unknown as IncomingMessage;
        for (const listener of listeners) listener(replay, res);
      };
      if (req.method === 'OPTIONS') return forward(Buffer.alloc(0));
      // Unsigned: refused before a byte of the body is held.
      if (req.headers.authorization === undefined && !/(^|[?&])X-Amz-Algorithm=/.test(req.url ?? '')) {
        const refusal = DYNAMO_REFUSALS.unsigned('');
        return answer(res, 400, { __type: `com.amazon.coral.service#${refusal.type}`, message: refusal.message });
      }
      const held = await budget.read(req, req.headers);
      if (held === 'too-large') return answer(res, 413, TOO_LARGE);
      if (held === 'busy') return answer(res, 400, THROTTLED);
      res.once('close', held.release);
      const { body } = held;
      const url = req.url ?? '/';
      const at = url.indexOf('?');
      const verdict = await verifySigV4(
        { method: req.method ?? 'POST', path: at === -1 ? url : url.slice(0, at), rawQuery: at === -1 ? '' : url.slice(at + 1), headers: req.headers, body },
        { credentials, service: 'dynamodb', uriEscapePath: true },
      );
      if (!verdict.ok) {
        const refusal = DYNAMO_REFUSALS[verdict.kind](verdict.message);
        return answer(res, 400, { __type: `com.amazon.coral.service#${refusal.type}`, message: refusal.message });
      }
      return forward(body);
    })().catch(() => {
      if (!res.headersSent) answer(res, 500, { __type: 'com.amazon.coral.service#InternalFailure' });
      else res.destroy();
    });
  });
}
