import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { InMemoryRateLimiter } from '../ports/in-memory-rate-limiter';
import { ManualClock } from '../ports/manual-clock';
import { rateCounterKey, rateWindow, type RateLimit, type RateLimiter } from '../ports/rate-limiter.port';
import { TABLES } from '../tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalDynamo, type LocalPeer } from '../testing/local-peers';
import { createAwsClients, type AwsClients } from './clients';
import { DependencyError } from '../errors';
import { DynamoRateLimiter } from './dynamo-rate-limiter.adapter';

const TABLE = 'test-rate-limits';
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

const LIMIT: RateLimit = { requests: 5, windowSeconds: 60 };
// 20 s into a minute window: it ends 40 s later.
const START = '2026-12-05T12:00:20.000Z';

let run = 0;
/** A fresh user id per test, so the tests of one file never share a counter. */
const user = (name: string) => `${name}-${(run += 1)}`;

describe.each([
  ['DynamoRateLimiter (dynalite, real SDK)', (clock: ManualClock): RateLimiter => new DynamoRateLimiter(documents(), TABLE, clock)],
  ['InMemoryRateLimiter', (clock: ManualClock): RateLimiter => new InMemoryRateLimiter(clock)],
])('%s', (_name, make: (clock: ManualClock) => RateLimiter) => {
  it('allows N requests in a window and refuses the N+1st with the seconds until the window ends', async () => {
    const clock = new ManualClock(START);
    const limiter = make(clock);
    const alice = user('alice');

    const allowed = [];
    for (let i = 0; i < LIMIT.requests; i += 1) allowed.push(await limiter.consume(alice, 'uploads', LIMIT));
    const refused = await limiter.consume(alice, 'uploads', LIMIT);

    expect(allowed.map((d) => d.allowed && d.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 40, resetAt: new Date('2026-12-05T12:01:00.000Z') });
  });

  it("counts each user and each class apart: one user's spent budget leaves another's whole", async () => {
    const clock = new ManualClock(START);
    const limiter = make(clock);
    const [alice, bob] = [user('alice'), user('bob')];
    for (let i = 0; i < LIMIT.requests; i += 1) await limiter.consume(alice, 'uploads', LIMIT);

    expect((await limiter.consume(alice, 'uploads', LIMIT)).allowed).toBe(false);
    expect(await limiter.consume(bob, 'uploads', LIMIT)).toMatchObject({ allowed: true, remaining: 4 });
    expect(await limiter.consume(alice, 'reads', LIMIT)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('starts a fresh budget when the window rolls over, and rounds Retry-After up to whole seconds', async () => {
    const clock = new ManualClock(START);
    const limiter = make(clock);
    const alice = user('alice');
    for (let i = 0; i < LIMIT.requests; i += 1) await limiter.consume(alice, 'uploads', LIMIT);

    clock.set('2026-12-05T12:00:59.400Z');
    const lastMoment = await limiter.consume(alice, 'uploads', LIMIT);
    clock.set('2026-12-05T12:01:00.000Z');
    const nextWindow = await limiter.consume(alice, 'uploads', LIMIT);

    expect(lastMoment).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(nextWindow).toMatchObject({ allowed: true, remaining: 4, resetAt: new Date('2026-12-05T12:02:00.000Z') });
  });

  it('never allows more than the limit to concurrent requests', async () => {
    const clock = new ManualClock(START);
    const limiter = make(clock);
    const alice = user('alice');
    const limit: RateLimit = { requests: 7, windowSeconds: 60 };

    const decisions = await Promise.all(Array.from({ length: 40 }, () => limiter.consume(alice, 'changes', limit)));

    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(33);
  });
});

describe('DynamoRateLimiter on the table', () => {
  it('keeps one counter item per class, user and window, expired by the TTL an hour after the window', async () => {
    const clock = new ManualClock(START);
    const limiter = new DynamoRateLimiter(documents(), TABLE, clock);
    const alice = user('alice');
    await limiter.consume(alice, 'uploads', LIMIT);
    await limiter.consume(alice, 'uploads', LIMIT);

    const { start, end } = rateWindow(clock.now(), LIMIT.windowSeconds);
    const item = await documents().send(
      new GetCommand({ TableName: TABLE, Key: { counterKey: rateCounterKey('uploads', alice, start) }, ConsistentRead: true }),
    );
    expect(item.Item).toEqual({ counterKey: `uploads#${start}#${alice}`, count: 2, expiresAt: end + 3600 });
  });

  it('reports a table it cannot reach as a dependency failure, not as a refusal', async () => {
    const limiter = new DynamoRateLimiter(documents(), 'no-such-table', new ManualClock(START));

    const error = await limiter.consume(user('alice'), 'uploads', LIMIT).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DependencyError);
  });
});
