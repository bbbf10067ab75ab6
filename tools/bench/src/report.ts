import { EFFORTS, type Group, type ScenarioRecord, type Tool } from './bench-plan';
import { estimateLambdaCost, LAMBDA_ARM64_PRICE, ONE_VCPU_MEMORY_MB, type CostEstimate } from './cost-model';
import { megapixels, type Photo, type PhotoRoles } from './photo-set';
import type { JobResult, Op } from './scenario';
import { mean, median, perSecond, ratio } from './stats';
import { renderTable, times, toMb, type Cell } from './table';
import { checkTargets, type Rates, type TargetCheck } from './targets';

const KB = 1024;
const TOOL_LABEL: Readonly<Record<Tool, string>> = {
  'sharp-default': 'sharp default',
  'sharp-fast': 'sharp fast',
  pillow: 'Pillow seed',
  imagemagick: 'ImageMagick',
};

/** The results of one group of jobs in one scenario. */
export function groupResults(record: ScenarioRecord | undefined, group: Group): JobResult[] {
  if (!record?.result) return [];
  const results = record.result.results;
  return record.jobs.flatMap((job, i) => (job.group === group && results[i] ? [results[i]] : []));
}

const medianOf = (results: readonly JobResult[], pick: (r: JobResult) => number): number | undefined =>
  results.length === 0 ? undefined : median(results.map(pick));
const meanOf = (results: readonly JobResult[], pick: (r: JobResult) => number): number | undefined =>
  results.length === 0 ? undefined : mean(results.map(pick));

const find = (records: readonly ScenarioRecord[], id: string): ScenarioRecord | undefined => records.find((r) => r.id === id);

// ---------------------------------------------------------------------------------------
// Photos

export function photosTable(photos: readonly Photo[], roles: PhotoRoles): string {
  const roleOf = (p: Photo): string =>
    [p === roles.thirteen && '~13MP', p === roles.large && '~24MP', roles.mixed.includes(p) && 'mixed', p === roles.warmup && 'warm-up']
      .filter(Boolean)
      .join(' ');
  return renderTable(
    [
      { header: 'photo', align: 'left' },
      { header: 'role', align: 'left' },
      { header: 'size', align: 'left' },
      { header: 'MP', digits: 1 },
      { header: 'MB', digits: 1 },
      { header: 'from (Debian package)', align: 'left' },
    ],
    photos.map((p) => [p.name, roleOf(p) || '-', `${p.width}x${p.height} ${p.format}`, megapixels(p), toMb(p.bytes), p.origin]),
  );
}

// ---------------------------------------------------------------------------------------
// Latency

/** One line of the latency table: median ms and bytes per tool. */
export interface LatencyRow {
  readonly group: Group;
  readonly op: Op;
  readonly ms: Partial<Record<Tool, number>>;
  readonly cpuMs: Partial<Record<Tool, number>>;
  readonly outBytes: Partial<Record<Tool, number>>;
  readonly runs: number;
}

const LATENCY_TOOLS = ['sharp-default', 'pillow', 'imagemagick'] as const;

/**
 * Median ms per tool, operation and photo group. The mixed set's full job comes from the
 * throughput section's concurrency-1 run when that ran (the same work, measured once).
 */
export function latencyRows(records: readonly ScenarioRecord[]): LatencyRow[] {
  const rows: LatencyRow[] = [];
  for (const group of ['13mp', '24mp', 'mixed'] as const) {
    for (const op of ['webp', 'renditions', 'full'] as const) {
      const row: LatencyRow = { group, op, ms: {}, cpuMs: {}, outBytes: {}, runs: 0 };
      let runs = 0;
      for (const tool of LATENCY_TOOLS) {
        let results = groupResults(find(records, `latency/${tool}/${op}`), group);
        if (results.length === 0 && group === 'mixed' && op === 'full') {
          results = groupResults(find(records, `throughput/${tool}/c1`), 'mixed');
        }
        if (results.length === 0) continue;
        runs = Math.max(runs, results.length);
        row.ms[tool] = medianOf(results, (r) => r.ms);
        row.cpuMs[tool] = meanOf(results, (r) => r.cpuMs);
        row.outBytes[tool] = medianOf(results, (r) => r.outBytes);
      }
      if (runs > 0) rows.push({ ...row, runs });
    }
  }
  return rows;
}

