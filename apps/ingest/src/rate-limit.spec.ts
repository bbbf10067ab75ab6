import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, createAwsClients, DynamoRateLimiter, MetricNames, TABLES, type AwsClients } from '@imgpipe/platform';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalDynamo, type LocalPeer } from '@imgpipe/platform/testing';
import { loadIngestConfig } from './config';
import type { HttpApiEvent } from './http/request';
import { createIngestHandlers } from './ingest.composition';
import { DEFAULT_RATE_LIMITS } from './rate-limit';
import { createHarness, TEST_ENV } from './testing/ingest-harness';

// Per-user limits through the real composition root (createIngestHandlers: what the Lambda
// entry and the local runtime both build), counted on dynalite through the real SDK.

const TABLE = 'rate-limits';
const local: { dynamo?: LocalPeer; clients?: AwsClients } = {};
beforeAll(async () => {
  local.dynamo = await startLocalDynamo({ tables: [{ definition: TABLES.rateLimits, name: TABLE }] });
  local.clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: local.dynamo.endpoint } });
});
/** The document client of the running local DynamoDB. */
function documents() {
  if (!local.clients) throw new Error('the local DynamoDB is not started');
  return local.clients.documents;
}
afterAll(async () => {
  local.clients?.destroy();
  await local.dynamo?.stop();
});

const SAMPLE = JSON.parse(readFileSync(join(__dirname, '..', 'events', 'api-get-images.json'), 'utf8')) as HttpApiEvent;

function request(sub: string, method: string, path: string, body?: unknown): HttpApiEvent {
  const event = structuredClone(SAMPLE);
  event.rawPath = path;
  event.requestContext.http = { ...event.requestContext.http, method, path };
  event.requestContext.authorizer.jwt.claims = { ...event.requestContext.authorizer.jwt.claims, sub };
  event.queryStringParameters = undefined;
  if (body !== undefined) {
    event.body = JSON.stringify(body);
    event.isBase64Encoded = false;
  }
  return event;
}

let run = 0;
/** A fresh user per test: the table is shared by the file. */
const user = (name: string) => `${name}-${(run += 1)}`;

