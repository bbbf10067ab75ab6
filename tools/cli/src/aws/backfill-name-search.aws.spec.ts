import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAwsClients, DynamoImageReadModel, newId, TABLES, type AwsClients } from '@imgpipe/platform';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalDynamo, type LocalPeer } from '@imgpipe/platform/testing';
import { main } from '../main';
import { captureIo } from '../testing/capture-io';
import { SIGINT_REPEAT_MS, summaryLine } from '../commands/backfill-name-search.command';
import { backfillNameSearchOnTable } from './backfill-name-search.aws';

// The backfill against a DynamoDB-compatible server (dynalite, which refuses a request not
// SigV4-signed with its key pair) through the real SDK: the command builds its clients as it
// would on AWS (the SDK's default credential chain, here the environment), only the endpoint differs.
const TABLE = 'imgpipe-test-image-metadata';
let dynamo: LocalPeer;
let clients: AwsClients;
let model: DynamoImageReadModel;
const savedEnv: Record<string, string | undefined> = {};
const ENV = { AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined };

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tables: [{ definition: TABLES.imageMetadata, name: TABLE }] });
  clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: dynamo.endpoint } });
  model = new DynamoImageReadModel(clients.documents, TABLE);
  for (const [name, value] of Object.entries(ENV)) {
    savedEnv[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  clients?.destroy();
  await dynamo?.stop();
});

/** `count` records of a new user as an older adapter wrote them (no name search key), file names in mixed case. */
async function legacyRecords(count: number): Promise<{ userId: string; items: Record<string, unknown>[] }> {
  const userId = `user-${newId()}`;
  const items = Array.from({ length: count }, (_, i) => {
    const imageId = newId();
    return {
      imageId,
      userId,
      uploadedAt: `2025-07-01T00:00:${String(i).padStart(2, '0')}.000Z`,
      revision: 3,
      status: 'processed',
      originalKey: `uploads/${userId}/${imageId}/Old_Harbour ${i}.JPG`,
    };
  });
  for (const item of items) await clients.documents.send(new PutCommand({ TableName: TABLE, Item: item }));
  return { userId, items };
}

const cli = (...args: string[]) => {
  const io = captureIo();
  return main(['backfill-name-search', '--region', LOCAL_REGION, '--endpoint', dynamo.endpoint, ...args], io).then((code) => ({ code, io }));
};

/** Stops the backfill (aborts `controller`) once `afterPuts` puts went through the client. */
function interruptAfterPuts(documents: DynamoDBDocumentClient, afterPuts: number, controller: AbortController): () => void {
  let puts = 0;
  const name = `interrupt-after-${afterPuts}-puts-${newId()}`;
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      // The document client's PutCommand goes out as the low-level client's PutItemCommand.
      if (context.commandName === 'PutItemCommand' && ++puts === afterPuts) controller.abort();
      return result;
    },
    { step: 'initialize', name },
  );
  return () => documents.middlewareStack.remove(name);
}