const GROUP_LABEL: Readonly<Record<string, string>> = { '13mp': '~13 MP', '24mp': '~24 MP', mixed: 'mixed set' };

export function latencyTable(rows: readonly LatencyRow[]): string {
  return renderTable(
    [
      { header: 'photos', align: 'left' },
      { header: 'work', align: 'left' },
      { header: 'runs' },
      { header: 'sharp ms' },
      { header: 'Pillow ms' },
      { header: 'IM ms' },
      { header: 'Pillow/sharp' },
      { header: 'IM/sharp' },
      { header: 'sharp KB' },
      { header: 'Pillow KB' },
      { header: 'IM KB' },
    ],
    rows.map((row): Cell[] => [
      GROUP_LABEL[row.group] ?? row.group,
      row.op,
      row.runs,
      row.ms['sharp-default'],
      row.ms.pillow,
      row.ms.imagemagick,
      times(ratio(row.ms.pillow, row.ms['sharp-default'])),
      times(ratio(row.ms.imagemagick, row.ms['sharp-default'])),
      kb(row.outBytes['sharp-default']),
      kb(row.outBytes.pillow),
      kb(row.outBytes.imagemagick),
    ]),
  );
}

const kb = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / KB);

/** Peak RSS of each latency scenario (each its own process set). */
export function latencyRssTable(records: readonly ScenarioRecord[]): string {
  return renderTable(
    [{ header: 'peak RSS MB', align: 'left' }, { header: 'webp' }, { header: 'renditions' }, { header: 'full' }],
    LATENCY_TOOLS.map((tool) => [
      TOOL_LABEL[tool],
      ...(['webp', 'renditions', 'full'] as const).map((op) => toMb(find(records, `latency/${tool}/${op}`)?.result?.peakRssBytes)),
    ]),
  );
}

// ---------------------------------------------------------------------------------------
// Effort curve

/** One effort of the WebP curve. */
export interface EffortRow {
  readonly effort: number;
  readonly medianMs: number;
  readonly bytes: number;
}

export function effortRows(records: readonly ScenarioRecord[]): EffortRow[] {
  const record = find(records, 'effort/sharp-default/webp');
  return EFFORTS.flatMap((effort) => {
    const results = groupResults(record, `effort-${effort}`);
    return results.length === 0
      ? []
      : [{ effort, medianMs: median(results.map((r) => r.ms)), bytes: median(results.map((r) => r.outBytes)) }];
  });
}

export function effortTable(rows: readonly EffortRow[], profileEfforts: Readonly<Record<string, number>>): string {
  const base = rows.find((r) => r.effort === 4);
  return renderTable(
    [
      { header: 'effort' },
      { header: 'median ms' },
      { header: 'KB' },
      { header: 'time vs 4' },
      { header: 'bytes vs 4', align: 'right' },
      { header: 'profile', align: 'left' },
    ],
    rows.map((row) => [
      row.effort,
      row.medianMs,
      row.bytes / KB,
      times(ratio(row.medianMs, base?.medianMs)),
      base ? signedPercent(row.bytes / base.bytes - 1) : undefined,
      Object.entries(profileEfforts)
        .filter(([, effort]) => effort === row.effort)
        .map(([name]) => name)
        .join(', '),
    ]),
  );
}

const signedPercent = (fraction: number): string => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;

// ---------------------------------------------------------------------------------------
// Throughput

/** One throughput scenario, reduced. */
export interface ThroughputRow {
  readonly tool: Tool;
  readonly concurrency: number;
  readonly images: number;
  readonly imagesPerSec: number;
  readonly cpuMsPerImage: number;
  readonly peakRssBytes: number | undefined;
  readonly outBytesPerImage: number;
  readonly rssMethod: string;
}

export function throughputRows(records: readonly ScenarioRecord[]): ThroughputRow[] {
  return records.flatMap((record) => {
    const result = record.result;
    if (record.section !== 'throughput' || !result) return [];
    const images = result.results.length;
    return [
      {
        tool: record.tool,
        concurrency: record.concurrency,
        images,
        imagesPerSec: perSecond(images, result.wallMs),
        cpuMsPerImage: result.cpuMs / images,
        peakRssBytes: result.peakRssBytes,
        outBytesPerImage: mean(result.results.map((r) => r.outBytes)),
        rssMethod: result.rssMethod,
      },
    ];
  });
}