/** Ingest's HTTP API over the harness's fakes and the DynamoDB counters, at 12:00:00 on a manual clock. */
function api(env: Record<string, string> = {}) {
  const h = createHarness({ RATE_LIMITS_TABLE: TABLE, ...env });
  const handlers = createIngestHandlers({ ...h.ports, rateLimiter: new DynamoRateLimiter(documents(), TABLE, h.clock) }, h.config);
  const call = async (event: HttpApiEvent) => {
    const response = await handlers.httpApi(event);
    return { status: response.statusCode, headers: response.headers, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
  };
  return { h, call };
}

const uploadBody = { filename: 'photo.jpg', contentType: 'image/jpeg', bytes: 1000 };

describe('per-user limits of the HTTP API', () => {
  it('answers the N+1st upload request of a window with 429, RATE_LIMITED, Retry-After and a sentence', async () => {
    const { h, call } = api({ RATE_LIMIT_UPLOADS: '3/60s' });
    const alice = user('alice');
    h.clock.set('2025-06-01T12:00:15.000Z');

    const passed = [];
    for (let i = 0; i < 3; i += 1) passed.push((await call(request(alice, 'POST', '/uploads', uploadBody))).status);
    const refused = await call(request(alice, 'POST', '/uploads', uploadBody));

    expect(passed).toEqual([201, 201, 201]);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.json).toEqual({
      code: 'RATE_LIMITED',
      message: 'Too many upload requests: at most 3 every 60 s per user. Try again in 45 s.',
    });
    // The refused request reached no use case: three grants, not four.
    expect(h.signer.requests).toHaveLength(3);
  });

  it('counts every refused request as RequestsRateLimited under its class, and no admitted one', async () => {
    const { call } = api({ RATE_LIMIT_UPLOADS: '1/60s', RATE_LIMIT_READS: '1/10s' });
    const alice = user('alice');
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    const statuses: number[] = [];
    try {
      statuses.push((await call(request(alice, 'POST', '/uploads', uploadBody))).status);
      statuses.push((await call(request(alice, 'POST', '/uploads', uploadBody))).status);
      statuses.push((await call(request(alice, 'GET', '/images'))).status);
      statuses.push((await call(request(alice, 'GET', '/images'))).status);
    } finally {
      spy.mockRestore();
    }

    expect(statuses).toEqual([201, 429, 200, 429]);
    const emf = lines.filter((l) => l.startsWith('{') && l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = emf.filter((l) => MetricNames.RequestsRateLimited in l);
    expect(refusals.map((l) => [l['rateClass'], l[MetricNames.RequestsRateLimited]])).toEqual([
      ['uploads', 1],
      ['reads', 1],
    ]);
  });

  it("leaves another user's budget, and the same user's other classes, whole", async () => {
    const { call } = api({ RATE_LIMIT_UPLOADS: '2/60s' });
    const [alice, bob] = [user('alice'), user('bob')];
    for (let i = 0; i < 2; i += 1) await call(request(alice, 'POST', '/uploads', uploadBody));

    expect((await call(request(alice, 'POST', '/uploads', uploadBody))).status).toBe(429);
    expect((await call(request(bob, 'POST', '/uploads', uploadBody))).status).toBe(201);
    expect((await call(request(alice, 'GET', '/images'))).status).toBe(200);
  });

  it('admits the user again when the window rolls over', async () => {
    const { h, call } = api({ RATE_LIMIT_READS: '2/10s' });
    const alice = user('alice');
    h.clock.set('2025-06-01T12:00:08.500Z');
    await call(request(alice, 'GET', '/images'));
    await call(request(alice, 'GET', '/images'));
    const refused = await call(request(alice, 'GET', '/images'));

    h.clock.set('2025-06-01T12:00:10.000Z');
    const nextWindow = await call(request(alice, 'GET', '/images'));

    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    expect(nextWindow.status).toBe(200);
  });

  it('never lets concurrent requests past the limit', async () => {
    const { h, call } = api({ RATE_LIMIT_CHANGES: '4/60s' });
    const alice = user('alice');
    const ids = Array.from({ length: 12 }, (_, i) => `0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a${String(i).padStart(2, '0')}`);
    for (const imageId of ids) await h.seedImage({ userId: alice, imageId, uploadedAt: '2025-06-01T11:00:00.000Z' });

    const statuses = await Promise.all(ids.map((id) => call(request(alice, 'DELETE', `/images/${id}`)).then((r) => r.status)));

    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
  });

  it('limits a class set to off for nobody, and refuses a malformed limit at load', () => {
    expect(loadIngestConfig({ ...TEST_ENV, RATE_LIMIT_READS: 'off', RATE_LIMIT_UPLOADS: '10/1s' }).rateLimits).toEqual({
      uploads: { requests: 10, windowSeconds: 1 },
      changes: DEFAULT_RATE_LIMITS.changes,
      reads: undefined,
    });
    for (const bad of ['0/60s', '10', '10/0s', '10/60', 'unlimited', '-1/60s']) {
      expect(() => loadIngestConfig({ ...TEST_ENV, RATE_LIMIT_UPLOADS: bad })).toThrow(ConfigError);
    }
  });

  it('fails the request, never lets it through unlimited, when the counters cannot be used', async () => {
    const h = createHarness({ RATE_LIMITS_TABLE: 'no-such-table' });
    const handlers = createIngestHandlers(
      { ...h.ports, rateLimiter: new DynamoRateLimiter(documents(), 'no-such-table', h.clock) },
      h.config,
    );

    const response = await handlers.httpApi(request(user('alice'), 'POST', '/uploads', uploadBody));

    // A missing table is no transient fault: 500 (a throttled or unreachable table would be 503).
    expect(response.statusCode).toBe(500);
    expect(h.signer.requests).toHaveLength(0);
  });
});
