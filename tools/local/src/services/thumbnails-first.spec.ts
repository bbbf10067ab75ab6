import { ThumbnailsFirst } from './thumbnails-first';

const run = (imageId: string, correlationId = imageId) => ({ uploaded: { imageId, original: { contentHash: 'h1' } }, correlationId });

/** A task that records when it started and ends when `finish` is called. */
function controllable(name: string, order: string[]) {
  let finish: (value: unknown) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const task = (input: unknown) => {
    order.push(`${name} start`);
    return new Promise<unknown>((resolve, reject) => {
      finish = (value) => {
        order.push(`${name} end`);
        resolve(value ?? input);
      };
      fail = reject;
    });
  };
  return { task, finish: (value?: unknown) => finish(value), fail: (error: Error) => fail(error) };
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ThumbnailsFirst (local runtime: a run\'s Compress starts after its thumbnail branch recorded)', () => {
  it('holds compress until the same run\'s RecordThumbnails ended, not only its thumbnail task, whichever was invoked first', async () => {
    const gate = new ThumbnailsFirst(5_000);
    const order: string[] = [];
    const thumbnail = controllable('thumbnail', order);
    const record = controllable('record', order);
    const compress = controllable('compress', order);
    const compressed = gate.compress(compress.task)(run('a'));
    const thumbnailed = gate.thumbnail(thumbnail.task)(run('a'));
    await tick(20);
    expect(order).toEqual(['thumbnail start']);
    thumbnail.finish('thumbs');
    await expect(thumbnailed).resolves.toBe('thumbs');
    // The branch goes on to RecordThumbnails (the same run's uploaded + correlationId): compress still waits.
    const recorded = gate.recordThumbnails(record.task)({ ...run('a'), thumbnails: { version: 'v1' } });
    await tick(20);
    expect(order).toEqual(['thumbnail start', 'thumbnail end', 'record start']);
    record.finish('recorded');
    await expect(recorded).resolves.toBe('recorded');
    await tick();
    compress.finish('full');
    await expect(compressed).resolves.toBe('full');
    expect(order).toEqual(['thumbnail start', 'thumbnail end', 'record start', 'record end', 'compress start', 'compress end']);
  });

  it('opens the gate when RecordThumbnails fails, and passes the failure on (the branch ends with the thumbnails all the same)', async () => {
    const gate = new ThumbnailsFirst(5_000);
    const order: string[] = [];
    const thumbnail = controllable('thumbnail', order);
    const record = controllable('record', order);
    const compress = controllable('compress', order);
    const compressed = gate.compress(compress.task)(run('f'));
    const thumbnailed = gate.thumbnail(thumbnail.task)(run('f'));
    thumbnail.finish();
    await thumbnailed;
    const recorded = gate.recordThumbnails(record.task)(run('f'));
    record.fail(new Error('DynamoDB unavailable'));
    await expect(recorded).rejects.toThrow('DynamoDB unavailable');
    await tick();
    expect(order).toEqual(['thumbnail start', 'thumbnail end', 'record start', 'compress start']);
    compress.finish();
    await compressed;
  });

  it('opens the gate when the thumbnail task fails, and passes the failure on', async () => {
    const gate = new ThumbnailsFirst(5_000);
    const order: string[] = [];
    const thumbnail = controllable('thumbnail', order);
    const compress = controllable('compress', order);
    const thumbnailed = gate.thumbnail(thumbnail.task)(run('b'));
    const compressed = gate.compress(compress.task)(run('b'));
    thumbnail.fail(new Error('decode failed'));
    await expect(thumbnailed).rejects.toThrow('decode failed');
    await tick();
    expect(order).toEqual(['thumbnail start', 'compress start']);
    compress.finish();
    await compressed;
  });

  it('waits no longer than its bound when the thumbnail task never comes', async () => {
    // A bound well above a loaded machine's timer lateness, so the first look cannot pass it.
    const gate = new ThumbnailsFirst(400);
    const order: string[] = [];
    const compress = controllable('compress', order);
    const started = performance.now();
    const compressed = gate.compress(compress.task)(run('c'));
    await tick(20);
    expect(order).toEqual([]);
    await tick(450);
    expect(order).toEqual(['compress start']);
    compress.finish();
    await compressed;
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('does not hold another run, nor a retry of a run whose thumbnails are done', async () => {
    const gate = new ThumbnailsFirst(400);
    const order: string[] = [];
    const thumbnail = controllable('thumbnail', order);
    const other = controllable('compress other', order);
    const record = controllable('record', order);
    const thumbnailed = gate.thumbnail(thumbnail.task)(run('d'));
    const compressOther = gate.compress(other.task)(run('e'));
    thumbnail.finish();
    await thumbnailed;
    const recorded = gate.recordThumbnails(record.task)(run('d'));
    record.finish();
    await recorded;
    // Same image, another run (a replay's correlation id): its own gate, held.
    const replay = controllable('compress replay', order);
    const replayed = gate.compress(replay.task)(run('d', 'replay-1'));
    // The run whose thumbnails are done: a retry of its Compress starts at once.
    const retry = controllable('compress retry', order);
    const retried = gate.compress(retry.task)(run('d'));
    await tick(20);
    expect(order).toContain('compress retry start');
    expect(order).not.toContain('compress replay start');
    expect(order).not.toContain('compress other start');
    retry.finish();
    await retried;
    // Past the bound, the runs whose thumbnails never came start anyway.
    await tick(450);
    expect(order).toContain('compress replay start');
    expect(order).toContain('compress other start');
    other.finish();
    replay.finish();
    await Promise.all([compressOther, replayed]);
  });

  it('does not hold a task whose input names no run', async () => {
    const gate = new ThumbnailsFirst(5_000);
    const order: string[] = [];
    const compress = controllable('compress', order);
    const compressed = gate.compress(compress.task)({ something: 'else' });
    await tick();
    expect(order).toEqual(['compress start']);
    compress.finish();
    await compressed;
  });
});
