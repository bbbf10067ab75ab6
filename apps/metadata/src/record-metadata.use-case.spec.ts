import {
  createEnvelope,
  ImageProcessedV2,
  ImageUploadedV1,
  parseEventBridgeEvent,
  toEventBridgeEvent,
  toPutEventsEntry,
} from '@imgpipe/contracts';
import { projectImage } from './projection';
import { RecordMetadataTaskInputSchema as RecordMetadataInputSchema, type RecordMetadataTaskInput as RecordMetadataInput } from '@imgpipe/workflow/task-io';
import { compressed, IMAGE_ID, inMemoryService, readSampleEvent, recorded, thumbnails, uploaded } from './testing/fixtures';

const input: RecordMetadataInput = { uploaded, results: [compressed, thumbnails], correlationId: 'corr-run-1' };

describe('recordMetadata (the record task)', () => {
  it('records the upload, compression, thumbnails and the outcome, and projects them', async () => {
    const { service, events, readModel, clock } = inMemoryService();
    clock.set('2025-06-01T12:00:02.345Z');

    const result = recorded(await service.recordMetadata(input));

    const history = await events.load(IMAGE_ID);
    expect(history.map((e) => [e.detailType, e.source])).toEqual([
      ['ImageUploaded', 'imgpipe.ingest'],
      ['ImageCompressed', 'imgpipe.compress'],
      ['ThumbnailsGenerated', 'imgpipe.thumbnail'],
      ['ImageProcessed', 'imgpipe.metadata'],
    ]);
    expect(result.recorded).toBe(true);
    expect(result.record).toMatchObject({ status: 'processed', processingTimeMs: 2345, revision: 4 });
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(history));
  });

  it('returns ImageProcessed as its contract describes it, ready for PublishProcessed', async () => {
    const { service } = inMemoryService();

    const { source, detailType, detail } = recorded(await service.recordMetadata(input));

    expect({ source, detailType }).toEqual({ source: 'imgpipe.metadata', detailType: 'ImageProcessed' });
    const entry = toPutEventsEntry(ImageProcessedV2, detail, 'imgpipe');
    expect(parseEventBridgeEvent(ImageProcessedV2, toEventBridgeEvent(ImageProcessedV2, detail))).toEqual(detail);
    expect(JSON.parse(entry.Detail)).toEqual(detail);
    expect(detail).toMatchObject({
      correlationId: 'corr-run-1',
      occurredAt: '2025-06-01T12:00:02.345Z',
      data: {
        imageId: IMAGE_ID,
        compressedKey: compressed.compressedKey,
        compressedSize: compressed.compressedSize,
        originalSize: compressed.originalSize,
        savingsPercent: compressed.savingsPercent,
        thumbnails: Object.fromEntries(thumbnails.renditions.map((r) => [r.name, r.key])),
        renditionsVersion: thumbnails.renditionsVersion,
        format: uploaded.format,
      },
    });
  });

  it('a retried task appends nothing and returns the event first recorded', async () => {
    const { service, events, readModel, clock, metrics } = inMemoryService();
    const first = recorded(await service.recordMetadata(input));
    const historyBefore = await events.load(IMAGE_ID);
    const recordBefore = await readModel.get(IMAGE_ID);
    clock.advance(60_000);

    const retry = recorded(await service.recordMetadata(input));

    expect(retry.recorded).toBe(false);
    expect(retry.detail).toEqual(first.detail);
    expect(await events.load(IMAGE_ID)).toEqual(historyBefore);
    expect(await readModel.get(IMAGE_ID)).toEqual(recordBefore);
    expect(metrics.processed).toEqual([IMAGE_ID]);
  });

  it('derives its event ids from image, stage, content hash and rendition set', async () => {
    const a = inMemoryService();
    const b = inMemoryService();
    const other = inMemoryService();

    await a.service.recordMetadata(input);
    await b.service.recordMetadata({ ...input, correlationId: 'another-correlation' });
    await other.service.recordMetadata({
      ...input,
      uploaded: { ...uploaded, original: { ...uploaded.original, contentHash: `sha256:${'1'.repeat(64)}` } },
    });

    const ids = async (s: typeof a) => (await s.events.load(IMAGE_ID)).map((e) => e.eventId);
    const idsA = await ids(a);
    expect(await ids(b)).toEqual(idsA);
    expect((await ids(other)).filter((id) => idsA.includes(id))).toEqual([]);
  });

  it('does not record the upload again when the bus delivered it first', async () => {
    const { service, events } = inMemoryService();
    const fromBus = toEventBridgeEvent(ImageUploadedV1, {
      version: 1,
      eventId: '0196f6c2-7a10-7000-8000-000000000001',
      correlationId: 'corr-run-1',
      occurredAt: uploaded.uploadedAt,
      data: uploaded,
    });
    await service.recordPipelineEvent(fromBus);

    await service.recordMetadata(input);

    const history = await events.load(IMAGE_ID);
    expect(history.map((e) => e.detailType)).toEqual([
      'ImageUploaded',
      'ImageCompressed',
      'ThumbnailsGenerated',
      'ImageProcessed',
    ]);
    expect(history[0]?.eventId).toBe('0196f6c2-7a10-7000-8000-000000000001');
  });

  it('stays processed when the bus delivery of the upload arrives after the record task', async () => {
    const { service, readModel } = inMemoryService();
    await service.recordMetadata(input);
    const late = createEnvelope(ImageUploadedV1, uploaded, { correlationId: 'corr-run-1', occurredAt: '2025-06-01T12:00:09.000Z' });

    const result = await service.recordPipelineEvent(toEventBridgeEvent(ImageUploadedV1, late));

    expect(result.duplicate).toBe(false);
    expect(await readModel.get(IMAGE_ID)).toMatchObject({ status: 'processed', revision: 5, uploadedAt: uploaded.uploadedAt });
  });

  it('accepts the sample input events/record-metadata.json', () => {
    expect(RecordMetadataInputSchema.safeParse(readSampleEvent('record-metadata')).success).toBe(true);
  });

  it('refuses results of another image, naming the field', () => {
    const parsed = RecordMetadataInputSchema.safeParse({
      ...input,
      results: [{ ...compressed, imageId: 'other' }, thumbnails],
    });

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['results.0.imageId']);
  });
});
