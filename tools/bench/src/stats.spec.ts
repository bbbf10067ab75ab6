import { mean, median, perSecond, ratio, summarize } from './stats';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('sorts numerically, not as strings', () => {
    expect(median([100, 9, 20])).toBe(20);
  });

  it('leaves its input alone', () => {
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('reports count, median, mean, min and max', () => {
    expect(summarize([1, 2, 3, 10])).toEqual({ n: 4, median: 2.5, mean: 4, min: 1, max: 10 });
  });

  it('refuses an empty list', () => {
    expect(() => mean([])).toThrow(RangeError);
  });
});

describe('perSecond', () => {
  it('turns a count over milliseconds into a rate per second', () => {
    expect(perSecond(9, 4500)).toBe(2);
  });

  it('is zero for nothing done', () => {
    expect(perSecond(0, 0)).toBe(0);
  });

  it('refuses work done in no time', () => {
    expect(() => perSecond(3, 0)).toThrow(RangeError);
  });
});

describe('ratio', () => {
  it('divides', () => {
    expect(ratio(3, 2)).toBe(1.5);
  });

  it.each([
    [undefined, 2],
    [3, undefined],
    [3, 0],
  ])('is undefined for %p / %p', (a, b) => {
    expect(ratio(a, b)).toBeUndefined();
  });
});
