import type { HistoryEntry } from '@imgpipe/contracts/views';
import { allContracts, exampleEnvelope, type AnyContract } from '@imgpipe/contracts';
import { eventFacts, formatEventHistory } from './event-history';

/** The contract's `full` example as a history entry. */
function entry(detailType: string, sequence: number, occurredAt: string, source = 'imgpipe.test'): HistoryEntry {
  const contract = (allContracts as readonly AnyContract[]).find((c) => c.detailType === detailType) as AnyContract;
  const envelope = exampleEnvelope(contract, Object.keys(contract.examples).includes('full') ? 'full' : 'minimal');
  return { sequence, eventId: `e${sequence}`, detailType, source, occurredAt, data: envelope.data };
}

describe('eventFacts', () => {
  it.each([
    ['ImageUploaded', 'holiday-photo.jpg jpeg 4032x3024 4.81 MB renditions rs-7c4a8d09'],
    ['ImageCompressed', 'webp 1.20 MB, avif 862 kB, jpeg 2.02 MB; 75.0% saved'],
    ['ImageProcessed', '4.81 MB -> 1.20 MB, 75.0% saved, 3 rendition(s), 1710 ms'],
    ['ImageProcessingFailed', 'TRANSIENT_EXHAUSTED at compress: Compression did not finish within 60 seconds after 3 attempts. (retryable)'],
  ])('sums up %s', (detailType, facts) => {
    expect(eventFacts(entry(detailType, 1, '2025-06-01T12:00:00.000Z'))).toBe(facts);
  });

  it('names the renditions made', () => {
    expect(eventFacts(entry('ThumbnailsGenerated', 1, '2025-06-01T12:00:00.000Z'))).toMatch(/^small \d+x\d+, medium \d+x\d+, large \d+x\d+$/);
  });

  it('names a rendition written in several formats once, with its formats (ThumbnailsGenerated v3)', () => {
    const v3 = allContracts.find((c) => c.detailType === 'ThumbnailsGenerated' && c.version === 3) as AnyContract;
    const data = exampleEnvelope(v3, 'full').data;
    expect(eventFacts({ detailType: 'ThumbnailsGenerated', data })).toBe('small 150x113 (jpeg, webp), display 1600x1200 (jpeg, webp)');
  });

  it('lists the data fields of an event it does not know', () => {
    expect(eventFacts({ detailType: 'ImageTagged', data: { imageId: 'a', tags: [] } })).toBe('imageId, tags');
  });
});

describe('formatEventHistory', () => {
  it('prints a timeline with the time since the first event, then the failure', () => {
    const history = [
      entry('ImageUploaded', 1, '2025-06-01T12:00:00.000Z', 'imgpipe.ingest'),
      entry('ImageProcessingFailed', 2, '2025-06-01T12:00:14.250Z', 'imgpipe.metadata'),
    ];
    const image = {
      imageId: 'img-1',
      userId: 'dev',
      uploadedAt: '2025-06-01T12:00:00.000Z',
      status: 'failed' as const,
      failure: { code: 'TRANSIENT_EXHAUSTED' as const, reason: 'Compression did not finish.', stage: 'compress' as const },
    };

    const lines = formatEventHistory('img-1', image, history).split('\n');

    expect(lines[0]).toBe('image img-1 (user dev): failed, 2 event(s)');
    expect(lines[2]).toMatch(/^seq\s+time\s+ms\s+detail-type\s+source\s+facts$/);
    const [first, second] = [lines[4] ?? '', lines[5] ?? ''];
    expect(first).toMatch(/^ {2}1 {2}2025-06-01T12:00:00\.000Z {2}\+0 +ImageUploaded +imgpipe\.ingest +holiday-photo\.jpg jpeg/);
    expect(second).toMatch(/^ {2}2 {2}2025-06-01T12:00:14\.250Z {2}\+14250 +ImageProcessingFailed +imgpipe\.metadata +TRANSIENT_EXHAUSTED at compress/);
    // Aligned columns.
    expect(first.indexOf('ImageUploaded')).toBe(second.indexOf('ImageProcessingFailed'));
    expect(first.indexOf('holiday-photo')).toBe(second.indexOf('TRANSIENT_EXHAUSTED'));
    expect(lines[6]).toBe('failed: TRANSIENT_EXHAUSTED at compress: Compression did not finish.');
  });
});
