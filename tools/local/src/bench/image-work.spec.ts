import { imageWorkOnPath, taskIntervalsFromLog } from './image-work';

describe('imageWorkOnPath: the image work on the path is the union of the tasks\' intervals', () => {
  it('adds two tasks that ran one after the other (thumbnails first), the hand-off between them a gap', () => {
    const work = imageWorkOnPath([
      { task: 'thumbnail', startMs: 100, endMs: 700 },
      { task: 'compress', startMs: 705, endMs: 2_705 },
    ]);
    expect(work).toEqual({ workMs: 2_600, summedMs: 2_600, overlapMs: 0, gapMs: 5 });
  });

  it('counts the time two tasks ran at once only once: a thumbnail task past the 1 s bound overlaps compress', () => {
    // The thumbnail task ran 1.6 s; compress started at the 1 s bound. The sum would say 3.6 s of
    // work and understate the overhead by the 0.6 s they shared.
    const work = imageWorkOnPath([
      { task: 'compress', startMs: 1_000, endMs: 3_000 },
      { task: 'thumbnail', startMs: 0, endMs: 1_600 },
    ]);
    expect(work).toEqual({ workMs: 3_000, summedMs: 3_600, overlapMs: 600, gapMs: 0 });
  });

  it('counts a task that ran wholly inside another once (the AWS shape: the branches in parallel)', () => {
    expect(imageWorkOnPath([
      { task: 'compress', startMs: 0, endMs: 4_000 },
      { task: 'thumbnail', startMs: 10, endMs: 810 },
    ])).toEqual({ workMs: 4_000, summedMs: 4_800, overlapMs: 800, gapMs: 0 });
  });

  it('is 0 for no task, and refuses an interval that ends before it starts', () => {
    expect(imageWorkOnPath([])).toEqual({ workMs: 0, summedMs: 0, overlapMs: 0, gapMs: 0 });
    expect(() => imageWorkOnPath([{ task: 'compress', startMs: 5, endMs: 4 }])).toThrow(RangeError);
    expect(() => imageWorkOnPath([{ task: 'compress', startMs: 0, endMs: Number.NaN }])).toThrow(RangeError);
  });
});

describe('taskIntervalsFromLog: each task\'s done line says when it ended and how long it worked', () => {
  const line = (message: string, timestamp: string, ms: number, imageId = 'img-1') =>
    JSON.stringify({ level: 'INFO', message, timestamp, service: 'imgpipe', imageId, correlationId: imageId, ms });

  it('reads [timestamp - ms, timestamp] of this image\'s thumbnail and compress lines, the last of each', () => {
    const log = [
      line('thumbnails generated', '2026-12-05T10:00:01.600Z', 1_600),
      line('image compressed', '2026-12-05T10:00:05.000Z', 4_000, 'img-2'),
      'not json img-1',
      JSON.stringify({ message: 'upload checked', timestamp: '2026-12-05T10:00:00.000Z', imageId: 'img-1', ms: 3 }),
      line('image compressed', '2026-12-05T10:00:02.000Z', 900),
      line('image compressed', '2026-12-05T10:00:03.000Z', 2_000),
    ].join('\n');

    const intervals = taskIntervalsFromLog(log, 'img-1');
    const t0 = Date.parse('2026-12-05T10:00:00.000Z');
    expect(intervals.map((i) => [i.task, i.startMs - t0, i.endMs - t0])).toEqual([
      ['thumbnail', 0, 1_600],
      ['compress', 1_000, 3_000],
    ]);
    expect(imageWorkOnPath(intervals).overlapMs).toBe(600);
  });
});
