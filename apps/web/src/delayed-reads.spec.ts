import { createDelayedReads } from './delayed-reads';

describe('reads put off for a while', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reads an image once its wait is over, not before', () => {
    const read = jest.fn();
    const reads = createDelayedReads(read);

    reads.after('img-1', 1000);
    jest.advanceTimersByTime(999);
    expect(read).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);

    expect(read).toHaveBeenCalledWith('img-1');
    expect(reads.pending).toBe(0);
  });

  it('keeps one pending read per image: asking again restarts its wait', () => {
    const read = jest.fn();
    const reads = createDelayedReads(read);

    reads.after('img-1', 1000);
    jest.advanceTimersByTime(600);
    reads.after('img-1', 1000);
    reads.after('img-2', 1000);
    jest.advanceTimersByTime(600);
    expect(read).not.toHaveBeenCalledWith('img-1');
    jest.advanceTimersByTime(400);

    expect(read.mock.calls).toEqual([['img-1'], ['img-2']]);
  });

  it('reads nothing once cancelled or disposed (the stream spoke first; sign-out)', () => {
    const read = jest.fn();
    const reads = createDelayedReads(read);

    reads.after('img-1', 1000);
    reads.after('img-2', 1000);
    reads.cancel('img-1');
    expect(reads.pending).toBe(1);
    reads.dispose();
    jest.advanceTimersByTime(5000);

    expect(read).not.toHaveBeenCalled();
    expect(reads.pending).toBe(0);
  });
});
