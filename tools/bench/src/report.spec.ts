import type { PlannedJob, ScenarioRecord, Tool } from './bench-plan';
import { costRows, cpuComparisonLine, effortRows, fastProfileLine, groupResults, latencyRows, targetChecks, throughputRows } from './report';
import type { JobResult, Op, RunResult } from './scenario';

const MB = 1024 * 1024;

const result = (ms: number, outBytes = 1000, cpuMs = ms): JobResult => ({ ms, cpuMs, outBytes, outputs: 1 });

const run = (results: JobResult[], wallMs: number, peakRssBytes = 300 * MB): RunResult => ({
  results,
  wallMs,
  cpuMs: results.reduce((s, r) => s + r.cpuMs, 0),
  peakRssBytes,
  rssMethod: 'test',
  notes: [],
});

const record = (
  id: string,
  tool: Tool,
  op: Op,
  jobs: PlannedJob[],
  runResult: RunResult | undefined,
  concurrency = 1,
): ScenarioRecord => ({
  id,
  section: id.split('/')[0] as ScenarioRecord['section'],
  tool,
  op,
  concurrency,
  warmup: undefined,
  jobs,
  ...(runResult ? { result: runResult } : { skipped: 'not installed' }),
});

const jobs = (op: Op, groups: PlannedJob['group'][]): PlannedJob[] => groups.map((group) => ({ image: `/p/${group}`, op, group }));

describe('groupResults', () => {
  it('picks the results of one group out of a mixed scenario', () => {
    const r = record('latency/pillow/webp', 'pillow', 'webp', jobs('webp', ['13mp', '24mp', '13mp']), run([result(1), result(2), result(3)], 6));

    expect(groupResults(r, '13mp').map((x) => x.ms)).toEqual([1, 3]);
    expect(groupResults(r, 'mixed')).toEqual([]);
  });

  it('has nothing for a skipped scenario', () => {
    expect(groupResults(record('latency/pillow/webp', 'pillow', 'webp', jobs('webp', ['13mp']), undefined), '13mp')).toEqual([]);
  });
});

describe('latencyRows', () => {
  it('takes medians per tool and fills the mixed full job from the concurrency-1 throughput run', () => {
    const records = [
      record('latency/sharp-default/webp', 'sharp-default', 'webp', jobs('webp', ['13mp', '13mp', '13mp']), run([result(90), result(100), result(300)], 490)),
      record('latency/pillow/webp', 'pillow', 'webp', jobs('webp', ['13mp', '13mp', '13mp']), run([result(150), result(200), result(210)], 560)),
      record('throughput/sharp-default/c1', 'sharp-default', 'full', jobs('full', ['mixed', 'mixed']), run([result(10), result(30)], 40)),
    ];

    const rows = latencyRows(records);

    expect(rows).toEqual([
      expect.objectContaining({ group: '13mp', op: 'webp', runs: 3, ms: { 'sharp-default': 100, pillow: 200 } }),
      expect.objectContaining({ group: 'mixed', op: 'full', runs: 2, ms: { 'sharp-default': 20 } }),
    ]);
  });
});

describe('effortRows', () => {
  it('gives the median time and bytes of each effort that ran', () => {
    const r = record(
      'effort/sharp-default/webp',
      'sharp-default',
      'webp',
      jobs('webp', ['effort-0', 'effort-0', 'effort-0', 'effort-4']),
      run([result(250, 440), result(260, 440), result(900, 440), result(1000, 400)], 2410),
    );

    expect(effortRows([r])).toEqual([
      { effort: 0, medianMs: 260, bytes: 440 },
      { effort: 4, medianMs: 1000, bytes: 400 },
    ]);
  });
});

describe('throughput, cost and targets', () => {
  const mixed = (n: number): PlannedJob[] => jobs('full', Array<PlannedJob['group']>(n).fill('mixed'));
  const records = [
    record('throughput/sharp-default/c1', 'sharp-default', 'full', mixed(4), run([result(1000, 1000), result(1000, 1000), result(1000, 1000), result(1000, 1000)], 4000), 1),
    record('throughput/sharp-default/c2', 'sharp-default', 'full', mixed(4), run([result(1000, 1000), result(1000, 1000), result(1000, 1000), result(1000, 1000)], 2000, 500 * MB), 2),
    record('throughput/sharp-fast/c1', 'sharp-fast', 'full', mixed(4), run([result(500, 1100), result(500, 1100), result(500, 1100), result(500, 1100)], 2000), 1),
    record('throughput/pillow/c1', 'pillow', 'full', mixed(4), run([result(1250), result(1250), result(1250), result(1250)], 5000), 1),
    record('throughput/pillow/c2', 'pillow', 'full', mixed(4), undefined, 2),
    record('latency/pillow/webp', 'pillow', 'webp', jobs('webp', ['mixed', 'mixed']), run([result(800, 1, 800), result(1200, 1, 1200)], 2000)),
    record('latency/pillow/renditions', 'pillow', 'renditions', jobs('renditions', ['mixed', 'mixed']), run([result(200), result(400)], 600)),
  ];
  const rows = throughputRows(records);

  it('turns each throughput run into images/s, CPU and bytes per image', () => {
    expect(rows.map((r) => [r.tool, r.concurrency, r.imagesPerSec])).toEqual([
      ['sharp-default', 1, 1],
      ['sharp-default', 2, 2],
      ['sharp-fast', 1, 2],
      ['pillow', 1, 0.8],
    ]);
    expect(rows[0]).toMatchObject({ images: 4, cpuMsPerImage: 1000, outBytesPerImage: 1000 });
  });

  it("states the fast profile's speed-up and byte cost", () => {
    expect(fastProfileLine(rows)).toBe('fast profile vs default: conc 1: 2.00x the images/s for +10.0% bytes');
  });

  it('compares CPU per image against Pillow at concurrency 1', () => {
    expect(cpuComparisonLine(rows)).toBe(
      "CPU ms per image at conc 1 (steadier than wall time on a busy machine): Pillow seed 1250 ms; " +
        "sharp default 1000 ms (1.25x), sharp fast 500 ms (2.50x) - Pillow's CPU / sharp's",
    );
  });

  it('prices one function from the throughput run and two from the latency runs', () => {
    const costs = costRows(records, rows);
    const pillow = costs.filter((c) => c.tool === 'pillow');

    expect(pillow.map((c) => [c.shape, c.cpuMsPerImage])).toEqual([
      ['1 function (full job)', 1250],
      ['2 functions (compress + thumbnail)', 1000 + 300],
    ]);
    expect(pillow[1]?.estimate.requestUsdPerMillion).toBeCloseTo(0.4, 10);
  });

  it('judges the targets on these rows, leaving unmeasured ones unmeasured', () => {
    const status = Object.fromEntries(targetChecks(records, rows).map((c) => [c.name, c.status]));

    expect(status).toEqual({
      'renditions, ~13 MP JPEG': 'not measured',
      'default vs Pillow, concurrency 1': 'met', // 1 / 0.8
      'default vs Pillow, concurrency 2': 'not measured', // Pillow skipped
      'fast vs Pillow, concurrency 1': 'met', // 2 / 0.8 = 2.5
      'fast vs Pillow, concurrency 2': 'not measured',
      'peak RSS, concurrency 2': 'met', // 500 MB
    });
  });
});
