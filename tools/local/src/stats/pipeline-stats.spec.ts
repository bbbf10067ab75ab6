import { serialize } from 'node:v8';
import {
  createEnvelope,
  ImageDeletedV2,
  ImageProcessedV1,
  ImageProcessedV2,
  ImagePurgedV1,
  ThumbnailsGeneratedV3,
  ImageProcessingFailedV1,
  ImageRestoredV1,
  ImageUploadedV1,
  foldImageEvent,
  parseStoredEvent,
  type FailureCode,
  type ImageFoldState,
  type KnownContract,
  type DataInputOf,
} from '@imgpipe/contracts';
import { PipelineStats } from './pipeline-stats';

// Contract-valid events (the figures fold them with metadata's fold, which parses each).
let n = 0;
const event = <C extends KnownContract>(contract: C, data: DataInputOf<C>) => {
  n += 1;
  return {
    'detail-type': contract.detailType,
    detail: createEnvelope(contract, data, { correlationId: `corr-${n}`, occurredAt: `2025-06-01T12:00:${String(n % 60).padStart(2, '0')}.000Z` }),
  };
};
const key = (imageId: string) => `uploads/user-1/${imageId}/a.png`;
const uploaded = (imageId: string, contentHash = 'etag:"upload-1"') =>
  event(ImageUploadedV1, {
    ...ImageUploadedV1.examples.minimal,
    imageId,
    original: { ...ImageUploadedV1.examples.minimal.original, key: key(imageId), contentHash },
  });
const processed = (imageId: string, processingTimeMs: number, originalSize = 67, compressedSize = 90) =>
  event(ImageProcessedV1, { ...ImageProcessedV1.examples.minimal, imageId, originalKey: key(imageId), processingTimeMs, originalSize, compressedSize });
const failed = (imageId: string, code: FailureCode) =>
  event(ImageProcessingFailedV1, { ...ImageProcessingFailedV1.examples.minimal, imageId, originalKey: key(imageId), code });
const deleted = (imageId: string) =>
  event(ImageDeletedV2, { imageId, userId: 'user-1', deletedKeys: [], deletedAt: '2025-06-02T00:00:00Z', undoUntil: '2025-06-09T00:00:00Z' });
const restored = (imageId: string, restoredAt = '2025-06-03T00:00:00Z') => event(ImageRestoredV1, { imageId, userId: 'user-1', restoredAt });
// A whole run as the pipeline publishes it today: the renditions, then the delivery record.
const thumbnailsV3 = (imageId: string) =>
  event(ThumbnailsGeneratedV3, { ...ThumbnailsGeneratedV3.examples.full, imageId, userId: 'user-1' });
const processedV2 = (imageId: string, processingTimeMs: number) =>
  event(ImageProcessedV2, { ...ImageProcessedV2.examples.full, imageId, userId: 'user-1', originalKey: key(imageId), processingTimeMs });

const EMPTY = {
  processed: 0,
  failed: 0,
  failedByCode: {},
  processing: 0,
  p50Ms: null,
  p95Ms: null,
  bytesSaved: 0,
  originalBytes: 0,
  dlqDepth: 0,
};

