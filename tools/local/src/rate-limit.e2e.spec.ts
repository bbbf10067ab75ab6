import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError } from '@imgpipe/workflow/api-client';
import { startLocalRuntime } from './runtime';
import { HttpError, RuntimeClient } from './testing/http-client';

// The per-user limits on `npm start`: the runtime mounts ingest's composition root with its
// local DynamoDB, so a user over the limit gets the same 429 as on AWS, and the UI's words.

describe('per-user limits on the local runtime', () => {
  let dataDir: string;
  let runtime: Awaited<ReturnType<typeof startLocalRuntime>>;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgpipe-rate-'));
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      web: false,
      recover: false,
      env: { ...process.env, RATE_LIMIT_UPLOADS: '2/86400s' },
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses the third upload request of the day with 429 RATE_LIMITED, Retry-After and a sentence; another user still uploads', async () => {
    const [alice, bob] = await Promise.all([RuntimeClient.signIn(runtime.url, 'alice'), RuntimeClient.signIn(runtime.url, 'bob')]);
    await alice.requestUpload('a.jpg', 'image/jpeg', 1000);
    await alice.requestUpload('b.jpg', 'image/jpeg', 1000);

    const refused = await alice.requestUpload('c.jpg', 'image/jpeg', 1000).catch((e: unknown) => e);
    const raw = await fetch(`${runtime.url}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'd.jpg', contentType: 'image/jpeg', bytes: 1000 }),
    });

    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(describeError(refused)).toMatch(/^Too many upload requests: at most 2 every 86400 s per user\. Try again in \d+ s\. \(RATE_LIMITED\)$/);
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
    await expect(bob.requestUpload('a.jpg', 'image/jpeg', 1000)).resolves.toMatchObject({ key: expect.stringContaining('a.jpg') });
  });
});
