import { ContractError, ThumbnailsGeneratedV3, toEventBridgeEvent, type EnvelopeOf } from '@imgpipe/contracts';
import type { PublishEntry } from '@imgpipe/platform';
import { InMemoryImageReadModel } from '@imgpipe/platform/testing';
import { projectImage, type ImageMetadata } from './projection';
import { isRecordedBeforePublished } from './record-pipeline-event.use-case';
import { IMAGE_ID, inMemoryService, thumbnails, uploaded } from './testing/fixtures';

// Issue 13, early thumbnails: the bus delivers RecordThumbnails' ThumbnailsGenerated (and
// PublishProcessed's ImageProcessed) to metadata's consumer right after they were recorded and
// projected. The consumer tells the duplicate from the history alone, and changes nothing.

async function recordedThumbnails() {
  const setUp = inMemoryService();
  await setUp.service.recordThumbnails({ uploaded, thumbnails, correlationId: 'corr-run-1' });
  const [entry] = setUp.publisher.published as PublishEntry[];
  const delivered = toEventBridgeEvent(ThumbnailsGeneratedV3, entry?.detail as EnvelopeOf<typeof ThumbnailsGeneratedV3>);
  return { ...setUp, delivered };
}

describe('recordPipelineEvent: an event its publisher recorded before publishing it', () => {
  it('is a duplicate told from the history alone: no record read, nothing appended or written', async () => {
    const { service, events, readModel, delivered } = await recordedThumbnails();
    const history = await events.load(IMAGE_ID);
    const record = await readModel.get(IMAGE_ID);
    const get = jest.spyOn(readModel, 'get');
    const put = jest.spyOn(readModel, 'put');
    const append = jest.spyOn(events, 'append');

    const result = await service.recordPipelineEvent(delivered);

    expect(result).toMatchObject({ imageId: IMAGE_ID, eventId: delivered.detail.eventId, detailType: 'ThumbnailsGenerated', duplicate: true });
    expect(result.revision).toBe(history.length);
    expect(get).not.toHaveBeenCalled();
    expect(put).not.toHaveBeenCalled();
    expect(append).not.toHaveBeenCalled();
    expect(await events.load(IMAGE_ID)).toEqual(history);
    expect(await readModel.get(IMAGE_ID)).toEqual(record);
  });

  it('is appended and projected as any event when the history does not hold it', async () => {
    const { delivered } = await recordedThumbnails();
    const fresh = inMemoryService();

    const result = await fresh.service.recordPipelineEvent(delivered);

    const history = await fresh.events.load(IMAGE_ID);
    expect(result).toMatchObject({ duplicate: false, revision: 1 });
    expect(history.map((e) => e.eventId)).toEqual([delivered.detail.eventId]);
    expect(await fresh.readModel.get(IMAGE_ID)).toEqual(projectImage(history));
  });

  it('takes the full path when replayed: a replay brings back a lost record', async () => {
    const { service, events, delivered, deps } = await recordedThumbnails();
    const history = await events.load(IMAGE_ID);
    // The read model was lost; the history was not.
    const emptyReadModel = new InMemoryImageReadModel<ImageMetadata>();
    const { service: afterLoss } = inMemoryService({ ...deps, readModel: emptyReadModel });
    expect(service).not.toBe(afterLoss);

    const live = await afterLoss.recordPipelineEvent(delivered);
    expect(live.duplicate).toBe(true);
    expect(await emptyReadModel.get(IMAGE_ID)).toBeUndefined();

    const replayed = await afterLoss.recordPipelineEvent({ ...delivered, 'replay-name': 'rebuild-1' });

    expect(replayed).toMatchObject({ duplicate: true, revision: history.length });
    expect(await emptyReadModel.get(IMAGE_ID)).toEqual(projectImage(history));
  });

  it('is still checked against its contract first', async () => {
    const { service, events, delivered } = await recordedThumbnails();
    const history = await events.load(IMAGE_ID);
    const forged = { ...delivered, detail: { ...delivered.detail, data: { ...delivered.detail.data, renditions: 'none' } } };

    await expect(service.recordPipelineEvent(forged)).rejects.toThrow(ContractError);
    expect(await events.load(IMAGE_ID)).toEqual(history);
  });

  it('names only ThumbnailsGenerated and ImageProcessed, and never a replayed copy', () => {
    expect(isRecordedBeforePublished('ThumbnailsGenerated', { source: 'imgpipe.thumbnail' })).toBe(true);
    expect(isRecordedBeforePublished('ImageProcessed', {})).toBe(true);
    expect(isRecordedBeforePublished('ImageProcessed', { 'replay-name': 'r' })).toBe(false);
    expect(isRecordedBeforePublished('ImageUploaded', {})).toBe(false);
    expect(isRecordedBeforePublished('ImageDeleted', {})).toBe(false);
  });
});
