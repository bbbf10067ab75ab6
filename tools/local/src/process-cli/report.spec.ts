import type { ImageResult } from './image-result';
import { formatFailures, formatResultsTable, formatTotals, totalsOf } from './report';

const processed: ImageResult = {
  file: 'photos/beach.jpg',
  imageId: 'img-1',
  status: 'processed',
  originalBytes: 2 * 1024 * 1024,
  webpBytes: 512 * 1024,
  compressedBytes: 512 * 1024,
  savingsPercent: 75,
  renditions: ['small', 'medium', 'large'],
  ms: 812,
  pipelineMs: 640,
};
const failed: ImageResult = {
  file: 'photos/broken.jpg',
  imageId: 'img-2',
  status: 'failed',
  originalBytes: 5000,
  renditions: [],
  ms: 95,
  failure: { code: 'UNSUPPORTED_FORMAT', reason: 'The file is not an image.', stage: 'ingest', retryable: false },
};
const timedOut: ImageResult = {
  file: 'slow.png',
  imageId: 'img-3',
  status: 'timeout',
  originalBytes: 100,
  renditions: [],
  ms: 1000,
  failure: { code: 'TIMEOUT', reason: 'no terminal state within 1 s (last seen: processing)' },
};

describe('formatResultsTable', () => {
  it('prints one aligned row per image, sizes right-aligned, the failure code as the status', () => {
    expect(formatResultsTable([processed, failed, timedOut]).split('\n')).toEqual([
      'file               original    webp  savings %  renditions            ms  status',
      '-----------------  --------  ------  ---------  ------------------  ----  -------------------------',
      'photos/beach.jpg    2.10 MB  524 kB      75.0%  small,medium,large   812  processed',
      'photos/broken.jpg   5.00 kB       -          -  -                     95  failed UNSUPPORTED_FORMAT',
      'slow.png              100 B       -          -  -                   1000  timeout TIMEOUT',
    ]);
  });
});

describe('totalsOf', () => {
  it('counts every image, and sums the bytes of the processed ones only', () => {
    const totals = totalsOf([processed, failed, timedOut], 2000);

    expect(totals).toEqual({
      count: 3,
      processed: 1,
      failed: 2,
      bytesBefore: 2 * 1024 * 1024,
      bytesAfter: 512 * 1024,
      savedBytes: 1536 * 1024,
      savedPercent: 75,
      wallMs: 2000,
      imagesPerSecond: 1.5,
    });
  });

  it('is all zeros when nothing was processed', () => {
    expect(totalsOf([failed], 0)).toMatchObject({ bytesBefore: 0, savedPercent: 0, imagesPerSecond: 0 });
  });

  it('shows a negative saving when the WebP is bigger than the original', () => {
    const grew: ImageResult = { ...processed, originalBytes: 1000, webpBytes: 1200, savingsPercent: -20 };

    expect(formatTotals(totalsOf([grew], 1000))).toContain('−200 B saved (−20.0%)');
  });
});

describe('formatTotals', () => {
  it('states counts, bytes before and after, the saving, the wall time and the rate', () => {
    expect(formatTotals(totalsOf([processed, failed], 4000)).split('\n')).toEqual([
      '2 image(s): 1 processed, 1 failed',
      'bytes: 2.10 MB before, 524 kB after, 1.57 MB saved (75.0%)',
      'wall time: 4.00 s, 0.50 images/s',
    ]);
  });
});

describe('formatFailures', () => {
  it('lists every image that did not process with its code, stage and reason, and says which a redrive can help', () => {
    const retryable: ImageResult = {
      ...failed,
      file: 'net.jpg',
      failure: { code: 'TRANSIENT_EXHAUSTED', reason: 'S3 timed out.', stage: 'compress', retryable: true },
    };

    expect(formatFailures([processed, failed, timedOut, retryable]).split('\n')).toEqual([
      'photos/broken.jpg: UNSUPPORTED_FORMAT at ingest: The file is not an image.',
      'slow.png: TIMEOUT: no terminal state within 1 s (last seen: processing)',
      'net.jpg: TRANSIENT_EXHAUSTED at compress: S3 timed out. (retryable: `imgpipe redrive`)',
    ]);
  });

  it('is empty when every image processed', () => {
    expect(formatFailures([processed])).toBe('');
  });
});
