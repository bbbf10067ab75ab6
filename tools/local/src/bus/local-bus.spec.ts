import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exampleEnvelope,
  ImageProcessedV1,
  ImageProcessingFailedV1,
  ImageUploadedV1,
  toEventBridgeEvent,
} from '@imgpipe/contracts';
import { parseObjectCreatedEvent } from '@imgpipe/ingest';
import { eventRules, type RuleTarget } from '@imgpipe/workflow';
import { toObjectCreatedEntry, type S3NotificationRecord } from '../services/s3-notifications';
import { EventArchive } from './archive';
import { toBusEvent, type BusEvent } from './bus-event';
import { LocalBus, type DeliveryOutcome } from './local-bus';

const ORIGINALS = 'originals';
const TARGETS: readonly RuleTarget[] = ['pipeline', 'notify-queue', 'ingest-on-object-created', 'metadata'];

interface Harness {
  readonly bus: LocalBus;
  readonly received: Record<RuleTarget, BusEvent[]>;
  readonly outcomes: DeliveryOutcome[];
}

function harness(options: { archive?: EventArchive; failing?: RuleTarget[] } = {}): Harness {
  const received = Object.fromEntries(TARGETS.map((t) => [t, [] as BusEvent[]])) as Record<RuleTarget, BusEvent[]>;
  const outcomes: DeliveryOutcome[] = [];
  const targets = Object.fromEntries(
    TARGETS.map((target) => [
      target,
      async (event: BusEvent) => {
        received[target].push(event);
        if (options.failing?.includes(target)) throw new Error(`${target} is down`);
      },
    ]),
  ) as Record<RuleTarget, (event: BusEvent) => Promise<void>>;
  const bus = new LocalBus({
    rules: eventRules({ originalsBucketName: ORIGINALS }),
    targets,
    ...(options.archive ? { archive: options.archive } : {}),
    retry: { attempts: 3, baseDelayMs: 0 },
    sleep: async () => undefined,
    onDelivered: (outcome) => outcomes.push(outcome),
  });
  return { bus, received, outcomes };
}

/** s3rver's notification record for a POST upload. */
function s3Record(bucket: string, key: string): S3NotificationRecord {
  return {
    eventTime: '2025-06-01T12:00:00.000Z',
    eventName: 'ObjectCreated:Post',
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'ABC123' },
    s3: { bucket: { name: bucket }, object: { key, size: 1234, eTag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '18C0' } },
  };
}

function objectCreated(bucket: string, key: string): BusEvent {
  const entry = toObjectCreatedEntry(s3Record(bucket, key));
  if (!entry) throw new Error('not an Object Created record');
  return toBusEvent(entry);
}

const uploaded = toEventBridgeEvent(ImageUploadedV1, exampleEnvelope(ImageUploadedV1, 'full')) as BusEvent;
const processed = toEventBridgeEvent(ImageProcessedV1, exampleEnvelope(ImageProcessedV1, 'full')) as BusEvent;
const failedInPipeline = toEventBridgeEvent(ImageProcessingFailedV1, exampleEnvelope(ImageProcessingFailedV1, 'full'), {
  source: 'imgpipe.metadata',
}) as BusEvent;

describe('S3 notifications as EventBridge "Object Created" events', () => {
  it('have the shape ingest’s onObjectCreated reads', () => {
    const event = objectCreated(ORIGINALS, 'uploads/alice/0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/photo.jpg');

    expect(event).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      resources: [`arn:aws:s3:::${ORIGINALS}`],
      detail: { bucket: { name: ORIGINALS }, object: { size: 1234 }, reason: 'PostObject' },
    });
    expect(parseObjectCreatedEvent(event)).toEqual({
      bucket: ORIGINALS,
      key: 'uploads/alice/0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/photo.jpg',
      size: 1234,
      etag: 'b1946ac92492d2347c6235b4d2611184',
      createdAt: '2025-06-01T12:00:00.000Z',
    });
  });

  it('are not made for deletions', () => {
    expect(toObjectCreatedEntry({ ...s3Record(ORIGINALS, 'uploads/a/b/c.jpg'), eventName: 'ObjectRemoved:Delete' })).toBeUndefined();
  });
});

