import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventArchive, type BusEvent } from '@imgpipe/local';
import { awaitOutcomes, planLocalRedrive, redriveRequests } from './redrive.local';

let dir: string;
let archive: EventArchive;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imgpipe-cli-redrive-'));
  archive = new EventArchive(dir);
});

afterEach(async () => {
  await archive.close();
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function event(detailType: string, time: string, data: Record<string, unknown>): BusEvent {
  counter += 1;
  return {
    version: '0',
    id: `id-${counter}`,
    'detail-type': detailType,
    source: 'imgpipe.test',
    account: '000000000000',
    time,
    region: 'us-east-1',
    resources: [],
    detail: { version: 1, eventId: `ev-${counter}`, correlationId: 'c', occurredAt: time, data },
  };
}
const uploaded = (imageId: string, time: string) => event('ImageUploaded', time, { imageId, userId: 'dev' });
const failed = (imageId: string, time: string, code: string, retryable: boolean) =>
  event('ImageProcessingFailed', time, { imageId, userId: 'dev', code, stage: code === 'CORRUPT' ? 'ingest' : 'compress', reason: `${code}!`, retryable });

describe('planLocalRedrive', () => {
  it('finds images whose last outcome is a failure, and splits them by whether a redrive can help', async () => {
    const now = Date.now();
    const at = (s: number) => new Date(now - 60_000 + s * 1000).toISOString();
    const events = [
      uploaded('transient', at(1)),
      failed('transient', at(2), 'TRANSIENT_EXHAUSTED', true),
      failed('corrupt', at(3), 'CORRUPT', false),
      uploaded('recovered', at(4)),
      failed('recovered', at(5), 'INTERNAL', true),
      event('ImageProcessed', at(6), { imageId: 'recovered' }),
      uploaded('reuploaded', at(7)),
      failed('reuploaded', at(8), 'INTERNAL', true),
      uploaded('reuploaded', at(9)),
      event('ImageProcessed', at(10), { imageId: 'fine' }),
    ];
    for (const e of events) await archive.append('imgpipe', e);

    const plan = await planLocalRedrive(archive);

    expect(plan.retryable).toEqual([
      {
        imageId: 'transient',
        userId: 'dev',
        code: 'TRANSIENT_EXHAUSTED',
        stage: 'compress',
        reason: 'TRANSIENT_EXHAUSTED!',
        retryable: true,
        failedAt: at(2),
        uploadedAt: at(1),
      },
    ]);
    expect(plan.notRetryable.map((i) => [i.imageId, i.code])).toEqual([['corrupt', 'CORRUPT']]);
  });
});

describe('redriveRequests', () => {
  it('asks for one 1 ms window of ImageUploaded per upload time, with the image ids', () => {
    const image = { userId: 'dev', code: 'INTERNAL', stage: 'compress', reason: '', retryable: true, failedAt: '' };
    const requests = redriveRequests(
      [
        { ...image, imageId: 'a', uploadedAt: '2025-06-01T12:00:00.000Z' },
        { ...image, imageId: 'b', uploadedAt: '2025-06-01T12:00:00.000Z' },
        { ...image, imageId: 'c', uploadedAt: '2025-06-01T12:00:05.120Z' },
      ],
      'redrive-test',
    );

    expect(requests).toEqual([
      { from: '2025-06-01T12:00:00.000Z', to: '2025-06-01T12:00:00.001Z', detailTypes: ['ImageUploaded'], name: 'redrive-test', imageIds: ['a', 'b'] },
      { from: '2025-06-01T12:00:05.120Z', to: '2025-06-01T12:00:05.121Z', detailTypes: ['ImageUploaded'], name: 'redrive-test', imageIds: ['c'] },
    ]);
  });
});

describe('awaitOutcomes', () => {
  it('reports the outcomes archived since the redrive began, and a timeout for the rest', async () => {
    const since = new Date();
    const later = new Date(since.getTime() + 1).toISOString();
    await archive.append('imgpipe', failed('a', new Date(since.getTime() - 5000).toISOString(), 'INTERNAL', true));
    await archive.append('imgpipe', event('ImageProcessed', later, { imageId: 'a' }));
    await archive.append('imgpipe', failed('b', later, 'INTERNAL', true));

    const outcomes = await awaitOutcomes(archive, ['a', 'b', 'c'], since, { timeoutMs: 1, pollIntervalMs: 1 });

    expect(outcomes).toEqual([
      { imageId: 'a', status: 'processed' },
      { imageId: 'b', status: 'failed', code: 'INTERNAL', reason: 'INTERNAL!' },
      { imageId: 'c', status: 'timeout' },
    ]);
  });
});
