import { request as httpRequest, type ClientRequest } from 'node:http';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalDynamo, startLocalS3, type LocalPeer, type LocalS3 } from './local-peers';
import { RequestBodyBudget } from './request-body-budget';

// Memory exhaustion: a web page (or another local user) can send form POSTs and DynamoDB calls
// to the local servers without any credential. Before a body is read, the gates must refuse
// one that is over the cap or would take the server over what it may hold at once; else each
// request makes the runtime buffer up to its cap (256 MiB for S3), as many at once as are sent.

const MiB = 1024 * 1024;
const BUCKET = 'originals';
let s3: LocalS3;
let dynamo: LocalPeer;
const open: ClientRequest[] = [];

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startLocalS3({ buckets: [BUCKET], maxPostBodyBytes: 1 * MiB, maxBufferedBytes: 1.5 * MiB }), startLocalDynamo()]);
});
afterEach(() => {
  for (const request of open.splice(0)) request.destroy();
});
afterAll(async () => {
  await Promise.all([s3.stop(), dynamo.stop()]);
});

interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * Sends a request's headers and `sent` bytes of its declared `length`, and waits for an answer
 * while the rest is never sent: only a server that answers before reading the whole body answers.
 */
function partial(port: number, path: string, headers: Record<string, string>, length: number, sent: number): { request: ClientRequest; answer: Promise<Answer> } {
  const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { ...headers, 'content-length': String(length) } });
  open.push(request);
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
  });
  // A request this spec abandons (destroy) ends in "socket hang up": not a failure of the case.
  answer.catch(() => undefined);
  request.flushHeaders();
  if (sent > 0) request.write(Buffer.alloc(sent, 0x61));
  return { request, answer };
}

const within = <T>(promise: Promise<T>, ms = 3000): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms: the server is still reading the body`)), ms).unref())]);

const FORM = { 'content-type': 'multipart/form-data; boundary=x' };

describe('the local S3 gate holds bounded memory for bodies', () => {
  it('refuses an anonymous form POST that declares more than the cap before reading its body (400 EntityTooLarge)', async () => {
    const { answer } = partial(s3.port, `/${BUCKET}`, FORM, 300 * MiB, 0);

    const refused = await within(answer);

    expect(refused.status).toBe(400);
    expect(refused.text).toContain('EntityTooLarge');
  });

  it('refuses a parallel form POST that would take the server over what it may hold at once (503 SlowDown)', async () => {
    const first = partial(s3.port, `/${BUCKET}`, FORM, 1 * MiB, 900 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 150));

    const { request, answer } = partial(s3.port, `/${BUCKET}`, FORM, 1 * MiB, 0);
    request.end(Buffer.alloc(1 * MiB, 0x62));
    const second = await within(answer);

    expect(second.status).toBe(503);
    expect(second.text).toContain('SlowDown');
    first.request.destroy();
  });

  it('counts only bytes received: a sender that declares much and sends nothing holds nothing back from others', async () => {
    const idle = partial(s3.port, `/${BUCKET}`, FORM, 1 * MiB, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const { request, answer } = partial(s3.port, `/${BUCKET}`, FORM, 1 * MiB, 0);
    request.end(Buffer.alloc(1 * MiB, 0x62));
    const other = await within(answer);

    expect(other.status).not.toBe(503);
    expect(other.text).toContain('MalformedPOSTRequest');
    idle.request.destroy();
  });

  it('refuses a body without Content-Length once it grows past the cap (EntityTooLarge)', async () => {
    const request = httpRequest({ host: '127.0.0.1', port: s3.port, method: 'POST', path: `/${BUCKET}`, headers: { ...FORM, 'transfer-encoding': 'chunked' } });
    open.push(request);
    const answer = new Promise<Answer>((resolve, reject) => {
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('error', reject);
    });
    request.write(Buffer.alloc(MiB, 0x61));
    request.end(Buffer.alloc(MiB, 0x61));

    const refused = await within(answer);

    expect(refused.status).toBe(400);
    expect(refused.text).toContain('EntityTooLarge');
  });

  it('gives the memory back once a request is answered: the next POST is read and checked (a bad policy, not SlowDown)', async () => {
    const boundary = 'x';
    const body = `--${boundary}\r\ncontent-disposition: form-data; name="key"\r\n\r\nuploads/u/i/a.jpg\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.jpg"\r\ncontent-type: image/jpeg\r\n\r\nxx\r\n--${boundary}--\r\n`;
    for (let i = 0; i < 3; i += 1) {
      const { request, answer } = partial(s3.port, `/${BUCKET}`, FORM, Buffer.byteLength(body), 0);
      request.end(body);
      const refused = await within(answer);
      expect(refused.status).not.toBe(503);
      expect(refused.text).not.toContain('SlowDown');
    }
  });
});

describe('the local DynamoDB gate holds bounded memory for bodies', () => {
  it('refuses an unsigned call before reading its body', async () => {
    const { answer } = partial(dynamo.port, '/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, 8 * MiB, 0);

    const refused = await within(answer);

    expect(refused.status).toBe(400);
    expect(refused.text).toContain('MissingAuthenticationTokenException');
  });

  it('refuses a call that declares more than 16 MiB before reading its body (413)', async () => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' };
    const { answer } = partial(dynamo.port, '/', headers, 64 * MiB, 0);

    expect((await within(answer)).status).toBe(413);
  });

  it('still serves a signed call', async () => {
    const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS });
    try {
      await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: expect.any(Array) });
    } finally {
      client.destroy();
    }
  });
});

describe('RequestBodyBudget', () => {
  async function* chunks(...sizes: number[]) {
    for (const size of sizes) yield Buffer.alloc(size);
  }

  it('holds what it read until released, refuses what would go over the cap or the total', async () => {
    const budget = new RequestBodyBudget(10, 28);
    const a = await budget.read(chunks(5, 5), {});
    const b = await budget.read(chunks(10), { 'content-length': '10' });
    expect(budget.precheck({ 'content-length': '11' })).toBe('too-large');
    expect(budget.precheck({ 'content-length': '1e3' })).toBe('too-large');
    expect(await budget.read(chunks(6, 5), {})).toBe('too-large');
    expect(await budget.read(chunks(9), {})).toBe('busy');
    expect(budget.inFlight).toBe(20);
    if (typeof a === 'string' || typeof b === 'string') throw new Error('read');
    expect(a.body.byteLength).toBe(10);
    a.release();
    a.release();
    expect(budget.inFlight).toBe(10);
    b.release();
    expect(budget.inFlight).toBe(0);
  });
});
