import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createEnvelope,
  ImageDeletedV2,
  ImageProcessedV1,
  ImageUploadedV1,
  type ImageUploadedData,
} from '@imgpipe/contracts';
import {
  createAwsClients,
  DynamoImageEventStore,
  DynamoImageReadModel,
  imageEventsTable,
  imageMetadataTable,
  newId,
  type AwsClients,
} from '@imgpipe/platform';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  ManualClock,
  RecordingEventPublisher,
  startLocalDynamo,
  startLocalS3,
  type LocalPeer,
  type LocalS3,
} from '@imgpipe/platform/testing';
import { loadMetadataConfig } from './config';
import { awsMetadataPorts, createMetadataHandlers } from './metadata.composition';
import type { ImageMetadata } from './projection';
import { redriveEventId } from './reconcile-stuck.use-case';
import { toNewImageEvent } from './stored-events';
import { BUCKETS, newEvent, processed, uploaded, USER_ID } from './testing/fixtures';

// The reconciler on the real SDK adapters: dynalite for both tables (created from the same
// definitions the CDK app declares, the sparse processing index included) and s3rver for
// the originals; only the bus is a recording fake.

const TABLES = { events: 'rc-image-events', images: 'rc-image-metadata' };
const START = '2025-06-01T12:00:00.000Z';
const MINUTE = 60_000;

let dynamo: LocalPeer;
let s3: LocalS3;
let clients: AwsClients;

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([
    startLocalDynamo({
      tables: [
        { definition: imageEventsTable, name: TABLES.events },
        { definition: imageMetadataTable, name: TABLES.images },
      ],
    }),
    startLocalS3({ buckets: Object.values(BUCKETS) }),
  ]);
  clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { dynamodb: dynamo.endpoint, s3: s3.endpoint },
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  clients?.destroy();
  await Promise.all([dynamo?.stop(), s3?.stop()]);
});

/** The metadata handlers as a function gets them, with the reconciler's knobs from the environment. */
function wired(env: Record<string, string> = {}) {
  const config = loadMetadataConfig({
    AWS_REGION: LOCAL_REGION,
    IMGPIPE_DYNAMODB_ENDPOINT: dynamo.endpoint,
    IMGPIPE_S3_ENDPOINT: s3.endpoint,
    ORIGINALS_BUCKET: BUCKETS.originals,
    PROCESSED_BUCKET: BUCKETS.processed,
    IMAGES_TABLE: TABLES.images,
    EVENTS_TABLE: TABLES.events,
    EVENT_BUS_NAME: 'imgpipe',
    ...env,
  });
  const clock = new ManualClock(START);
  const publisher = new RecordingEventPublisher();
  const handlers = createMetadataHandlers({ ...awsMetadataPorts(config, clients), clock, publisher }, config);
  return { handlers, clock, publisher, config };
}

/** A new image of the example's owner, uploaded at `at`; its original stored unless `stored` is false. */
async function uploadedImage(
  handlers: ReturnType<typeof wired>['handlers'],
  at: string,
  { stored = true } = {},
): Promise<ImageUploadedData> {
  const imageId = newId();
  const data: ImageUploadedData = {
    ...uploaded,
    imageId,
    original: { ...uploaded.original, key: `uploads/${USER_ID}/${imageId}/holiday-photo.jpg` },
    uploadedAt: at,
  };
  if (stored) {
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKETS.originals, Key: data.original.key, Body: 'jpeg bytes' }));
  }
  await handlers.service.appendAndProject(imageId, [newEvent(ImageUploadedV1, data, { occurredAt: at })]);
  return data;
}

const readModel = () => new DynamoImageReadModel<ImageMetadata>(clients.documents, TABLES.images);
const historyOf = (imageId: string) => new DynamoImageEventStore(clients.documents, TABLES.events).load(imageId);
const runKey = (data: ImageUploadedData) => ({
  imageId: data.imageId,
  contentHash: data.original.contentHash,
  renditionsVersion: data.renditionsVersion,
  generation: 0,
});

