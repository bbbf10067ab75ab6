import { allContracts, exampleEnvelope, type AnyContract } from '@imgpipe/contracts';
import type { HistoryEntry } from '@imgpipe/contracts/views';
import { toImageResult, webpSizeOf } from './process-images.use-case';
import type { ImageDetailsView, ImageRecordView } from './runtime-api';

function entry(detailType: string, sequence: number, example = 'full'): HistoryEntry {
  const contract = (allContracts as readonly AnyContract[]).find((c) => c.detailType === detailType) as AnyContract;
  return {
    sequence,
    eventId: `e${sequence}`,
    detailType,
    source: 'imgpipe.test',
    occurredAt: '2025-06-01T12:00:00.000Z',
    data: exampleEnvelope(contract, example).data,
  };
}

const base = { file: 'photos/a.jpg', imageId: 'img-1', originalBytes: 4_000_000, ms: 900 };
const record = (overrides: Partial<ImageRecordView>): ImageRecordView => ({
  imageId: 'img-1',
  userId: 'dev',
  uploadedAt: '2025-06-01T12:00:00.000Z',
  status: 'processing',
  ...overrides,
});
const details = (image: ImageRecordView | null, history: HistoryEntry[]): ImageDetailsView => ({ imageId: 'img-1', image, history });

describe('webpSizeOf', () => {
  it("takes the WebP variant's size from ImageCompressed, even when the primary is another format", () => {
    const view = details(record({ compressedKey: 'compressed/u/i/full.avif', compressedSize: 1 }), [entry('ImageUploaded', 1), entry('ImageCompressed', 2)]);

    expect(webpSizeOf(view)).toBe(1_204_117);
  });

  it('falls back to the primary variant when it is WebP, and says nothing otherwise', () => {
    expect(webpSizeOf(details(record({ compressedKey: 'compressed/u/i/full.webp', compressedSize: 77 }), []))).toBe(77);
    expect(webpSizeOf(details(record({ compressedKey: 'compressed/u/i/full.jpg', compressedSize: 77 }), []))).toBeUndefined();
  });
});

describe('toImageResult', () => {
  it("reads a processed image's figures from its record and history", () => {
    const image = record({
      status: 'processed',
      originalSize: 4_812_331,
      compressedKey: 'compressed/u/i/full.webp',
      compressedSize: 1_204_117,
      savingsPercent: 74.98,
      processingTimeMs: 1710,
      thumbnails: { small: 'a', medium: 'b', large: 'c' },
    });

    const result = toImageResult(base, { kind: 'terminal', details: details(image, [entry('ImageCompressed', 2)]) }, 60_000, (key) => `http://rt/cdn/${key}`);

    expect(result).toEqual({
      file: 'photos/a.jpg',
      imageId: 'img-1',
      status: 'processed',
      originalBytes: 4_812_331,
      webpBytes: 1_204_117,
      compressedBytes: 1_204_117,
      savingsPercent: 74.98,
      pipelineMs: 1710,
      renditions: ['small', 'medium', 'large'],
      ms: 900,
      // --json: where the derivatives are, and the whole record the API returned.
      outputs: ['http://rt/cdn/compressed/u/i/full.webp', 'http://rt/cdn/a', 'http://rt/cdn/b', 'http://rt/cdn/c'],
      record: image,
    });
  });

  it("gives a failed image its failure's code, stage and reason, and whether it is retryable", () => {
    const image = record({ status: 'failed', failure: { code: 'TRANSIENT_EXHAUSTED', stage: 'compress', reason: 'Compression did not finish.' } });
    const history = [entry('ImageUploaded', 1), entry('ImageProcessingFailed', 2)];

    const result = toImageResult(base, { kind: 'terminal', details: details(image, history) }, 60_000);

    expect(result).toMatchObject({
      status: 'failed',
      failure: { code: 'TRANSIENT_EXHAUSTED', stage: 'compress', reason: 'Compression did not finish.', retryable: true },
    });
  });

  it('makes a wait that ran out a timeout, with the last status seen', () => {
    const result = toImageResult(base, { kind: 'timeout', details: details(record({ status: 'processing' }), [entry('ImageUploaded', 1)]) }, 30_000);

    expect(result).toMatchObject({
      status: 'timeout',
      originalBytes: 4_000_000,
      failure: { code: 'TIMEOUT', reason: 'no terminal state within 30 s (last seen: processing)' },
    });
    expect(toImageResult(base, { kind: 'timeout' }, 30_000).failure?.reason).toBe('no terminal state within 30 s (last seen: not recorded yet)');
  });
});
