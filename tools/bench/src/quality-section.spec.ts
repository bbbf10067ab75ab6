import { paretoFront, qualityTargetRows, summarise, type EncodeResult, type SetSummary } from './quality-section';

const result = (photo: string, bytes: number, distance: number, cpuMs: number): EncodeResult => ({
  photo,
  megapixels: 12,
  quality: 80,
  bytes,
  distance,
  cpuMs,
  wallMs: cpuMs,
});

describe('summarise', () => {
  it('totals bytes, takes the worst distance and averages CPU', () => {
    const s = summarise('q80', [result('a', 100, 20, 1000), result('b', 300, 35, 2000)]);
    expect(s).toEqual({ label: 'q80', bytes: 400, worstDistance: 35, meanDistance: 27.5, cpuMsPerImage: 1500 });
  });
});

describe('qualityTargetRows', () => {
  const fixed: SetSummary = { label: 'q80', bytes: 1000, worstDistance: 30, meanDistance: 25, cpuMsPerImage: 1000 };
  const auto = (label: string, bytes: number, worstDistance: number, cpuMsPerImage = 1200): SetSummary => ({
    label,
    bytes,
    worstDistance,
    meanDistance: worstDistance,
    cpuMsPerImage,
  });

  it('meets both rows only with enough savings and enough improvement', () => {
    const rows = qualityTargetRows(fixed, [auto('auto 66', 700, 30), auto('auto 78', 1000, 22)], auto('auto 70', 800, 28, 1250));
    expect(rows.map((r) => r.met)).toEqual([true, true, true]);
    expect(rows[0]?.measured).toContain('auto 66');
    expect(rows[1]?.measured).toContain('auto 78');
  });

  it('does not meet a row on a near miss', () => {
    // 24% fewer bytes at the same worst case; 23% better worst case at the same bytes; 1.31x CPU.
    const rows = qualityTargetRows(fixed, [auto('auto 66', 760, 30), auto('auto 78', 990, 23.1)], auto('auto 70', 800, 28, 1310));
    expect(rows.map((r) => r.met)).toEqual([false, false, false]);
  });

  it('does not count a target whose worst case is worse than fixed, however small', () => {
    const rows = qualityTargetRows(fixed, [auto('auto 60', 300, 30.5)], undefined);
    expect(rows[0]?.met).toBe(false);
    expect(rows[0]?.measured).toBe('no target as good');
    expect(rows[2]?.met).toBeUndefined();
  });
});

describe('paretoFront', () => {
  it('keeps the points nothing beats on CPU, bytes and distance at once', () => {
    const front = paretoFront([
      { cpuMs: 100, bytes: 100, distance: 30 },
      { cpuMs: 200, bytes: 90, distance: 30 }, // more CPU, fewer bytes: on the front
      { cpuMs: 200, bytes: 100, distance: 30 }, // beaten by the first
      { cpuMs: 300, bytes: 120, distance: 20 }, // best distance: on the front
    ]);
    expect([...front].sort()).toEqual([0, 1, 3]);
  });
});
