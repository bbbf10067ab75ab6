import { failuresByCount, savedShare } from './dashboard';

describe('dashboard figures', () => {
  it('gives the saved share of the uploaded bytes, none before any upload', () => {
    expect(savedShare({ bytesSaved: 750, originalBytes: 1000 })).toBe(75);
    expect(savedShare({ bytesSaved: 0, originalBytes: 0 })).toBeUndefined();
  });

  it('lists failure codes most frequent first, ties by code, zero counts left out', () => {
    expect(failuresByCount({ UNSUPPORTED_FORMAT: 2, CORRUPT: 5, TOO_LARGE: 2, INTERNAL: 0 })).toEqual([
      ['CORRUPT', 5],
      ['TOO_LARGE', 2],
      ['UNSUPPORTED_FORMAT', 2],
    ]);
  });
});