describe('the local bus routes by libs/workflow’s rules', () => {
  it('sends an upload under uploads/ in the originals bucket to ingest only', async () => {
    const h = harness();
    const rules = await h.bus.put('default', objectCreated(ORIGINALS, 'uploads/alice/img-1/photo.jpg'));
    await h.bus.idle();

    expect(rules.map((r) => r.target)).toEqual(['ingest-on-object-created']);
    expect(h.received['ingest-on-object-created']).toHaveLength(1);
  });

  it('ignores objects outside uploads/, in another bucket, or on the wrong bus', async () => {
    const h = harness();
    expect(await h.bus.put('default', objectCreated(ORIGINALS, 'thumbnails/alice/img-1/small.jpg'))).toEqual([]);
    expect(await h.bus.put('default', objectCreated('processed', 'uploads/alice/img-1/photo.jpg'))).toEqual([]);
    expect(await h.bus.put('imgpipe', objectCreated(ORIGINALS, 'uploads/alice/img-1/photo.jpg'))).toEqual([]);
    await h.bus.idle();
    expect(Object.values(h.received).flat()).toEqual([]);
  });

  it('sends ImageUploaded to the pipeline and metadata; the outcomes to the notify queue and metadata', async () => {
    const h = harness();
    const routes = async (event: BusEvent) => (await h.bus.put('imgpipe', event)).map((r) => r.target).sort();

    expect(await routes(uploaded)).toEqual(['metadata', 'pipeline']);
    expect(await routes(processed)).toEqual(['metadata', 'notify-queue']);
    expect(await routes(failedInPipeline)).toEqual(['metadata', 'notify-queue']);
    await h.bus.idle();

    expect(h.received.pipeline.map((e) => e['detail-type'])).toEqual(['ImageUploaded']);
    expect(h.received['notify-queue'].map((e) => e['detail-type'])).toEqual(['ImageProcessed', 'ImageProcessingFailed']);
    expect(h.received.metadata).toHaveLength(3);
  });

  it('routes nothing from an unknown source, an unknown version, or the default bus', async () => {
    const h = harness();
    expect(await h.bus.put('imgpipe', { ...uploaded, source: 'someone.else' })).toEqual([]);
    expect(await h.bus.put('imgpipe', { ...uploaded, detail: { ...(uploaded.detail as object), version: 99 } })).toEqual([]);
    expect(await h.bus.put('default', uploaded)).toEqual([]);
  });

  it('publishes through the EventPublisher port the services use, with a bus event id each', async () => {
    const h = harness();
    const result = await h.bus.publisher('imgpipe').publish([
      { source: ImageUploadedV1.source, detailType: 'ImageUploaded', detail: uploaded.detail as object },
    ]);
    await h.bus.idle();

    expect(result.failed).toEqual([]);
    expect(result.published[0]?.busEventId).toEqual(expect.any(String));
    expect(h.received.pipeline[0]).toMatchObject({ id: result.published[0]?.busEventId, detail: uploaded.detail });
  });

  it('retries a failing target, then dead-letters the event while the other targets get theirs', async () => {
    const h = harness({ failing: ['metadata'] });
    await h.bus.put('imgpipe', uploaded);
    await h.bus.idle();

    expect(h.received.metadata).toHaveLength(3);
    expect(h.received.pipeline).toHaveLength(1);
    expect(h.bus.deadLetters).toBe(1);
    const failed = h.outcomes.find((o) => o.rule.target === 'metadata');
    expect(failed).toMatchObject({ attempts: 3, error: expect.any(Error) });
  });
});

describe('the archive', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgpipe-archive-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gets every event the bus takes, from both buses, before delivery; never a replayed one', async () => {
    const archive = new EventArchive(dir);
    const h = harness({ archive });
    await h.bus.put('default', objectCreated(ORIGINALS, 'uploads/alice/img-1/photo.jpg'));
    await h.bus.put('imgpipe', uploaded);
    await h.bus.put('imgpipe', { ...processed, 'replay-name': 'replay-1' });
    await h.bus.idle();
    await archive.close();

    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}\.jsonl$/);
    const lines = (await readFile(join(dir, files[0] ?? ''), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { bus: string }).bus)).toEqual(['default', 'imgpipe']);

    const read = [];
    for await (const archived of new EventArchive(dir).read({ detailTypes: ['ImageUploaded'] })) read.push(archived);
    expect(read.map((a) => a.event.id)).toEqual([uploaded.id]);
  });

  it('keeps an event published again with the same detail.eventId once, and delivers it every time', async () => {
    const archive = new EventArchive(dir);
    const h = harness({ archive });
    // A replayed upload, and the same upload as the re-run pipeline publishes it again (a new bus id).
    await h.bus.put('imgpipe', uploaded);
    await h.bus.put('imgpipe', { ...uploaded, 'replay-name': 'replay-1' });
    await h.bus.put('imgpipe', { ...uploaded, id: 'published-again' });
    await h.bus.idle();
    await archive.close();

    expect(h.received.pipeline).toHaveLength(3);
    const read = [];
    for await (const archived of new EventArchive(dir).read()) read.push(archived.event.id);
    expect(read).toEqual([uploaded.id]);
  });

  it('reads a time window on the events’ own time and skips a line cut short by a crash', async () => {
    const archive = new EventArchive(dir);
    // Three distinct facts (one line per detail.eventId).
    const at = (time: string) => ({ ...uploaded, id: time, time, detail: { ...(uploaded.detail as object), eventId: `ev-${time}` } });
    await archive.append('imgpipe', at('2025-06-01T10:00:00.000Z'));
    await archive.append('imgpipe', at('2025-06-01T11:00:00.000Z'));
    await archive.append('imgpipe', at('2025-06-01T12:00:00.000Z'));
    await archive.close();
    const [file] = await readdir(dir);
    await appendFile(join(dir, file ?? ''), '{"bus":"imgpipe","event":{"id');

    const ids = [];
    for await (const archived of new EventArchive(dir).read({
      from: new Date('2025-06-01T11:00:00.000Z'),
      to: new Date('2025-06-01T12:00:00.000Z'),
    })) {
      ids.push(archived.event.id);
    }
    expect(ids).toEqual(['2025-06-01T11:00:00.000Z']);
  });
});