const rateOf = (rows: readonly ThroughputRow[], tool: Tool, concurrency: number): number | undefined =>
  rows.find((r) => r.tool === tool && r.concurrency === concurrency)?.imagesPerSec;

export function throughputTable(rows: readonly ThroughputRow[]): string {
  return renderTable(
    [
      { header: 'tool', align: 'left' },
      { header: 'conc' },
      { header: 'images' },
      { header: 'img/s', digits: 2 },
      { header: 'vs Pillow' },
      { header: 'vs default' },
      { header: 'CPU ms/img' },
      { header: 'peak RSS MB' },
      { header: 'out KB/img' },
      { header: 'RSS measured as', align: 'left' },
    ],
    rows.map((row) => [
      TOOL_LABEL[row.tool],
      row.concurrency,
      row.images,
      row.imagesPerSec,
      times(ratio(row.imagesPerSec, rateOf(rows, 'pillow', row.concurrency))),
      times(ratio(row.imagesPerSec, rateOf(rows, 'sharp-default', row.concurrency))),
      row.cpuMsPerImage,
      toMb(row.peakRssBytes),
      row.outBytesPerImage / KB,
      row.rssMethod,
    ]),
  );
}

/** What the fast profile buys and costs against the default, from the throughput runs. */
export function fastProfileLine(rows: readonly ThroughputRow[]): string | undefined {
  const parts = [1, 2].flatMap((c) => {
    const fast = rows.find((r) => r.tool === 'sharp-fast' && r.concurrency === c);
    const base = rows.find((r) => r.tool === 'sharp-default' && r.concurrency === c);
    return fast && base
      ? [`conc ${c}: ${times(fast.imagesPerSec / base.imagesPerSec)} the images/s for ${signedPercent(fast.outBytesPerImage / base.outBytesPerImage - 1)} bytes`]
      : [];
  });
  return parts.length === 0 ? undefined : `fast profile vs default: ${parts.join('; ')}`;
}

/**
 * The same comparison on CPU time per image at concurrency 1, which other work on the
 * machine disturbs less than wall time: how many times Pillow's CPU each sharp profile uses.
 */
export function cpuComparisonLine(rows: readonly ThroughputRow[]): string | undefined {
  const cpu = (tool: Tool): number | undefined => rows.find((r) => r.tool === tool && r.concurrency === 1)?.cpuMsPerImage;
  const pillow = cpu('pillow');
  const parts = (['sharp-default', 'sharp-fast'] as const).flatMap((tool) => {
    const mine = cpu(tool);
    return mine === undefined || pillow === undefined ? [] : [`${TOOL_LABEL[tool]} ${mine.toFixed(0)} ms (${times(pillow / mine)})`];
  });
  return parts.length === 0 || pillow === undefined
    ? undefined
    : `CPU ms per image at conc 1 (steadier than wall time on a busy machine): Pillow seed ${pillow.toFixed(0)} ms; ${parts.join(', ')} - Pillow's CPU / sharp's`;
}

// ---------------------------------------------------------------------------------------
// Cost

/** One cost line: a tool, how its work is split into Lambda functions, the estimate. */
export interface CostRow {
  readonly tool: Tool;
  readonly shape: string;
  readonly cpuMsPerImage: number;
  readonly estimate: CostEstimate;
}

/**
 * Lambda cost per million images for each tool, from CPU time per image on the mixed set:
 * as one function doing the full job (the throughput section's concurrency-1 run), and
 * as the deployed pair of compress and thumbnail functions (the latency section's WebP
 * alone and renditions alone on the mixed set; each decodes the original).
 */
