import { PipelineStats } from './pipeline-stats';

const event = (detailType: string, data: Record<string, unknown>, eventId = `${detailType}-${String(data['imageId'])}`) => ({
  'detail-type': detailType,
  detail: { eventId, data },
});

describe('PipelineStats', () => {
  it('counts each image by its latest status, with times and sizes of the processed ones', () => {
    const stats = new PipelineStats();
    for (const [id, ms, original, compressed] of [
      ['a', 100, 1000, 400],
      ['b', 300, 2000, 500],
      ['c', 200, 500, 600],
    ] as const) {
      stats.apply(event('ImageUploaded', { imageId: id }));
      stats.apply(event('ImageProcessed', { imageId: id, processingTimeMs: ms, originalSize: original, compressedSize: compressed }));
    }
    stats.apply(event('ImageUploaded', { imageId: 'd' }));
    stats.apply(event('ImageProcessingFailed', { imageId: 'd', code: 'CORRUPT' }));
    stats.apply(event('ImageProcessingFailed', { imageId: 'e', code: 'UNSUPPORTED_FORMAT' }));
    stats.apply(event('ImageUploaded', { imageId: 'f' }));

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
    stats.apply(event('ImageUploaded', { imageId: 'a' }, 'upload-1'));
    stats.apply(event('ImageProcessed', { imageId: 'a', processingTimeMs: 5 }));

    expect(stats.apply(event('ImageUploaded', { imageId: 'a' }, 'upload-1'))).toBe(false);
    expect(stats.snapshot(0)).toMatchObject({ processed: 1, processing: 0 });
    stats.apply(event('ImageUploaded', { imageId: 'a' }, 'upload-2'));
    expect(stats.snapshot(0)).toMatchObject({ processed: 0, processing: 1 });
  });

  it('leaves deleted images out and ignores events it has no use for', () => {
    const stats = new PipelineStats();
    stats.apply(event('ImageProcessed', { imageId: 'a', processingTimeMs: 5, originalSize: 10, compressedSize: 5 }));
    stats.apply(event('ImageDeleted', { imageId: 'a' }));
    expect(stats.apply(event('Object Created', { imageId: 'b' }))).toBe(false);
    expect(stats.apply({ 'detail-type': 'ImageProcessed', detail: null })).toBe(false);

    expect(stats.snapshot(0)).toEqual({
      processed: 0,
      failed: 0,
      failedByCode: {},
      processing: 0,
      p50Ms: null,
      p95Ms: null,
      bytesSaved: 0,
      originalBytes: 0,
      dlqDepth: 0,
    });
  });
});
