import { checkTargets, type TargetInput } from './targets';

const MB = 1024 * 1024;
const measured: TargetInput = {
  renditions13MedianMs: 95,
  sharpDefault: { c1: 0.9, c2: 1.6 },
  sharpFast: { c1: 1.5, c2: 2.4 },
  pillow: { c1: 0.95, c2: 1.8 },
  peakRssC2Bytes: [450 * MB, 520 * MB],
};

const statusOf = (input: TargetInput) => Object.fromEntries(checkTargets(input).map((c) => [c.name, c.status]));

describe('checkTargets', () => {
  it('judges every target on the measurements', () => {
    expect(statusOf(measured)).toEqual({
      'renditions, ~13 MP JPEG': 'met',
      'default vs Pillow, concurrency 1': 'met', // 0.947x >= 0.9x
      'default vs Pillow, concurrency 2': 'not met', // 0.889x
      'fast vs Pillow, concurrency 1': 'met', // 1.58x
      'fast vs Pillow, concurrency 2': 'not met', // 1.33x
      'peak RSS, concurrency 2': 'met',
    });
  });

  it('prints the ratio and both rates', () => {
    const check = checkTargets(measured).find((c) => c.name === 'default vs Pillow, concurrency 2');

    expect(check?.measured).toBe('0.89x (1.60 vs 1.80 img/s)');
  });

  it('fails renditions at 120 ms and RSS at 600 MB, the limits being exclusive', () => {
    const status = statusOf({ ...measured, renditions13MedianMs: 120, peakRssC2Bytes: [300 * MB, 600 * MB] });

    expect(status['renditions, ~13 MP JPEG']).toBe('not met');
    expect(status['peak RSS, concurrency 2']).toBe('not met');
  });

  it('says "not measured" rather than passing when a side is missing', () => {
    const status = statusOf({ sharpDefault: { c1: 1 }, sharpFast: {}, pillow: {}, peakRssC2Bytes: [] });

    expect(Object.values(status)).toEqual(Array(6).fill('not measured'));
  });
});