export function costRows(records: readonly ScenarioRecord[], throughput: readonly ThroughputRow[]): CostRow[] {
  const rows: CostRow[] = [];
  for (const tool of ['sharp-default', 'sharp-fast', 'pillow', 'imagemagick'] as const) {
    const one = throughput.find((r) => r.tool === tool && r.concurrency === 1);
    if (one) {
      rows.push({
        tool,
        shape: '1 function (full job)',
        cpuMsPerImage: one.cpuMsPerImage,
        estimate: estimateLambdaCost({
          invocationCpuMs: [one.cpuMsPerImage],
          ...(one.peakRssBytes === undefined ? {} : { peakRssBytes: one.peakRssBytes }),
        }),
      });
    }
    const webp = meanOf(groupResults(find(records, `latency/${tool}/webp`), 'mixed'), (r) => r.cpuMs);
    const thumbs = meanOf(groupResults(find(records, `latency/${tool}/renditions`), 'mixed'), (r) => r.cpuMs);
    if (webp !== undefined && thumbs !== undefined) {
      const rss = [find(records, `latency/${tool}/webp`), find(records, `latency/${tool}/renditions`)].map((r) => r?.result?.peakRssBytes ?? 0);
      rows.push({
        tool,
        shape: '2 functions (compress + thumbnail)',
        cpuMsPerImage: webp + thumbs,
        estimate: estimateLambdaCost({ invocationCpuMs: [webp, thumbs], peakRssBytes: Math.max(...rss) }),
      });
    }
  }
  return rows;
}

export function costTable(rows: readonly CostRow[]): string {
  return renderTable(
    [
      { header: 'tool', align: 'left' },
      { header: 'as', align: 'left' },
      { header: 'CPU ms/img' },
      { header: 'GB-s/img', digits: 3 },
      { header: '$/M compute', digits: 2 },
      { header: '$/M requests', digits: 2 },
      { header: '$/M total', digits: 2 },
      { header: 'peak RSS fits', align: 'left' },
    ],
    rows.map((row) => [
      TOOL_LABEL[row.tool],
      row.shape,
      row.cpuMsPerImage,
      row.estimate.gbSecondsPerImage,
      row.estimate.computeUsdPerMillion,
      row.estimate.requestUsdPerMillion,
      row.estimate.totalUsdPerMillion,
      row.estimate.fitsMemory === undefined ? '-' : row.estimate.fitsMemory ? 'yes' : 'NO',
    ]),
  );
}

export const COST_ASSUMPTIONS =
  `Lambda arm64, ${LAMBDA_ARM64_PRICE.region}: $${LAMBDA_ARM64_PRICE.usdPerGbSecond} per GB-s (first tier), ` +
  `$${LAMBDA_ARM64_PRICE.usdPerMillionRequests.toFixed(2)} per million requests; memory ${ONE_VCPU_MEMORY_MB} MB (one full vCPU); ` +
  'billed time = measured CPU time per image (one core here taken as one Lambda vCPU); image work only (no S3, Step Functions, free tier).';

// ---------------------------------------------------------------------------------------
// Targets

export function targetChecks(records: readonly ScenarioRecord[], throughput: readonly ThroughputRow[]): TargetCheck[] {
  const rates = (tool: Tool): Rates => {
    const c1 = rateOf(throughput, tool, 1);
    const c2 = rateOf(throughput, tool, 2);
    return { ...(c1 === undefined ? {} : { c1 }), ...(c2 === undefined ? {} : { c2 }) };
  };
  const renditions13 = medianOf(groupResults(find(records, 'latency/sharp-default/renditions'), '13mp'), (r) => r.ms);
  return checkTargets({
    ...(renditions13 === undefined ? {} : { renditions13MedianMs: renditions13 }),
    sharpDefault: rates('sharp-default'),
    sharpFast: rates('sharp-fast'),
    pillow: rates('pillow'),
    peakRssC2Bytes: throughput
      .filter((r) => r.concurrency === 2 && (r.tool === 'sharp-default' || r.tool === 'sharp-fast'))
      .flatMap((r) => (r.peakRssBytes === undefined ? [] : [r.peakRssBytes])),
  });
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return renderTable(
    [
      { header: 'target', align: 'left' },
      { header: 'wanted', align: 'left' },
      { header: 'measured', align: 'left' },
      { header: 'status', align: 'left' },
    ],
    checks.map((c) => [c.name, c.target, c.measured, c.status === 'met' ? 'MET' : c.status === 'not met' ? 'NOT MET' : 'not measured']),
  );
}
