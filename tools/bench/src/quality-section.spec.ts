import {
  bytesAtDistance,
  bytesAtDistanceAcross,
  ceilingRows,
  paretoFront,
  proxyPrecision,
  qualityCeiling,
  qualityTargetRows,
  summarise,
  type EncodeResult,
  type QualityPoint,
  type SetSummary,
} from './quality-section';

const result = (photo: string, bytes: number, distance: number, cpuMs: number): EncodeResult => ({
  photo,
  megapixels: 12,
  quality: 80,
  preset: 'default',
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

describe('bytesAtDistance', () => {
  const points: QualityPoint[] = [
    { quality: 90, bytes: 400, distance: 15 },
    { quality: 60, bytes: 100, distance: 40 },
    { quality: 80, bytes: 200, distance: 30 },
  ];

  it('interpolates between the last point that misses the limit and the first that meets it', () => {
    // Halfway from q60 (40) to q80 (30) in distance: bytes halfway in log, sqrt(100 * 200).
    expect(bytesAtDistance(points, 35)).toBeCloseTo(Math.sqrt(100 * 200), 6);
  });

  it('takes a point exactly at the limit, the cheapest point when all meet it, and nothing when none does', () => {
    expect(bytesAtDistance(points, 30)).toBeCloseTo(200, 6);
    expect(bytesAtDistance(points, 45)).toBe(100);
    expect(bytesAtDistance(points, 10)).toBeUndefined();
  });
});

describe('qualityCeiling and ceilingRows', () => {
  // Two photos: an easy one (q80 at distance 20) and a hard one (q80 at 30, the set's worst).
  const easy: QualityPoint[] = [
    { quality: 50, bytes: 50, distance: 30 },
    { quality: 80, bytes: 100, distance: 20 },
    { quality: 90, bytes: 200, distance: 10 },
  ];
  const hard: QualityPoint[] = [
    { quality: 80, bytes: 100, distance: 30 },
    { quality: 90, bytes: 200, distance: 20 },
  ];
  const fixed: SetSummary = { label: 'q80', bytes: 200, worstDistance: 30, meanDistance: 25, cpuMsPerImage: 1 };

  it('finds the bytes at fixed worst case and the worst case at fixed bytes', () => {
    const ceiling = qualityCeiling([[easy], [hard]], fixed);
    // At distance 30: easy drops to q50 (50 bytes), hard stays at 100.
    expect(ceiling.bytesAtFixedWorst).toBeCloseTo(150, 6);
    // At 200 bytes the two photos' curves cross a worst distance between 20 and 30.
    expect(ceiling.worstAtFixedBytes).toBeGreaterThan(20);
    expect(ceiling.worstAtFixedBytes).toBeLessThan(30);
    const rows = ceilingRows(fixed, ceiling);
    expect(rows[0]?.measured).toBe('25.0% fewer');
    expect(rows[0]?.met).toBe(true);
    expect(rows[1]?.met).toBe(false);
  });

  it('does not meet a row the photos cannot reach', () => {
    const ceiling = qualityCeiling([[easy], [hard]], { ...fixed, bytes: 10 });
    expect(ceiling.worstAtFixedBytes).toBeUndefined();
    expect(ceilingRows({ ...fixed, bytes: 10 }, ceiling)[1]).toMatchObject({ met: false, measured: 'no quality as small' });
  });

  it('over several presets, takes each photo\'s cheapest curve at the limit, and names what it chose among', () => {
    // A second preset for the hard photo: 80 bytes at distance 30 (the first needs 100).
    const hardIcon: QualityPoint[] = [
      { quality: 80, bytes: 80, distance: 30 },
      { quality: 90, bytes: 160, distance: 20 },
    ];
    const single = qualityCeiling([[easy], [hard]], fixed);
    const across = qualityCeiling([[easy], [hard, hardIcon]], fixed);

    expect(across.bytesAtFixedWorst).toBeCloseTo(130, 6);
    expect(across.worstAtFixedBytes).toBeLessThan(single.worstAtFixedBytes as number);
    expect(bytesAtDistanceAcross([hard, hardIcon], 30)).toBe(80);
    expect(bytesAtDistanceAcross([hard, hardIcon], 5)).toBeUndefined();
    expect(ceilingRows(fixed, across, 'quality x preset')[0]?.target).toContain('(quality x preset)');
  });
});

describe('proxyPrecision', () => {
  it('gives mean, spread and range, and nothing for no errors', () => {
    expect(proxyPrecision([1, 3])).toEqual({ mean: 2, sd: 1, min: 1, max: 3 });
    expect(proxyPrecision([])).toBeUndefined();
  });
});
