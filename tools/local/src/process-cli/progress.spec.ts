import type { ImageResult } from './image-result';
import type { OutputStream } from './io';
import { progressBar, progressLine, ProgressReporter, resultLine } from './progress';

class Capture implements OutputStream {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 100,
  ) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

const result = (overrides: Partial<ImageResult> = {}): ImageResult => ({
  file: 'a.jpg',
  status: 'processed',
  originalBytes: 10,
  renditions: [],
  ms: 42,
  ...overrides,
});

describe('progressBar', () => {
  it.each([
    [0, '[----------]'],
    [0.5, '[#####-----]'],
    [1, '[##########]'],
    [7, '[##########]'],
    [Number.NaN, '[----------]'],
  ])('draws %p as %s', (fraction, bar) => {
    expect(progressBar(fraction, 10)).toBe(bar);
  });
});

describe('progressLine', () => {
  it('shows the bar, done out of total, failures, uploads and the elapsed time', () => {
    expect(progressLine({ total: 4, uploaded: 4, processed: 2, failed: 1 }, 12_345, 100)).toBe(
      '[#######################-------] 3/4 done (1 failed) | uploaded 4/4 | 12.3 s',
    );
  });

  it('fits a narrow terminal, and reads 0 columns (a pseudo-terminal) as 80', () => {
    expect(progressLine({ total: 100, uploaded: 50, processed: 10, failed: 0 }, 0, 40).length).toBeLessThanOrEqual(39);
    expect(progressLine({ total: 1, uploaded: 0, processed: 0, failed: 0 }, 0, 0)).toBe(
      '[------------------------------] 0/1 done | uploaded 0/1 | 0.0 s',
    );
  });
});

describe('resultLine', () => {
  it('numbers the image and says how it ended', () => {
    const progress = { total: 12, uploaded: 12, processed: 2, failed: 1 };

    expect(resultLine(result(), progress)).toBe('[ 3/12] processed a.jpg (42 ms)');
    expect(resultLine(result({ status: 'failed', failure: { code: 'CORRUPT', reason: 'Truncated.' } }), progress)).toBe(
      '[ 3/12] failed a.jpg: CORRUPT Truncated.',
    );
  });
});

describe('ProgressReporter', () => {
  it('redraws one line on a terminal and ends it on finish', () => {
    const stream = new Capture(true);
    const reporter = new ProgressReporter(stream);

    reporter.update({ total: 2, uploaded: 1, processed: 0, failed: 0 });
    reporter.imageDone(result(), { total: 2, uploaded: 2, processed: 1, failed: 0 });
    reporter.update({ total: 2, uploaded: 2, processed: 1, failed: 0 });
    reporter.finish();

    const draws = stream.text.split('\r\x1b[2K').filter(Boolean);
    expect(draws).toHaveLength(2);
    expect(draws[0]).toMatch(/^\[-+\] 0\/2 done \| uploaded 1\/2/);
    expect(draws[1]).toMatch(/^\[#+-+\] 1\/2 done \| uploaded 2\/2 \| \d+\.\d s\n$/);
  });

  it('prints a line per finished image elsewhere, and no redraws', () => {
    const stream = new Capture(false);
    const reporter = new ProgressReporter(stream);

    reporter.update({ total: 1, uploaded: 0, processed: 0, failed: 0 });
    reporter.imageDone(result(), { total: 1, uploaded: 1, processed: 1, failed: 0 });
    reporter.finish();

    expect(stream.text).toBe('[1/1] processed a.jpg (42 ms)\n');
  });
});