describe('imgpipe backfill-name-search (the read model\'s own backfill, through the real SDK)', () => {
  it('gives every older record its key, so the search finds it case-insensitively, changes nothing else, and writes nothing on a second run', async () => {
    const { userId, items } = await legacyRecords(3);
    const search = { nameContains: 'old harbour' };
    await expect(model.countByUser(userId, search)).resolves.toBe(0);

    const first = await cli('--table', TABLE);

    expect(first.code).toBe(0);
    expect(first.io.stdout.text).toMatch(new RegExp(`^${TABLE}: scanned \\d+ item\\(s\\); wrote the name search key on \\d+ of \\d+ record\\(s\\) without it\\n$`));
    expect(first.io.stderr.text).toMatch(/^scanned \d+ item\(s\): \d+ without the name search key, \d+ written\n/);
    await expect(model.countByUser(userId, search)).resolves.toBe(3);
    for (const item of items) await expect(model.get(String(item['imageId']))).resolves.toEqual(item);

    const second = await cli('--table', TABLE);
    expect(second.code).toBe(0);
    expect(second.io.stdout.text).toMatch(/scanned \d+ item\(s\); every record already has its name search key; nothing written\n$/);
  });

  it('stops before its next write when interrupted; what it wrote stays written, and the next run (table from the stack\'s outputs) does the rest', async () => {
    // Everything earlier specs left is backfilled first, so the counts below are this test's.
    await backfillNameSearchOnTable(clients.documents, TABLE);
    const { userId } = await legacyRecords(5);
    const controller = new AbortController();
    const stopCounting = interruptAfterPuts(clients.documents, 2, controller);

    const progress: number[] = [];
    let interrupted;
    try {
      interrupted = await backfillNameSearchOnTable(clients.documents, TABLE, { signal: controller.signal, onProgress: (p) => progress.push(p.written) });
    } finally {
      stopCounting();
    }

    expect(interrupted).toMatchObject({ tableName: TABLE, matched: 5, written: 2, interrupted: true });
    expect(progress).toEqual([2]);
    await expect(model.countByUser(userId, { nameContains: 'old harbour' })).resolves.toBe(2);

    const dir = await mkdtemp(join(tmpdir(), 'imgpipe-cli-outputs-'));
    try {
      const outputsFile = join(dir, 'cdk-outputs.json');
      await writeFile(outputsFile, JSON.stringify({ 'imgpipe-test-foundation': { ImageMetadataTableName: TABLE } }));
      const rest = await cli('--stack', 'imgpipe-test-foundation', '--outputs-file', outputsFile);
      expect(rest.code).toBe(0);
      expect(rest.io.stdout.text).toContain('wrote the name search key on 3 of 3 record(s) without it');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(model.countByUser(userId, { nameContains: 'old harbour' })).resolves.toBe(5);
  });

  /** Runs the command on TABLE and calls `onListening` once it listens for SIGINT (it does only while it runs). */
  function runInterrupted(onListening: () => void): { run: Promise<number>; io: ReturnType<typeof captureIo> } {
    const io = captureIo();
    let finished = false;
    const run = main(['backfill-name-search', '--region', LOCAL_REGION, '--endpoint', dynamo.endpoint, '--table', TABLE], io).finally(() => {
      finished = true;
    });
    const wait = () => {
      if (finished) return;
      if (process.listenerCount('SIGINT') > 0) onListening();
      else setImmediate(wait);
    };
    wait();
    return { run, io };
  }

  it('stops at Ctrl-C (SIGINT) before its first write, says so and how to finish, and exits 1', async () => {
    await backfillNameSearchOnTable(clients.documents, TABLE);
    const { userId } = await legacyRecords(2);
    const { run, io } = runInterrupted(() => process.emit('SIGINT', 'SIGINT'));

    expect(await run).toBe(1);
    expect(io.stderr.text).toContain('interrupted; stopping before the next write');
    expect(io.stderr.text).toContain('run it again to finish');
    expect(io.stdout.text).toMatch(/wrote the name search key on 0 of 2 record\(s\) without it; interrupted before the end of the table\n$/);
    await expect(model.countByUser(userId, { nameContains: 'old harbour' })).resolves.toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('takes one Ctrl-C delivered twice at once (process group, npm, the relaunch) as one: the same clean stop and exit 1, not node\'s default kill', async () => {
    await backfillNameSearchOnTable(clients.documents, TABLE);
    const { userId } = await legacyRecords(2);
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as () => never);
    try {
      const { run, io } = runInterrupted(() => {
        process.emit('SIGINT', 'SIGINT');
        // A `once` listener is gone by now: this repeat would reach node's default and kill the process.
        expect(process.listenerCount('SIGINT')).toBe(1);
        process.emit('SIGINT', 'SIGINT');
      });

      expect(await run).toBe(1);
      expect(exit).not.toHaveBeenCalled();
      expect(io.stderr.text.match(/interrupted; stopping before the next write/g)).toHaveLength(1);
      expect(io.stderr.text).toContain('not finished; what is written stays written: run it again to finish');
      await expect(model.countByUser(userId, { nameContains: 'old harbour' })).resolves.toBe(0);
      expect(process.listenerCount('SIGINT')).toBe(0);
    } finally {
      exit.mockRestore();
    }
  });

  it('quits at once (130) on a second Ctrl-C more than a second after the first', async () => {
    await backfillNameSearchOnTable(clients.documents, TABLE);
    await legacyRecords(1);
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as () => never);
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now');
    try {
      const { run, io } = runInterrupted(() => {
        process.emit('SIGINT', 'SIGINT');
        clock.mockImplementation(() => realNow() + SIGINT_REPEAT_MS + 100);
        process.emit('SIGINT', 'SIGINT');
        clock.mockRestore();
      });

      await run;
      expect(exit).toHaveBeenCalledTimes(1);
      expect(exit).toHaveBeenCalledWith(130);
      expect(io.stderr.text).toContain('quit; what is written stays written');
    } finally {
      clock.mockRestore();
      exit.mockRestore();
    }
  });

  it('reports a run that an interrupt reached only after its last record as finished (exit 0), not interrupted', async () => {
    await backfillNameSearchOnTable(clients.documents, TABLE);
    const { userId } = await legacyRecords(2);
    const controller = new AbortController();

    // The table is one Scan page here: the abort comes after its last record's put.
    const result = await backfillNameSearchOnTable(clients.documents, TABLE, { signal: controller.signal, onProgress: () => controller.abort() });

    expect(controller.signal.aborted).toBe(true);
    expect(result).toMatchObject({ matched: 2, written: 2, interrupted: false });
    expect(summaryLine(result)).not.toContain('interrupted');
    await expect(model.countByUser(userId, { nameContains: 'old harbour' })).resolves.toBe(2);
  });

  it('refuses a command line without a table, with both --table and --stack, or with a bad endpoint (exit 2); a missing outputs file is exit 3', async () => {
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.io.stderr.text).toContain('--table <name> or --stack <name> is required');
    expect((await cli('--table', TABLE, '--stack', 'x')).code).toBe(2);
    expect((await cli('--table', TABLE, '--endpoint', 'not a url')).code).toBe(2);
    const missing = await cli('--stack', 'imgpipe-dev-foundation', '--outputs-file', join(tmpdir(), `missing-${newId()}.json`));
    expect(missing.code).toBe(3);
    expect(missing.io.stderr.text).toContain('cannot read the stack outputs');
  });

  it('is refused by a server that wants another key pair: AWS\'s refusal is exit 3, with its reason', async () => {
    const other = await startLocalDynamo({ tables: [{ definition: TABLES.imageMetadata, name: TABLE }], credentials: { accessKeyId: 'OTHER', secretAccessKey: 'OTHER-SECRET' } });
    try {
      const io = captureIo();
      const code = await main(['backfill-name-search', '--region', LOCAL_REGION, '--endpoint', other.endpoint, '--table', TABLE], io);
      expect(code).toBe(3);
      expect(io.stderr.text).toMatch(/^imgpipe backfill-name-search: .+/);
    } finally {
      await other.stop();
    }
  });
});
