import { ContractError, ImageUploadedV1 } from '@imgpipe/contracts';
import { ConcurrencyConflictError, type NewImageEvent } from '@imgpipe/platform';
import { InMemoryImageEventStore, InMemoryImageReadModel } from '@imgpipe/platform/testing';
import { createAppendAndProject } from './append-and-project.use-case';
import { MetadataError } from './errors';
import { projectImage, type ImageMetadata } from './projection';
import { deletedEvent, failureEvent, IMAGE_ID, newEvent, RecordingMetrics, successfulRun, uploaded } from './testing/fixtures';

function setUp(maxAttempts?: number) {
  const events = new InMemoryImageEventStore();
  const readModel = new InMemoryImageReadModel<ImageMetadata>();
  const metrics = new RecordingMetrics();
  const appendAndProject = createAppendAndProject({
    events,
    readModel,
    metrics,
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
  return { events, readModel, metrics, appendAndProject };
}

describe('appendAndProject', () => {
  it('appends in order and writes the projection of the whole history', async () => {
    const { events, readModel, appendAndProject } = setUp();
    const [upload, ...rest] = successfulRun();

    await appendAndProject(IMAGE_ID, [upload]);
    const result = await appendAndProject(IMAGE_ID, rest);

    const history = await events.load(IMAGE_ID);
    expect(history.map((e) => [e.sequence, e.detailType])).toEqual([
      [1, 'ImageUploaded'],
      [2, 'ImageCompressed'],
      [3, 'ThumbnailsGenerated'],
      [4, 'ImageProcessed'],
    ]);
    expect(result).toMatchObject({ appended: expect.any(Array), duplicates: [], projected: true, attempts: 1 });
    expect(result.appended).toHaveLength(3);
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(history));
    expect(result.record).toEqual(projectImage(history));
  });

  it('a duplicated or replayed event is stored once and changes nothing', async () => {
    const { events, readModel, metrics, appendAndProject } = setUp();
    const run = successfulRun();
    await appendAndProject(IMAGE_ID, run);
    const historyBefore = await events.load(IMAGE_ID);
    const recordBefore = await readModel.get(IMAGE_ID);

    const again = await appendAndProject(IMAGE_ID, [run[3]]);
    const replay = await appendAndProject(IMAGE_ID, run);

    expect(again).toMatchObject({ appended: [], duplicates: [run[3].eventId], projected: false });
    expect(replay.duplicates).toEqual(run.map((e) => e.eventId));
    expect(await events.load(IMAGE_ID)).toEqual(historyBefore);
    expect(await readModel.get(IMAGE_ID)).toEqual(recordBefore);
    expect(metrics.processed).toEqual([IMAGE_ID]);
  });

  it('counts each recorded outcome once', async () => {
    const { metrics, appendAndProject } = setUp();
    const failure = failureEvent({ code: 'TOO_LARGE' });

    await appendAndProject(IMAGE_ID, [failure]);
    await appendAndProject(IMAGE_ID, [failure]);

    expect(metrics.failed).toEqual(['TOO_LARGE']);
    expect(metrics.processed).toEqual([]);
  });

  it('retries when another writer appends between its load and its append', async () => {
    const { events, readModel, appendAndProject } = setUp();
    const [upload, compression] = successfulRun();
    await appendAndProject(IMAGE_ID, [upload]);
    const competitor = deletedEvent();
    const load = events.load.bind(events);
    let raced = false;
    jest.spyOn(events, 'load').mockImplementation(async (imageId) => {
      const history = await load(imageId);
      if (!raced) {
        raced = true;
        await events.append(imageId, history.length, [competitor]);
      }
      return history;
    });

    const result = await appendAndProject(IMAGE_ID, [compression]);

    expect(result.attempts).toBe(2);
    const history = await load(IMAGE_ID);
    expect(history.map((e) => e.eventId)).toEqual([upload.eventId, competitor.eventId, compression.eventId]);
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(history));
  });

  it('refuses its put when the read model moved on between its append and its write (optimistic concurrency)', async () => {
    const { events, readModel, appendAndProject } = setUp();
    const competitor = createAppendAndProject({ events, readModel });
    const [upload, compression] = successfulRun();
    const deletion = deletedEvent();
    await appendAndProject(IMAGE_ID, [upload]);
    const put = readModel.put.bind(readModel);
    const putSpy = jest.spyOn(readModel, 'put').mockImplementationOnce(async (record, options) => {
      // Another writer appends after our event and projects before our put.
      await competitor(IMAGE_ID, [deletion]);
      return put(record, options);
    });

    const result = await appendAndProject(IMAGE_ID, [compression]);

    const history = await events.load(IMAGE_ID);
    expect(history.map((e) => e.eventId)).toEqual([upload.eventId, compression.eventId, deletion.eventId]);
    expect(result).toMatchObject({ attempts: 1, duplicates: [], projected: false });
    expect(result.appended.map((e) => e.eventId)).toEqual([compression.eventId]);
    // Our stale put (revision 1 expected) was refused; the record is the whole history's.
    await expect(putSpy.mock.results[0]?.value).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(history));
    expect((await readModel.get(IMAGE_ID))?.revision).toBe(3);
  });

  it('retries when the read model moved on between its read and its write', async () => {
    const { events, readModel, appendAndProject } = setUp();
    const competitor = createAppendAndProject({ events, readModel });
    const [upload, compression] = successfulRun();
    const deletion = deletedEvent();
    // The record lags: the upload is in the history, its projection was never written.
    await events.append(IMAGE_ID, 0, [upload]);
    const get = readModel.get.bind(readModel);
    const putSpy = jest.spyOn(readModel, 'put');
    jest.spyOn(readModel, 'get').mockImplementationOnce(async (imageId) => {
      const current = await get(imageId);
      await competitor(IMAGE_ID, [deletion]);
      return current;
    });

    const result = await appendAndProject(IMAGE_ID, [compression]);

    const history = await events.load(IMAGE_ID);
    expect(history.map((e) => e.eventId)).toEqual([upload.eventId, compression.eventId, deletion.eventId]);
    expect(result).toMatchObject({ attempts: 2, duplicates: [] });
    // Expected at revision 1: refused (none stored); read (none), put as new: refused (the competitor's).
    await expect(putSpy.mock.results[0]?.value).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(history));
    expect((await readModel.get(IMAGE_ID))?.revision).toBe(3);
  });

  it('writes the record without reading it when it appends to a projected history (issue 13: one request fewer)', async () => {
    const { events, readModel, appendAndProject } = setUp();
    const [upload, compression] = successfulRun();
    await appendAndProject(IMAGE_ID, [upload]);
    const getSpy = jest.spyOn(readModel, 'get');
    const putSpy = jest.spyOn(readModel, 'put');

    const result = await appendAndProject(IMAGE_ID, [compression]);

    expect(result).toMatchObject({ attempts: 1, projected: true });
    expect(getSpy).not.toHaveBeenCalled();
    expect(putSpy).toHaveBeenCalledTimes(1);
    expect(putSpy.mock.calls[0]?.[1]).toEqual({ expectedRevision: 1 });
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(await events.load(IMAGE_ID)));
  });

  it('brings a lagging record up to date: its put at the expected revision refused, it reads the record and writes it', async () => {
    const { events, readModel, appendAndProject } = setUp();
    const [upload, compression, thumbnailsGenerated] = successfulRun();
    await appendAndProject(IMAGE_ID, [upload]);
    // Appended, never projected (a writer that failed between its append and its put).
    await events.append(IMAGE_ID, 1, [compression]);
    const getSpy = jest.spyOn(readModel, 'get');

    const result = await appendAndProject(IMAGE_ID, [thumbnailsGenerated]);

    expect(result).toMatchObject({ attempts: 1, projected: true });
    expect(getSpy).toHaveBeenCalledTimes(1);
    expect((await readModel.get(IMAGE_ID))?.revision).toBe(3);
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(await events.load(IMAGE_ID)));
  });

  it('reads the record beside the first append of an image, and when it appends nothing (a lagging record is brought up to date)', async () => {
    const { events, readModel, appendAndProject } = setUp();
    const [upload] = successfulRun();
    const getSpy = jest.spyOn(readModel, 'get');
    await appendAndProject(IMAGE_ID, [upload]);
    expect(getSpy).toHaveBeenCalledTimes(1);
    await readModel.remove({ imageId: IMAGE_ID, uploadedAt: uploaded.uploadedAt }, { expectedRevision: 1 });

    const again = await appendAndProject(IMAGE_ID, [upload]);

    expect(again).toMatchObject({ appended: [], duplicates: [upload.eventId], projected: true });
    expect(await readModel.get(IMAGE_ID)).toEqual(projectImage(await events.load(IMAGE_ID)));
  });

  it('gives up after the bounded number of attempts with the conflict (retryable)', async () => {
    const { readModel, appendAndProject } = setUp(3);
    const putSpy = jest.spyOn(readModel, 'put').mockRejectedValue(new ConcurrencyConflictError('busy', 'image-metadata/x'));

    const error = await appendAndProject(IMAGE_ID, successfulRun()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    expect(error).toMatchObject({ retryable: true });
    expect(putSpy).toHaveBeenCalledTimes(3);
  });

  it('does not write a projection older than the one stored', async () => {
    const { readModel, appendAndProject } = setUp();
    const run = successfulRun();
    await appendAndProject(IMAGE_ID, run);
    const putSpy = jest.spyOn(readModel, 'put');

    const result = await appendAndProject(IMAGE_ID, [run[0]]);

    expect(result.projected).toBe(false);
    expect(putSpy).not.toHaveBeenCalled();
  });

  it('refuses an event of another image, storing nothing', async () => {
    const { events, appendAndProject } = setUp();
    const other = newEvent(ImageUploadedV1, { ...uploaded, imageId: 'another-image' });

    const error = await appendAndProject(IMAGE_ID, [other]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MetadataError);
    expect(error).toMatchObject({ code: 'ImageMismatch' });
    expect(await events.load(IMAGE_ID)).toEqual([]);
  });

  it('refuses an event its contract refuses, storing nothing', async () => {
    const { events, appendAndProject } = setUp();
    const [upload] = successfulRun();
    const broken: NewImageEvent = { ...upload, detail: { ...upload.detail, data: { imageId: IMAGE_ID } } };

    await expect(appendAndProject(IMAGE_ID, [broken])).rejects.toThrow(ContractError);
    expect(await events.load(IMAGE_ID)).toEqual([]);
  });

  it('takes a function of the history, called again on each attempt', async () => {
    const { appendAndProject } = setUp();
    const [upload, compression] = successfulRun();
    const plan = jest.fn((history: readonly unknown[]) => (history.length === 0 ? [upload, compression] : [compression]));

    await appendAndProject(IMAGE_ID, plan);
    const second = await appendAndProject(IMAGE_ID, plan);

    expect(plan).toHaveBeenCalledTimes(2);
    expect(second.duplicates).toEqual([compression.eventId]);
    expect(second.history).toHaveLength(2);
  });
});