describe('reconcileStuckImages on DynamoDB and S3 (the real SDK against dynalite and s3rver)', () => {
  it('re-drives a stuck image once, then fails it TIMED_OUT; a fresh or deleted image is untouched; a second run is a no-op', async () => {
    const { handlers, clock, publisher, config } = wired();
    expect(config.reconcile).toEqual({ afterMinutes: 15, maxRedrives: 1 });
    const stuck = await uploadedImage(handlers, START);
    const deleted = await uploadedImage(handlers, START);
    await handlers.service.appendAndProject(deleted.imageId, [
      toNewImageEvent(
        ImageDeletedV2,
        createEnvelope(
          ImageDeletedV2,
          { imageId: deleted.imageId, userId: USER_ID, deletedKeys: [], deletedAt: START, undoUntil: '2025-06-08T12:00:00.000Z' },
          { eventId: newId(), correlationId: 'c', occurredAt: START },
        ),
      ),
    ]);
    clock.advance(16 * MINUTE);
    const fresh = await uploadedImage(handlers, clock.now().toISOString());

    // Past the knob: started again, once (the ImageUploaded the pipeline rule starts a run from).
    const first = await handlers.reconcileStuckImages({ now: clock.now() });
    expect(first.redriven).toEqual([{ imageId: stuck.imageId, attempt: 1 }]);
    expect(first.timedOut).toEqual([]);
    expect(publisher.published).toEqual([
      expect.objectContaining({ source: ImageUploadedV1.source, detailType: 'ImageUploaded', detail: expect.objectContaining({ eventId: redriveEventId(runKey(stuck), 1), data: stuck }) }),
    ]);
    expect((await historyOf(stuck.imageId)).map((e) => e.eventId)).toContain(redriveEventId(runKey(stuck), 1));
    expect(await readModel().get(stuck.imageId)).toMatchObject({ status: 'processing', updatedAt: clock.now().toISOString() });

    // At once again: nothing (the re-drive restarted the image's clock).
    const again = await handlers.reconcileStuckImages({ now: clock.now() });
    expect(again).toEqual({ redriven: [], timedOut: [], skipped: [], failed: [] });

    // The re-driven run is lost too: out of attempts, the image fails TIMED_OUT, recorded and published.
    clock.advance(16 * MINUTE);
    const second = await handlers.reconcileStuckImages({ now: clock.now() });
    expect(second.timedOut).toEqual([stuck.imageId]);
    // The image uploaded 16 minutes after the first is stuck now, and gets its own first re-drive.
    expect(second.redriven).toEqual([{ imageId: fresh.imageId, attempt: 1 }]);
    expect(await readModel().get(stuck.imageId)).toMatchObject({ status: 'failed', failure: { code: 'TIMED_OUT', stage: 'compress' } });
    const history = await historyOf(stuck.imageId);
    expect(history.at(-1)).toMatchObject({ detailType: 'ImageProcessingFailed', source: 'imgpipe.metadata' });
    expect(publisher.published.find((p) => p.detailType === 'ImageProcessingFailed')).toMatchObject({ detailType: 'ImageProcessingFailed', detail: { data: { imageId: stuck.imageId, code: 'TIMED_OUT' } } });

    // The deleted image never moved.
    expect(await readModel().get(deleted.imageId)).toMatchObject({ status: 'deleted' });
    expect(await historyOf(deleted.imageId)).toHaveLength(2);

    // A third run finds nothing left of the first image; the history is as it was.
    const published = publisher.published.length;
    const third = await handlers.reconcileStuckImages({ now: clock.now() });
    expect(third.timedOut).not.toContain(stuck.imageId);
    expect(third.redriven.map((r) => r.imageId)).not.toContain(stuck.imageId);
    expect(await historyOf(stuck.imageId)).toEqual(history);
    expect(publisher.published.slice(published).map((p) => (p.detail as { data: { imageId: string } }).data.imageId)).not.toContain(stuck.imageId);
  });

  it('leaves an image inside the window alone', async () => {
    const { handlers, clock, publisher } = wired();
    const image = await uploadedImage(handlers, START);
    clock.advance(14 * MINUTE);

    const result = await handlers.reconcileStuckImages({ now: clock.now() });

    expect(result.redriven.map((r) => r.imageId)).not.toContain(image.imageId);
    expect(result.timedOut).not.toContain(image.imageId);
    expect(publisher.published).toEqual([]);
    expect(await historyOf(image.imageId)).toHaveLength(1);
  });

  it('fails at once an image whose original is gone, and a run finishing later makes it processed (the fold: the outcome wins)', async () => {
    const { handlers, clock } = wired({ RECONCILE_AFTER_MINUTES: '10' });
    const image = await uploadedImage(handlers, START, { stored: false });
    clock.advance(11 * MINUTE);

    const result = await handlers.reconcileStuckImages({ now: clock.now() });

    expect(result.timedOut).toContain(image.imageId);
    expect(await readModel().get(image.imageId)).toMatchObject({ status: 'failed', failure: { code: 'TIMED_OUT' } });
    const late = { ...processed, imageId: image.imageId, originalKey: image.original.key };
    await handlers.service.appendAndProject(image.imageId, [newEvent(ImageProcessedV1, late, { occurredAt: clock.now().toISOString() })]);
    const record = await readModel().get(image.imageId);
    expect(record).toMatchObject({ status: 'processed' });
    expect(record).not.toHaveProperty('failure');
  });

  it('with RECONCILE_MAX_REDRIVES=0 fails a stuck image on the first run, even with its original stored', async () => {
    const { handlers, clock, publisher } = wired({ RECONCILE_MAX_REDRIVES: '0' });
    const image = await uploadedImage(handlers, START);
    clock.advance(16 * MINUTE);

    const result = await handlers.reconcileStuckImages({ now: clock.now() });

    expect(result.timedOut).toContain(image.imageId);
    expect(result.redriven.map((r) => r.imageId)).not.toContain(image.imageId);
    expect(publisher.published.filter((p) => p.detailType === 'ImageUploaded')).toEqual([]);
  });

  it('runs as the scheduled Lambda entry: a schedule event in, the counts out, a second invocation a no-op', async () => {
    const { handlers, clock } = wired();
    const image = await uploadedImage(handlers, START, { stored: false });
    clock.advance(20 * MINUTE);
    const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

    const first = await handlers.reconcileStuck(scheduled);
    expect(first.timedOut).toBeGreaterThanOrEqual(1);
    expect(first.failed).toEqual([]);
    expect(await readModel().get(image.imageId)).toMatchObject({ status: 'failed', failure: { code: 'TIMED_OUT' } });

    const second = await handlers.reconcileStuck(scheduled);
    expect(second).toMatchObject({ timedOut: 0, failed: [] });
  });

  it('lets the history decide: a record the index still lists as processing, whose run has finished, is not failed', async () => {
    const { handlers, clock, publisher } = wired();
    const image = await uploadedImage(handlers, START);
    const done = { ...processed, imageId: image.imageId, originalKey: image.original.key };
    await handlers.service.appendAndProject(image.imageId, [newEvent(ImageProcessedV1, done, { occurredAt: START })]);
    // A stale projection (an index lags, a projection failed): processing since START.
    const record = await readModel().get(image.imageId);
    if (!record) throw new Error('no record');
    await readModel().put({ ...record, status: 'processing', revision: record.revision + 1 }, { expectedRevision: record.revision });
    clock.advance(20 * MINUTE);

    const result = await handlers.reconcileStuckImages({ now: clock.now() });

    expect(result.skipped).toContain(image.imageId);
    expect(result.timedOut).not.toContain(image.imageId);
    expect((await historyOf(image.imageId)).map((e) => e.detailType)).toEqual(['ImageUploaded', 'ImageProcessed']);
    expect(publisher.published.filter((p) => (p.detail as { data: { imageId: string } }).data.imageId === image.imageId)).toEqual([]);
  });
});
