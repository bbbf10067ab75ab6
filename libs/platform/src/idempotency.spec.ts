import { newId } from './ids';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
  imageIdempotencyKey,
  localLambdaContext,
  makeIdempotentOperation,
} from './idempotency';
import { TABLE_NAMES, useLocalAws } from './testing/local-aws.spec-helper';

const local = useLocalAws();

interface Task {
  imageId: string;
  contentHash: string;
  renditionsVersion: string;
  options: { quality: number };
  deliveryId?: string;
}

function task(overrides: Partial<Task> = {}): Task {
  return { imageId: newId(), contentHash: 'sha256-abc', renditionsVersion: 'v1', options: { quality: 80 }, ...overrides };
}

/** An operation whose effect is counted, made idempotent on the local DynamoDB. */
function countedOperation(name = `op-${newId()}`, validate?: (t: Task) => unknown) {
  const effects: Task[] = [];
  const run = makeIdempotentOperation(
    async (input: Task) => {
      effects.push(input);
      return { outputKey: `compressed/${input.imageId}.webp`, run: effects.length };
    },
    {
      name,
      key: imageIdempotencyKey,
      ...(validate ? { validate } : {}),
      persistence: { tableName: TABLE_NAMES.idempotency, client: local.clients.dynamodb },
    },
  );
  return { run, effects };
}

describe('makeIdempotentOperation (Powertools, DynamoDB persistence on the local server)', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(console, 'warn');
  });
  afterEach(() => {
    // Outside Lambda, the local context keeps Powertools from warning about remaining time.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('runs a duplicate delivery once and returns the stored result to the duplicate', async () => {
    const name = `op-${newId()}`;
    const instanceA = countedOperation(name);
    const instanceB = countedOperation(name); // another Lambda instance: only the table is shared
    const input = task();

    const first = await instanceA.run(input);
    const again = await instanceA.run({ ...input });
    const elsewhere = await instanceB.run({ ...input });

    expect(instanceA.effects).toHaveLength(1);
    expect(instanceB.effects).toHaveLength(0);
    expect(again).toEqual(first);
    expect(elsewhere).toEqual(first);
    expect(first).toEqual({ outputKey: `compressed/${input.imageId}.webp`, run: 1 });
  });

  it('refuses a changed payload under the same key instead of returning or overwriting', async () => {
    const { run, effects } = countedOperation();
    const input = task();
    await run(input);

    const error = await run({ ...input, options: { quality: 30 } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IdempotencyValidationError);
    expect(effects).toHaveLength(1);
  });

  it('treats another content hash or renditions version as new work', async () => {
    const { run, effects } = countedOperation();
    const input = task();

    await run(input);
    await run({ ...input, contentHash: 'sha256-def' });
    await run({ ...input, renditionsVersion: 'v2' });

    expect(effects).toHaveLength(3);
  });

  it('validates only the chosen part of the payload when told to', async () => {
    const { run, effects } = countedOperation(undefined, (t) => t.options);
    const input = task({ deliveryId: 'd-1' });

    await run(input);
    const redelivered = await run({ ...input, deliveryId: 'd-2' });

    expect(effects).toHaveLength(1);
    expect(redelivered).toMatchObject({ run: 1 });
  });

  it('keeps the keys of two operations apart', async () => {
    const a = countedOperation('compress');
    const b = countedOperation('thumbnail');
    const input = task();

    await a.run(input);
    await b.run(input);

    expect([a.effects.length, b.effects.length]).toEqual([1, 1]);
  });

  it('runs again after a failure (the in-progress record is removed)', async () => {
    let attempts = 0;
    const run = makeIdempotentOperation(
      async (_input: Task) => {
        attempts += 1;
        if (attempts === 1) throw new Error('transient');
        return { ok: true };
      },
      { name: `op-${newId()}`, key: imageIdempotencyKey, persistence: { tableName: TABLE_NAMES.idempotency, client: local.clients.dynamodb } },
    );
    const input = task();

    await expect(run(input)).rejects.toThrow('transient');
    await expect(run(input)).resolves.toEqual({ ok: true });
    expect(attempts).toBe(2);
  });

  it('refuses a duplicate that arrives while the first delivery is still running', async () => {
    let finish!: () => void;
    const running = new Promise<void>((resolve) => (finish = resolve));
    let started!: () => void;
    const inside = new Promise<void>((resolve) => (started = resolve));
    const run = makeIdempotentOperation(
      async (_input: Task) => {
        started(); // Powertools stored the in-progress record before calling us
        await running;
        return { ok: true };
      },
      { name: `op-${newId()}`, key: imageIdempotencyKey, persistence: { tableName: TABLE_NAMES.idempotency, client: local.clients.dynamodb } },
    );
    const input = task();

    const first = run(input);
    await inside;
    const second = await run(input).catch((e: unknown) => e);
    finish();

    expect(second).toBeInstanceOf(IdempotencyAlreadyInProgressError);
    await expect(first).resolves.toEqual({ ok: true });
  });
});

describe('imageIdempotencyKey and localLambdaContext', () => {
  it('joins the three parts and refuses an empty one', () => {
    expect(imageIdempotencyKey({ imageId: 'i', contentHash: 'h', renditionsVersion: 3 })).toBe('i#h#3');
    expect(() => imageIdempotencyKey({ imageId: 'i', contentHash: '', renditionsVersion: 'v1' })).toThrow(RangeError);
  });

  it('counts the remaining time down from its timeout', () => {
    let now = 1_000;
    const context = localLambdaContext({ functionName: 'f', timeoutMs: 5_000, now: () => now });

    now += 1_500;

    expect(context.getRemainingTimeInMillis()).toBe(3_500);
    expect(context.functionName).toBe('f');
  });
});
