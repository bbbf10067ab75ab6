import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleEnvelope, ImageUploadedV1, redactEvent, toEventBridgeEvent } from '@imgpipe/contracts';
import { EventArchive, type ArchivedEvent } from './archive';
import type { BusEvent } from './bus-event';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imgpipe-archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TIME = '2025-06-01T12:00:00.000Z';
const NOW = new Date(TIME);

function event(detailType: string, eventId: string, data: Record<string, unknown>, id = `bus-${eventId}`): BusEvent {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'imgpipe.test',
    account: '000000000000',
    time: TIME,
    region: 'us-east-1',
    resources: [],
    detail: { version: 1, eventId, correlationId: 'c', occurredAt: TIME, data },
  };
}

let s3Events = 0;
/** S3's "Object Created" as the bus gets it: a random bus id (never the key), the key in the detail. */
function objectCreated(key: string): BusEvent {
  s3Events += 1;
  return {
    version: '0',
    id: `s3-event-${s3Events}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: TIME,
    region: 'us-east-1',
    resources: [],
    detail: { bucket: { name: 'originals' }, object: { key, size: 10 } },
  };
}

async function all(archive = new EventArchive(dir)): Promise<ArchivedEvent[]> {
  const read: ArchivedEvent[] = [];
  for await (const archived of archive.read()) read.push(archived);
  return read;
}

describe('EventArchive: one line per detail.eventId', () => {
  it('appends an event once per detail.eventId, also after a restart (the ids are indexed from the files)', async () => {
    const first = new EventArchive(dir);
    expect(await first.append('imgpipe', event('ImageUploaded', 'ev-1', { imageId: 'a' }), NOW)).toBe(true);
    expect(await first.append('imgpipe', event('ImageUploaded', 'ev-1', { imageId: 'a' }, 'another-bus-id'), NOW)).toBe(false);
    await first.close();

    const second = new EventArchive(dir);
    expect(await second.append('imgpipe', event('ImageUploaded', 'ev-1', { imageId: 'a' }, 'third-bus-id'), NOW)).toBe(false);
    expect(await second.append('imgpipe', event('ImageProcessed', 'ev-2', { imageId: 'a' }), NOW)).toBe(true);
    await second.close();

    expect((await all()).map((a) => a.event.id)).toEqual(['bus-ev-1', 'bus-ev-2']);
  });

  it('indexes the ids and opens the day file at prepare(), not at the first append (issue 13: the first event after a start)', async () => {
    const archive = new EventArchive(dir);
    await archive.prepare(NOW);
    expect(await readdir(dir)).toEqual(['2025-06-01.jsonl']);
    // A day file written after prepare() is not in the index prepare() read (a first append would read it).
    const line: ArchivedEvent = { bus: 'imgpipe', archivedAt: TIME, event: event('ImageUploaded', 'ev-7', { imageId: 'g' }) };
    await writeFile(join(dir, '2025-05-31.jsonl'), `${JSON.stringify(line)}\n`);

    expect(await archive.append('imgpipe', event('ImageUploaded', 'ev-7', { imageId: 'g' }, 'later-bus-id'), NOW)).toBe(true);
    await archive.prepare(NOW);
    expect(await archive.append('imgpipe', event('ImageUploaded', 'ev-7', { imageId: 'g' }, 'third-bus-id'), NOW)).toBe(false);
    await archive.close();
    expect((await all()).map((a) => a.event.id)).toEqual(['bus-ev-7', 'later-bus-id']);
  });

  it('keeps one of the same event appended concurrently', async () => {
    const archive = new EventArchive(dir);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => archive.append('imgpipe', event('ImageUploaded', 'ev-same', {}, `bus-${i}`), NOW)),
    );
    await archive.close();

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await all()).toHaveLength(1);
  });

  it('appends every event that has no detail.eventId (S3 notifications)', async () => {
    const archive = new EventArchive(dir);
    await archive.append('default', objectCreated('uploads/u/a/x.jpg'), NOW);
    await archive.append('default', objectCreated('uploads/u/a/x.jpg'), NOW);
    await archive.close();

    expect(await all()).toHaveLength(2);
  });

  it('does not let a line cut short by a crash swallow the next one', async () => {
    const archive = new EventArchive(dir);
    await archive.append('imgpipe', event('ImageUploaded', 'ev-1', {}), NOW);
    await archive.close();
    await appendFile(join(dir, '2025-06-01.jsonl'), '{"bus":"imgpipe","event":{"id');

    const reopened = new EventArchive(dir);
    await reopened.append('imgpipe', event('ImageProcessed', 'ev-2', {}), NOW);
    await reopened.close();

    expect((await all()).map((a) => a.event['detail-type'])).toEqual(['ImageUploaded', 'ImageProcessed']);
  });
});

/** A redaction like contracts' own: an S3 notification loses its key, an imgpipe event its file name. */
const redact = (detailType: string, detail: { data?: Record<string, unknown>; object?: { key: string } }) =>
  detailType === 'Object Created'
    ? { ...detail, object: { key: 'redacted' } }
    : { ...detail, data: { ...detail.data, filename: undefined, redacted: true } };

describe('EventArchive.redactImage', () => {
  it('rewrites every archived event of the image, on every day, and nothing else', async () => {
    const archive = new EventArchive(dir);
    await archive.append('default', objectCreated('uploads/u/img-a/holiday in Rome.jpg'), new Date('2025-06-01T10:00:00Z'));
    await archive.append('imgpipe', event('ImageUploaded', 'a-1', { imageId: 'img-a', filename: 'holiday in Rome.jpg' }), new Date('2025-06-01T10:00:01Z'));
    await archive.append('imgpipe', event('ImageUploaded', 'b-1', { imageId: 'img-b', filename: 'keep.jpg' }), new Date('2025-06-01T10:00:02Z'));
    await archive.append('imgpipe', event('ImageProcessed', 'a-2', { imageId: 'img-a' }), new Date('2025-06-02T10:00:00Z'));
    await archive.append('imgpipe', event('ImageProcessed', 'c-1', { imageId: 'img-c' }), new Date('2025-06-03T10:00:00Z'));
    const before = await readFile(join(dir, '2025-06-03.jsonl'), 'utf8');

    expect(await archive.redactImage('img-a', redact)).toBe(3);
    await archive.close();

    const text = (await Promise.all(['2025-06-01', '2025-06-02'].map((d) => readFile(join(dir, `${d}.jsonl`), 'utf8')))).join('');
    expect(text).not.toContain('Rome');
    const read = await all();
    expect(read.map((a) => a.event.detail)).toEqual([
      { bucket: { name: 'originals' }, object: { key: 'redacted' } },
      expect.objectContaining({ eventId: 'a-1', data: { imageId: 'img-a', redacted: true } }),
      expect.objectContaining({ eventId: 'b-1', data: { imageId: 'img-b', filename: 'keep.jpg' } }),
      expect.objectContaining({ eventId: 'a-2', data: { imageId: 'img-a', redacted: true } }),
      expect.objectContaining({ eventId: 'c-1' }),
    ]);
    // A day without the image is not rewritten; no temporary file is left.
    expect(await readFile(join(dir, '2025-06-03.jsonl'), 'utf8')).toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['2025-06-01.jsonl', '2025-06-02.jsonl', '2025-06-03.jsonl']);
  });

  it('takes contracts’ redactEvent as it is: no file name is left in the archive', async () => {
    const uploaded = toEventBridgeEvent(ImageUploadedV1, exampleEnvelope(ImageUploadedV1, 'full')) as BusEvent;
    const { imageId, original } = (uploaded.detail as { data: { imageId: string; original: { key: string } } }).data;
    const filename = original.key.split('/')[3] ?? '';
    const archive = new EventArchive(dir);
    await archive.append('default', objectCreated(original.key), NOW);
    await archive.append('imgpipe', uploaded, NOW);

    expect(await archive.redactImage(imageId, redactEvent)).toBe(2);
    await archive.close();

    expect(filename.length).toBeGreaterThan(3);
    expect(await readFile(join(dir, '2025-06-01.jsonl'), 'utf8')).not.toContain(filename);
    expect((await all()).map((a) => a.event['detail-type'])).toEqual(['Object Created', 'ImageUploaded']);
  });

});

describe('EventArchive.redactImage, under concurrent appends and failures', () => {
  it('loses no append that runs while it rewrites the file being appended to', async () => {
    const archive = new EventArchive(dir);
    for (let i = 0; i < 200; i += 1) await archive.append('imgpipe', event('ImageUploaded', `old-${i}`, { imageId: i % 2 ? 'img-a' : 'img-b' }), NOW);

    const appends = Array.from({ length: 200 }, (_, i) => archive.append('imgpipe', event('ImageProcessed', `new-${i}`, { imageId: 'img-b' }), NOW));
    const redaction = archive.redactImage('img-a', redact);
    const later = Array.from({ length: 50 }, (_, i) => archive.append('imgpipe', event('ImageProcessed', `later-${i}`, { imageId: 'img-a' }), NOW));
    expect(await redaction).toBe(100);
    await Promise.all([...appends, ...later]);
    await archive.close();

    const read = await all();
    expect(read).toHaveLength(450);
    expect(new Set(read.map((a) => (a.event.detail as { eventId: string }).eventId)).size).toBe(450);
  });

  it('leaves a day file whole when the rewrite fails, and a stale rewrite file is never read as events', async () => {
    const archive = new EventArchive(dir);
    await archive.append('imgpipe', event('ImageUploaded', 'a-1', { imageId: 'img-a', filename: 'x.jpg' }), NOW);
    await writeFile(join(dir, '2025-06-01.jsonl.rewrite'), 'half a file');
    const before = await readFile(join(dir, '2025-06-01.jsonl'), 'utf8');

    await expect(
      archive.redactImage('img-a', () => {
        throw new Error('redaction failed');
      }),
    ).rejects.toThrow('redaction failed');
    expect(await readFile(join(dir, '2025-06-01.jsonl'), 'utf8')).toBe(before);
    // The archive still takes appends after a failed redaction.
    expect(await archive.append('imgpipe', event('ImageProcessed', 'a-2', { imageId: 'img-a' }), NOW)).toBe(true);
    await archive.close();
    expect(await all()).toHaveLength(2);
  });
});
