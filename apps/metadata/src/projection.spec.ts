import { ContractError, ImageProcessingFailedV1, ImageUploadedV1, ThumbnailsGeneratedV1, ThumbnailsGeneratedV3 } from '@imgpipe/contracts';
import { MetadataError } from './errors';
import { projectImage } from './projection';
import {
  compressed,
  deletedEvent,
  failureEvent,
  historyOf,
  IMAGE_ID,
  newEvent,
  processed,
  successfulRun,
  thumbnails,
  uploaded,
  USER_ID,
} from './testing/fixtures';

describe('projectImage', () => {
  it('has no record for an empty history', () => {
    expect(projectImage([])).toBeUndefined();
  });

  it('an upload alone is processing, keyed by its upload time', () => {
    const [upload] = successfulRun();

    const record = projectImage(historyOf([upload]));

    expect(record).toEqual({
      imageId: IMAGE_ID,
      userId: USER_ID,
      uploadedAt: uploaded.uploadedAt,
      status: 'processing',
      originalKey: uploaded.original.key,
      originalSize: uploaded.original.size,
      format: 'jpeg',
      width: 4032,
      height: 3024,
      renditionsVersion: uploaded.renditionsVersion,
      updatedAt: '2025-06-01T12:00:00.500Z',
      revision: 1,
    });
  });

  it('a whole run is processed, with every seed attribute', () => {
    const record = projectImage(historyOf(successfulRun()));

    expect(record).toEqual({
      imageId: IMAGE_ID,
      userId: USER_ID,
      uploadedAt: '2025-06-01T12:00:00.000Z',
      status: 'processed',
      originalKey: uploaded.original.key,
      originalSize: 4_812_331,
      compressedKey: compressed.compressedKey,
      compressedSize: 1_204_117,
      savingsPercent: 74.98,
      thumbnails: processed.thumbnails,
      processingTimeMs: 1710,
      format: 'jpeg',
      width: 4032,
      height: 3024,
      renditionsVersion: 'rs-7c4a8d09',
      delivery: processed.delivery,
      // From ThumbnailsGenerated v2 (issue 13: shown while processing), and the delivery record's.
      placeholder: processed.delivery.placeholder,
      updatedAt: '2025-06-01T12:00:02.000Z',
      revision: 4,
    });
  });

  it('folds compression and thumbnails in as they arrive', () => {
    const [upload, compression, renditions] = successfulRun();

    const afterCompression = projectImage(historyOf([upload, compression]));
    const afterThumbnails = projectImage(historyOf([upload, compression, renditions]));

    expect(afterCompression).toMatchObject({
      status: 'processing',
      compressedKey: compressed.compressedKey,
      compressedSize: compressed.compressedSize,
      savingsPercent: compressed.savingsPercent,
      revision: 2,
    });
    expect(afterCompression).not.toHaveProperty('thumbnails');
    expect(afterThumbnails?.thumbnails).toEqual(
      Object.fromEntries(thumbnails.renditions.map((r) => [r.name, r.key])),
    );
    expect(afterThumbnails?.status).toBe('processing');
  });

  it('shows the renditions and placeholder of thumbnails recorded before the full-size encode ended (issue 13), still processing', () => {
    const [upload, compression, renditions, outcome] = successfulRun();

    const early = projectImage(historyOf([upload, renditions]));
    const done = projectImage(historyOf([upload, renditions, compression, outcome]));

    expect(early).toMatchObject({ status: 'processing', placeholder: thumbnails.placeholder, thumbnails: Object.fromEntries(thumbnails.renditions.map((r) => [r.name, r.key])) });
    expect(early).not.toHaveProperty('delivery');
    expect(done).toMatchObject({ status: 'processed', placeholder: thumbnails.placeholder, delivery: processed.delivery });
  });

  it('keeps naming the renditions a rerun\'s early thumbnails leave out (issue 13: the set\'s large ones are compress\'s) until its ImageProcessed', () => {
    const [upload, compression, renditions, outcome] = successfulRun();
    const done = projectImage(historyOf([upload, compression, renditions, outcome]));
    const names = Object.keys(done?.thumbnails ?? {});
    expect(names.length).toBeGreaterThan(1);
    const [first] = names;
    const rerunKey = `thumbnails/${USER_ID}/${IMAGE_ID}/0f0f0f0f0f0f/${first}.jpg`;
    const early = newEvent(ThumbnailsGeneratedV3, {
      ...thumbnails,
      renditions: thumbnails.renditions.filter((r) => r.name === first).map((r) => ({ ...r, key: rerunKey })),
      version: '0f0f0f0f0f0f',
    });

    const rerun = projectImage(historyOf([upload, compression, renditions, outcome, early]));

    expect(rerun?.status).toBe('processed');
    expect(rerun?.thumbnails).toEqual({ ...done?.thumbnails, [first as string]: rerunKey });
  });

  it('drops the placeholder when a v1 ThumbnailsGenerated (no placeholder) replaces the thumbnails, and a late one after a delete changes nothing', () => {
    const [upload, , renditions] = successfulRun();
    const v1 = newEvent(ThumbnailsGeneratedV1, ThumbnailsGeneratedV1.examples.full);

    expect(projectImage(historyOf([upload, renditions, v1]))).not.toHaveProperty('placeholder');
    const deleted = projectImage(historyOf([upload, deletedEvent('2025-06-01T12:00:01.000Z'), renditions]));
    expect(deleted?.status).toBe('deleted');
    expect(deleted).not.toHaveProperty('placeholder');
    expect(deleted).not.toHaveProperty('thumbnails');
  });

  it('a failure records code, reason and stage; a later successful run clears it', () => {
    const [upload, ...rest] = successfulRun();
    const failure = failureEvent({ stage: 'thumbnail', code: 'TRANSIENT_EXHAUSTED', errorName: 'States.Timeout', retryable: true, reason: 'Timed out.' });

    const failed = projectImage(historyOf([upload, failure]));
    const redriven = projectImage(historyOf([upload, failure, ...rest]));

    expect(failed).toMatchObject({
      status: 'failed',
      failure: { code: 'TRANSIENT_EXHAUSTED', reason: 'Timed out.', stage: 'thumbnail' },
      revision: 2,
    });
    expect(redriven?.status).toBe('processed');
    expect(redriven).not.toHaveProperty('failure');
  });

  it('a processed image whose announcement failed stays processed and keeps the failure', () => {
    const run = successfulRun();
    const failure = failureEvent({ stage: 'notify', code: 'TRANSIENT_EXHAUSTED', errorName: 'EventBridge.FailedEntry', retryable: true, reason: 'The bus refused the event.' });

    const record = projectImage(historyOf([...run, failure]));

    expect(record).toMatchObject({ status: 'processed', failure: { stage: 'notify', code: 'TRANSIENT_EXHAUSTED' } });
  });

  it('an upload ingest refused (no ImageUploaded) is a failed record keyed by the failure time', () => {
    const refused = failureEvent({ stage: 'ingest', code: 'UNSUPPORTED_FORMAT' }, { source: 'imgpipe.ingest', occurredAt: '2025-06-01T12:00:01.000Z' });

    expect(projectImage(historyOf([refused]))).toEqual({
      imageId: IMAGE_ID,
      userId: USER_ID,
      uploadedAt: '2025-06-01T12:00:01.000Z',
      status: 'failed',
      originalKey: uploaded.original.key,
      failure: { code: 'UNSUPPORTED_FORMAT', reason: 'The JPEG data ends early.', stage: 'ingest' },
      updatedAt: '2025-06-01T12:00:01.000Z',
      revision: 1,
    });
  });

  it('a deleted image keeps its record, and later events of a run in flight do not revive it', () => {
    const [upload, compression, renditions, done] = successfulRun();
    const deletion = deletedEvent('2025-06-01T12:00:01.000Z');

    const record = projectImage(historyOf([upload, compression, deletion, renditions, done]));

    expect(record).toMatchObject({
      status: 'deleted',
      deletedAt: '2025-06-01T12:00:01.000Z',
      originalKey: uploaded.original.key,
      compressedKey: compressed.compressedKey,
      revision: 5,
    });
    expect(record).not.toHaveProperty('thumbnails');
    expect(record).not.toHaveProperty('processingTimeMs');
  });

  it('the same upload delivered again under another event id changes nothing but the revision', () => {
    const run = successfulRun();
    const again = newEvent(ImageUploadedV1, uploaded, { occurredAt: '2025-06-01T12:00:09.000Z' });

    const once = projectImage(historyOf(run));
    const twice = projectImage(historyOf([...run, again]));

    expect(twice).toEqual({ ...once, updatedAt: '2025-06-01T12:00:09.000Z', revision: 5 });
  });

  it('an upload under a new rendition set starts a new run', () => {
    const reprocess = newEvent(ImageUploadedV1, { ...uploaded, renditionsVersion: 'rs-new' });

    const record = projectImage(historyOf([...successfulRun(), reprocess]));

    expect(record).toMatchObject({ status: 'processing', renditionsVersion: 'rs-new', uploadedAt: uploaded.uploadedAt });
  });

  it('sets the TTL from the retention, counted from the upload', () => {
    const record = projectImage(historyOf(successfulRun()), { retentionDays: 30 });

    expect(record?.expiresAt).toBe(Date.parse('2025-07-01T12:00:00.000Z') / 1000);
  });

  it('is pure: the same history gives the same record, in any array order, and is not mutated', () => {
    const history = historyOf([...successfulRun(), failureEvent()]);
    const before = structuredClone(history);

    const first = projectImage(history);
    const shuffled = projectImage([...history].reverse());

    expect(shuffled).toEqual(first);
    expect(projectImage(history)).toEqual(first);
    expect(history).toEqual(before);
  });

  it('refuses an event version it has no contract for', () => {
    const [upload] = successfulRun();
    const future = { ...upload, detail: { ...upload.detail, version: 2 } };

    const error = (() => {
      try {
        projectImage(historyOf([future]));
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(MetadataError);
    expect(error).toMatchObject({ code: 'UnknownEvent', retryable: false });
  });

  it('parses every stored event with its contract', () => {
    const failure = failureEvent();
    const broken = { ...failure, detail: { ...failure.detail, data: { ...(failure.detail['data'] as object), code: 'BOGUS' } } };

    expect(() => projectImage(historyOf([broken]))).toThrow(ContractError);
    expect(() => projectImage(historyOf([broken]))).toThrow(`${ImageProcessingFailedV1.detailType} v1: data.code`);
  });
});