describe('PipelineStats', () => {
  it('counts each image by its latest status, with times and sizes of the processed ones', () => {
    const stats = new PipelineStats();
    for (const [id, ms, original, compressed] of [
      ['a', 100, 1000, 400],
      ['b', 300, 2000, 500],
      ['c', 200, 500, 600],
    ] as const) {
      stats.apply(uploaded(id));
      stats.apply(processed(id, ms, original, compressed));
    }
    stats.apply(uploaded('d'));
    stats.apply(failed('d', 'CORRUPT'));
    stats.apply(failed('e', 'UNSUPPORTED_FORMAT'));
    stats.apply(uploaded('f'));

    expect(stats.snapshot(2)).toEqual({
      processed: 3,
      failed: 2,
      failedByCode: { CORRUPT: 1, UNSUPPORTED_FORMAT: 1 },
      processing: 1,
      p50Ms: 200,
      p95Ms: 300,
      bytesSaved: 600 + 1500 - 100,
      originalBytes: 3500,
      dlqDepth: 2,
    });
  });

  it('is not moved back to processing by a repeated upload event, but is by a new upload', () => {
    const stats = new PipelineStats();
    stats.apply(uploaded('a', 'etag:"upload-1"'));
    stats.apply(processed('a', 5));

    expect(stats.apply(uploaded('a', 'etag:"upload-1"'))).toBe(false);
    expect(stats.snapshot(0)).toMatchObject({ processed: 1, processing: 0 });
    stats.apply(uploaded('a', 'etag:"upload-2"'));
    expect(stats.snapshot(0)).toMatchObject({ processed: 0, processing: 1 });
  });

  it('leaves deleted images out and ignores events it has no use for', () => {
    const stats = new PipelineStats();
    stats.apply(processed('a', 5, 10, 5));
    stats.apply(deleted('a'));
    expect(stats.apply({ 'detail-type': 'Object Created', detail: { data: { imageId: 'b' } } })).toBe(false);
    expect(stats.apply({ 'detail-type': 'ImageProcessed', detail: null })).toBe(false);
    // Not what its contract says: refused, as metadata refuses it.
    expect(stats.apply({ 'detail-type': 'ImageProcessed', detail: { version: 1, data: { imageId: 'c' } } })).toBe(false);

    expect(stats.snapshot(0)).toEqual(EMPTY);
  });

  it.each([
    ['ImageProcessed', () => processed('a', 5)],
    ['ImageProcessingFailed', () => failed('a', 'CORRUPT')],
    ['ImageUploaded (a replay)', () => uploaded('a', 'etag:"upload-2"')],
  ])('a late %s after the delete does not bring the image back', (_name, late) => {
    const stats = new PipelineStats();
    stats.apply(uploaded('a'));
    stats.apply(deleted('a'));

    expect(stats.apply(late())).toBe(false);
    expect(stats.snapshot(0)).toEqual(EMPTY);
    expect(stats.statusOf('a')).toBe('deleted');
  });

  it('counts a restored image as processing again, and processed once its run ends', () => {
    const stats = new PipelineStats();
    stats.apply(uploaded('a'));
    stats.apply(processed('a', 5));
    stats.apply(deleted('a'));

    expect(stats.apply(restored('a'))).toBe(true);
    expect(stats.snapshot(0)).toMatchObject({ processing: 1, processed: 0 });
    stats.apply(processed('a', 7));
    expect(stats.snapshot(0)).toMatchObject({ processing: 0, processed: 1, p50Ms: 7 });
  });

  it('keeps only the SETTLED_KEYS of a settled image, not its record (the runtime runs for days)', () => {
    // The figures' state, as V8 serializes it: on the old code every image's whole fold (its
    // renditions, delivery record, placeholder and last upload) stayed, 4,304 bytes an image here.
    const images = 300;
    const stats = new PipelineStats();
    const empty = serialize(stats).byteLength;
    for (let i = 0; i < images; i++) {
      const id = `img-${String(i).padStart(4, '0')}`;
      stats.apply(uploaded(id));
      stats.apply(thumbnailsV3(id));
      stats.apply(processedV2(id, 100 + i));
    }
    const perImage = (serialize(stats).byteLength - empty) / images;
    process.stdout.write(`PipelineStats: ${perImage.toFixed(0)} bytes an image serialized\n`);
    expect(perImage).toBeLessThan(600);
    expect(stats.snapshot(0)).toMatchObject({ processed: images, processing: 0, p50Ms: 100 + images / 2 - 1 });
  });

  it('still tells the record of an image processing, not of one processing again after it settled', () => {
    const stats = new PipelineStats();
    stats.apply(uploaded('a'));
    stats.apply(thumbnailsV3('a'));
    expect(stats.processingRecordOf('a')).toMatchObject({ imageId: 'a', status: 'processing', thumbnails: expect.any(Object) });
    stats.apply(processedV2('a', 5));
    expect(stats.processingRecordOf('a')).toBeUndefined();

    // Restored: the read model carries the record over; the settled state does not hold it, so none is told (the page reads it).
    stats.apply(deleted('a'));
    stats.apply(restored('a'));
    expect(stats.statusOf('a')).toBe('processing');
    expect(stats.processingRecordOf('a')).toBeUndefined();
    stats.apply(processedV2('a', 9));
    expect(stats.snapshot(0)).toMatchObject({ processed: 1, processing: 0, p50Ms: 9 });
  });

  it('decides every later event of a settled image as the fold of the whole state does', () => {
    // Each event folded two ways: by the figures (a settled image keeps its SETTLED_KEYS) and by
    // metadata's fold over the whole state. Status and figures must agree after each one.
    const stats = new PipelineStats();
    let whole: ImageFoldState | undefined;
    const steps = [
      uploaded('a'),
      thumbnailsV3('a'),
      processedV2('a', 5),
      uploaded('a'), // redelivered
      deleted('a'),
      processedV2('a', 6), // late
      restored('a'),
      processedV2('a', 9),
      uploaded('a'), // after a restore the marker is cleared: a new run
      failed('a', 'CORRUPT'),
      uploaded('a', 'etag:"upload-2"'),
      thumbnailsV3('a'),
      processedV2('a', 11),
      event(ImageProcessingFailedV1, { ...ImageProcessingFailedV1.examples.minimal, imageId: 'a', originalKey: key('a'), code: 'CORRUPT', stage: 'notify' }),
      deleted('a'),
      restored('a', '2025-06-10T00:00:00Z'), // past undoUntil (2025-06-09): stays deleted
      event(ImagePurgedV1, { imageId: 'a', userId: 'user-1', purgedAt: '2025-06-10T00:00:00Z', purgedKeys: 0 }),
      restored('a', '2025-06-04T00:00:00Z'),
      processedV2('a', 13),
    ];
    for (const step of steps) {
      stats.apply(step);
      whole = foldImageEvent(whole, parseStoredEvent({ detailType: step['detail-type'], detail: step.detail as unknown as Record<string, unknown> })) ?? whole;
      const figures = stats.snapshot(0);
      expect(stats.statusOf('a')).toBe(whole?.status);
      expect(figures).toEqual({
        ...EMPTY,
        processed: whole?.status === 'processed' ? 1 : 0,
        processing: whole?.status === 'processing' ? 1 : 0,
        failed: whole?.status === 'failed' ? 1 : 0,
        failedByCode: whole?.status === 'failed' ? { [whole.failure?.code ?? 'UNKNOWN']: 1 } : {},
        p50Ms: whole?.status === 'processed' ? (whole.processingTimeMs ?? null) : null,
        p95Ms: whole?.status === 'processed' ? (whole.processingTimeMs ?? null) : null,
        originalBytes: whole?.status === 'processed' ? (whole.originalSize ?? 0) : 0,
        bytesSaved: whole?.status === 'processed' ? (whole.originalSize ?? 0) - (whole.compressedSize ?? whole.originalSize ?? 0) : 0,
      });
    }
    expect(whole?.status).toBe('deleted');
  });
});
