import { ConcurrencyConflictError } from '../errors';
import { newId } from '../ids';
import type { ImageEventStore, NewImageEvent } from '../ports/image-event-store.port';
import { InMemoryImageEventStore } from '../ports/in-memory-image-event-store';
import { TABLE_NAMES, useLocalAws } from '../testing/local-aws.spec-helper';
import { DynamoImageEventStore } from './dynamo-image-event-store.adapter';

const local = useLocalAws();

function event(detailType: string, data: Record<string, unknown> = {}): NewImageEvent {
  const eventId = newId();
  return {
    eventId,
    source: 'imgpipe.test',
    detailType,
    occurredAt: '2025-01-02T03:04:05.000Z',
    detail: { version: 1, eventId, correlationId: 'c-1', occurredAt: '2025-01-02T03:04:05.000Z', data },
  };
}

// One behaviour, two implementations: the DynamoDB adapter on the local server, and the fake
// other services test with.
describe.each([
  ['DynamoImageEventStore (local DynamoDB)', () => new DynamoImageEventStore(local.clients.documents, TABLE_NAMES.events)],
  ['InMemoryImageEventStore', () => new InMemoryImageEventStore()],
])('%s', (_name, make: () => ImageEventStore) => {
  let store: ImageEventStore;
  beforeAll(() => {
    store = make();
  });

  it('appends a history from sequence 1 and loads it in order with the detail intact', async () => {
    const imageId = newId();
    const uploaded = event('ImageUploaded', { bytes: 1234, nested: { list: [1, 'two'] } });
    const compressed = event('ImageCompressed');
    const processed = event('ImageProcessed');

    const first = await store.append(imageId, 0, [uploaded]);
    const second = await store.append(imageId, 1, [compressed, processed]);
    const history = await store.load(imageId);

    expect(first).toMatchObject({ lastSequence: 1, duplicates: [] });
    expect(second.appended.map((e) => e.sequence)).toEqual([2, 3]);
    expect(history.map((e) => [e.sequence, e.detailType])).toEqual([
      [1, 'ImageUploaded'],
      [2, 'ImageCompressed'],
      [3, 'ImageProcessed'],
    ]);
    expect(history[0]).toEqual({ ...uploaded, imageId, sequence: 1 });
    await expect(store.load(newId())).resolves.toEqual([]);
  });

  it('stores a duplicated event once, even when redelivered with a stale expected sequence', async () => {
    const imageId = newId();
    const uploaded = event('ImageUploaded');
    await store.append(imageId, 0, [uploaded]);
    await store.append(imageId, 1, [event('ImageCompressed')]);

    const again = await store.append(imageId, 2, [uploaded]);
    const stale = await store.append(imageId, 0, [uploaded]);

    expect(again).toEqual({ appended: [], duplicates: [uploaded.eventId], lastSequence: 2 });
    expect(stale).toEqual({ appended: [], duplicates: [uploaded.eventId], lastSequence: 2 });
    expect((await store.load(imageId)).map((e) => e.eventId).filter((id) => id === uploaded.eventId)).toHaveLength(1);
  });

  it('never overwrites a sequence: a second writer at the same expected sequence gets a conflict', async () => {
    const imageId = newId();
    await store.append(imageId, 0, [event('ImageUploaded')]);
    const mine = event('ImageProcessed');
    const theirs = event('ImageProcessingFailed');

    await store.append(imageId, 1, [mine]);
    const error = await store.append(imageId, 1, [theirs]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    expect(error).toMatchObject({ code: 'ConcurrencyConflict', retryable: true });
    expect((await store.load(imageId)).map((e) => e.eventId)).toEqual([expect.any(String), mine.eventId]);
  });

  it('lets exactly one of two concurrent appends win the next sequence', async () => {
    const imageId = newId();
    await store.append(imageId, 0, [event('ImageUploaded')]);
    const a = event('ImageProcessed');
    const b = event('ImageProcessingFailed');

    const results = await Promise.allSettled([store.append(imageId, 1, [a]), store.append(imageId, 1, [b])]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(ConcurrencyConflictError);
    const history = await store.load(imageId);
    expect(history).toHaveLength(2);
    expect([a.eventId, b.eventId]).toContain(history[1]?.eventId);
  });

  it('stores the same event once when two deliveries append it concurrently', async () => {
    const imageId = newId();
    const uploaded = event('ImageUploaded');

    const results = await Promise.all([store.append(imageId, 0, [uploaded]), store.append(imageId, 0, [uploaded])]);

    expect(results.flatMap((r) => r.appended)).toHaveLength(1);
    expect(results.flatMap((r) => r.duplicates)).toEqual([uploaded.eventId]);
    await expect(store.load(imageId)).resolves.toHaveLength(1);
  });

  it('completes a batch whose first events were written before a crash, without duplicating them', async () => {
    const imageId = newId();
    await store.append(imageId, 0, [event('ImageUploaded')]);
    const batch = [event('ImageCompressed'), event('ThumbnailsGenerated'), event('ImageProcessed')];
    await store.append(imageId, 1, batch.slice(0, 1)); // the crash came after the first put

    const retry = await store.append(imageId, 1, batch);

    expect(retry.duplicates).toEqual([batch[0]?.eventId]);
    expect(retry.appended.map((e) => [e.sequence, e.eventId])).toEqual([
      [3, batch[1]?.eventId],
      [4, batch[2]?.eventId],
    ]);
    expect((await store.load(imageId)).map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
  });

  it('refuses an expected sequence beyond the end of the history, and bad arguments', async () => {
    const imageId = newId();

    await expect(store.append(imageId, 3, [event('ImageUploaded')])).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(store.append(imageId, -1, [event('ImageUploaded')])).rejects.toThrow(RangeError);
    const twice = event('ImageUploaded');
    await expect(store.append(imageId, 0, [twice, twice])).rejects.toThrow(RangeError);
    await expect(store.load(imageId)).resolves.toEqual([]);
  });

  it('scans every image id once, however long its history', async () => {
    const ids = [newId(), newId(), newId()];
    for (const [i, imageId] of ids.entries()) {
      await store.append(imageId, 0, Array.from({ length: i + 1 }, () => event('ImageUploaded')));
    }

    const seen: string[] = [];
    for await (const imageId of store.scanImageIds()) seen.push(imageId);

    for (const imageId of ids) expect(seen.filter((s) => s === imageId)).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('redacts stored details in place: sequences, ids and other images untouched; a second run rewrites nothing', async () => {
    const imageId = newId();
    const other = newId();
    const uploaded = event('ImageUploaded', { filename: 'me.jpg', size: 3 });
    const processed = event('ImageProcessed', { size: 3 });
    await store.append(imageId, 0, [uploaded, processed]);
    await store.append(other, 0, [event('ImageUploaded', { filename: 'me.jpg' })]);
    const strip = (e: { detail: Readonly<Record<string, unknown>> }) => {
      const data = { ...(e.detail['data'] as Record<string, unknown>) };
      delete data['filename'];
      return { ...e.detail, data };
    };

    const rewritten = await store.redact(imageId, strip);
    const again = await store.redact(imageId, strip);

    const history = await store.load(imageId);
    expect([rewritten, again]).toEqual([1, 0]);
    expect(history.map((e) => [e.sequence, e.eventId, e.detailType])).toEqual([
      [1, uploaded.eventId, 'ImageUploaded'],
      [2, processed.eventId, 'ImageProcessed'],
    ]);
    expect(history[0]?.detail['data']).toEqual({ size: 3 });
    expect(history[1]?.detail).toEqual(processed.detail);
    expect((await store.load(other))[0]?.detail['data']).toEqual({ filename: 'me.jpg' });
    await expect(store.redact(newId(), strip)).resolves.toBe(0);
  });
});

describe('DynamoImageEventStore conditional put (a writer that read before another wrote)', () => {
  /** A document client whose first PutItem waits until `release()`: the real client, only late. */
  function lateWriter() {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reachedPut!: () => void;
    const atPut = new Promise<void>((resolve) => (reachedPut = resolve));
    let held = false;
    const documents = local.clients.documents;
    const late = {
      send: async (command: Parameters<typeof documents.send>[0]) => {
        if (!held && command.constructor.name === 'PutCommand') {
          held = true;
          reachedPut();
          await gate;
        }
        return documents.send(command);
      },
    } as unknown as typeof documents;
    return { store: new DynamoImageEventStore(late, TABLE_NAMES.events), release, atPut };
  }

  it('turns the failed condition into a conflict when the other writer stored a different event', async () => {
    const imageId = newId();
    const fast = new DynamoImageEventStore(local.clients.documents, TABLE_NAMES.events);
    await fast.append(imageId, 0, [event('ImageUploaded')]);
    const slow = lateWriter();

    const pending = slow.store.append(imageId, 1, [event('ImageProcessingFailed')]).catch((e: unknown) => e);
    await slow.atPut; // it has read the history (ends at 1) and is about to write sequence 2
    const winner = event('ImageProcessed');
    await fast.append(imageId, 1, [winner]);
    slow.release();

    expect(await pending).toBeInstanceOf(ConcurrencyConflictError);
    expect((await fast.load(imageId)).map((e) => e.eventId)).toEqual([expect.any(String), winner.eventId]);
  });

  it('reports a duplicate when the other writer stored the same event', async () => {
    const imageId = newId();
    const fast = new DynamoImageEventStore(local.clients.documents, TABLE_NAMES.events);
    const uploaded = event('ImageUploaded');
    const slow = lateWriter();

    const pending = slow.store.append(imageId, 0, [uploaded]);
    await slow.atPut;
    await fast.append(imageId, 0, [uploaded]);
    slow.release();

    await expect(pending).resolves.toEqual({ appended: [], duplicates: [uploaded.eventId], lastSequence: 1 });
    await expect(fast.load(imageId)).resolves.toHaveLength(1);
  });
});

describe('DynamoImageEventStore append with the caller\'s history (AppendOptions.history)', () => {
  /** The real document client, counting what is sent by command name. */
  function counting() {
    const documents = local.clients.documents;
    const sent: string[] = [];
    const client = {
      send: (command: Parameters<typeof documents.send>[0]) => {
        sent.push(command.constructor.name);
        return documents.send(command);
      },
    } as unknown as typeof documents;
    return { store: new DynamoImageEventStore(client, TABLE_NAMES.events), sent };
  }

  it('plans from the given history: one PutItem per event, no second Query', async () => {
    const imageId = newId();
    const { store, sent } = counting();
    await store.append(imageId, 0, [event('ImageUploaded')]);
    const history = await store.load(imageId);
    sent.length = 0;

    const result = await store.append(imageId, 1, [event('ImageCompressed'), event('ImageProcessed')], { history });

    expect(sent).toEqual(['PutCommand', 'PutCommand']);
    expect(result.appended.map((e) => e.sequence)).toEqual([2, 3]);
  });

  it('is safe with a stale history: another writer\'s event is a conflict, the same event a duplicate, nothing is overwritten', async () => {
    const imageId = newId();
    const { store } = counting();
    await store.append(imageId, 0, [event('ImageUploaded')]);
    const stale = await store.load(imageId);
    const theirs = event('ImageProcessed');
    await store.append(imageId, 1, [theirs]);

    const conflict = await store.append(imageId, 1, [event('ImageProcessingFailed')], { history: stale }).catch((e: unknown) => e);
    const duplicate = await store.append(imageId, 1, [theirs], { history: stale });

    expect(conflict).toBeInstanceOf(ConcurrencyConflictError);
    expect(duplicate).toEqual({ appended: [], duplicates: [theirs.eventId], lastSequence: 2 });
    expect((await store.load(imageId)).map((e) => e.eventId)).toEqual([stale[0]?.eventId, theirs.eventId]);
  });
});
