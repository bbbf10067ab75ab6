/**
 * The perceptual sections of `npm run bench` (issue 13):
 *
 * - **quality**: `quality: 'auto'` against fixed q80 on the mixed set, per photo and in
 *   total (bytes, SSIMULACRA2 distance, CPU), at several targets, and the two rows:
 *   the fewest bytes at a worst case no worse than q80's, and the best worst case at no
 *   more bytes than q80's;
 * - **front**: WebP effort x auto target on the ~13 MP JPEG (CPU, bytes, distance), with the
 *   Pareto-optimal points marked: the front the default profile is picked from;
 * - **avif**: AVIF against WebP at equal distance (both auto to one target) on the ~13 MP
 *   JPEG, over AVIF `effort` and `chromaSubsampling`: time and bytes.
 *
 * These run in the bench process, one job at a time, so `process.cpuUsage()` around one
 * `compress` call is that call's CPU (libvips' threads included). Distance is
 * `100 - SSIMULACRA2`, measured by image-ops' `measureSsimulacra2` (a 2 MP sample of
 * full-resolution tiles, on a different grid from the search's proxy), outside the timing.
 */
import { readFileSync } from 'node:fs';
import type { WebpPresetName } from '@imgpipe/contracts/vocabulary';
import { compress, DEFAULT_AUTO_QUALITY, measureSsimulacra2, type CompressOptionsInput } from '@imgpipe/image-ops';
import { megapixels, type Photo } from './photo-set';
import { renderTable } from './table';

/**
 * Auto targets the quality section tries (SSIMULACRA2 scores): 72 is the default, 70-74 bracket
 * q80's worst case, 75 the bytes of q80 (the second row); 78 (~1.2x q80's bytes) told nothing more.
 */
export const AUTO_TARGETS = [70, 72, 73, 74, 75] as const;
/**
 * Fixed WebP qualities encoded at full size per photo for the ceiling (with q80 and the auto
 * runs' own points): what the best per-photo quality could do, known from the full-size output.
 */
export const CEILING_QUALITIES = [60, 70, 75, 85, 90] as const;
/**
 * WebP presets (libwebp's SNS / loop-filter tuning) also encoded at full size at each
 * {@link CEILING_QUALITIES} for the ceiling over quality x preset. `default` is the fixed
 * q80's own; `icon` (SNS 0, no filter) is the one auto chooses besides it; `drawing` (SNS 25,
 * filter 10) the one in between. Other levers sharp exposes, measured over every photo and left out
 * of the grid (tools/bench/README.md, "Encoder choices beyond quality"): `photo`/`picture` and
 * `smartSubsample` add <= 0.3 point to either ceiling row; `smartDeblock` +0.6/+0.4 at 4.2-4.5x
 * q80's CPU; `text` = `icon`. libwebp's knobs sharp does not pass (SNS, filter strength/sharpness/type,
 * segments; measured with cwebp by tools/bench/scripts/libwebp-knobs-ceiling.ts) take the ceilings to
 * 21.5% / 14.4% at most, so the grid leaves them out too.
 */
export const CEILING_PRESETS = ['default', 'icon', 'drawing'] as const satisfies readonly WebpPresetName[];
/**
 * The per-photo preset choice auto can make (`autoQuality.webp.presets`), run at the default
 * target beside the default knobs so one run prints both.
 */
export const CHOICE_PRESETS = ['default', 'icon'] as const satisfies readonly WebpPresetName[];
/** The fixed quality auto is compared with (the seed's and the default profile's). */
export const FIXED_QUALITY = 80;
/** WebP efforts of the front. */
export const FRONT_EFFORTS = [2, 4, 6] as const;
/** AVIF settings tried against WebP. */
export const AVIF_SETTINGS = [
  { effort: 0, chromaSubsampling: '4:2:0' },
  { effort: 2, chromaSubsampling: '4:2:0' },
  { effort: 4, chromaSubsampling: '4:2:0' },
  { effort: 2, chromaSubsampling: '4:4:4' },
] as const;

/** One compress run of one photo. */
export interface EncodeResult {
  readonly photo: string;
  readonly megapixels: number;
  /** The quality used (fixed or chosen). */
  readonly quality: number;
  /** The WebP preset used (fixed or chosen by auto); `default` when none was set. */
  readonly preset: WebpPresetName;
  readonly bytes: number;
  /** 100 - SSIMULACRA2, lower is better. */
  readonly distance: number;
  /** The search's own distance on its proxy (auto runs only): how far the proxy is from the measured distance. */
  readonly proxyDistance?: number;
  /** CPU of the compress call (decode, search, encode), ms. */
  readonly cpuMs: number;
  readonly wallMs: number;
}

/** Totals of one setting over a set of photos. */
export interface SetSummary {
  readonly label: string;
  readonly bytes: number;
  /** The largest distance of the set. */
  readonly worstDistance: number;
  readonly meanDistance: number;
  readonly cpuMsPerImage: number;
}

export function summarise(label: string, results: readonly EncodeResult[]): SetSummary {
  const n = Math.max(1, results.length);
  return {
    label,
    bytes: results.reduce((s, r) => s + r.bytes, 0),
    worstDistance: Math.max(...results.map((r) => r.distance)),
    meanDistance: results.reduce((s, r) => s + r.distance, 0) / n,
    cpuMsPerImage: results.reduce((s, r) => s + r.cpuMs, 0) / n,
  };
}

/** One of the quality rows, met or not. */
export interface QualityTargetRow {
  readonly target: string;
  readonly wanted: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/**
 * The rows from the fixed run and the auto runs (one per target):
 * 1. the auto run with the fewest bytes whose worst distance is no worse than fixed's:
 *    MET when it saves >= 25% of fixed's total bytes;
 * 2. the auto run with the best worst distance among those with no more bytes than fixed:
 *    MET when that worst distance is <= 75% of fixed's;
 * 3. CPU per image of the default target's run: MET when <= 1.3x fixed's.
 */
export function qualityTargetRows(
  fixed: SetSummary,
  autos: readonly SetSummary[],
  defaultAuto: SetSummary | undefined,
): QualityTargetRow[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const noWorse = autos.filter((a) => a.worstDistance <= fixed.worstDistance).sort((a, b) => a.bytes - b.bytes)[0];
  const sameBytes = autos.filter((a) => a.bytes <= fixed.bytes).sort((a, b) => a.worstDistance - b.worstDistance)[0];
  const saving = noWorse ? 1 - noWorse.bytes / fixed.bytes : undefined;
  const better = sameBytes ? 1 - sameBytes.worstDistance / fixed.worstDistance : undefined;
  const cpu = defaultAuto ? defaultAuto.cpuMsPerImage / fixed.cpuMsPerImage : undefined;
  return [
    {
      target: `bytes at worst distance <= q${FIXED_QUALITY}'s (${fixed.worstDistance.toFixed(1)})`,
      wanted: '>= 25% fewer in total',
      measured: noWorse ? `${pct(saving as number)} fewer (${noWorse.label})` : 'no target as good',
      met: noWorse ? (saving as number) >= 0.25 : false,
    },
    {
      target: `worst distance at <= q${FIXED_QUALITY}'s total bytes`,
      wanted: '>= 25% better',
      measured: sameBytes ? `${pct(better as number)} better (${sameBytes.label}, ${sameBytes.worstDistance.toFixed(1)})` : 'no target as small',
      met: sameBytes ? (better as number) >= 0.25 : false,
    },
    {
      target: 'CPU per image, auto (default target)',
      wanted: `<= 1.30x q${FIXED_QUALITY}`,
      measured: cpu === undefined ? '-' : `${cpu.toFixed(2)}x`,
      met: cpu === undefined ? undefined : cpu <= 1.3,
    },
  ];
}

/** Mean, spread and range of the proxy's errors (measured - proxy distance); undefined for none. */
export function proxyPrecision(errors: readonly number[]): { mean: number; sd: number; min: number; max: number } | undefined {
  if (errors.length === 0) return undefined;
  const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
  const sd = Math.sqrt(errors.reduce((s, e) => s + (e - mean) ** 2, 0) / errors.length);
  return { mean, sd, min: Math.min(...errors), max: Math.max(...errors) };
}

/** Indices of the points no other point beats on CPU, bytes and distance at once. */
export function paretoFront(points: readonly { cpuMs: number; bytes: number; distance: number }[]): Set<number> {
  const front = new Set<number>();
  points.forEach((p, i) => {
    const dominated = points.some(
      (q, j) =>
        j !== i &&
        q.cpuMs <= p.cpuMs &&
        q.bytes <= p.bytes &&
        q.distance <= p.distance &&
        (q.cpuMs < p.cpuMs || q.bytes < p.bytes || q.distance < p.distance),
    );
    if (!dominated) front.add(i);
  });
  return front;
}

/** One photo encoded at one quality, measured at full size. */
export interface QualityPoint {
  readonly quality: number;
  readonly bytes: number;
  readonly distance: number;
}

/**
 * The fewest bytes one photo needs for a distance <= `limit`, from its full-size points: the
 * lowest-quality point that meets it, interpolated toward the point just below it in quality
 * (distance linear, bytes log-linear in quality; WebP's bytes grow about geometrically with
 * quality). Undefined when no point meets the limit.
 */
export function bytesAtDistance(points: readonly QualityPoint[], limit: number): number | undefined {
  const sorted = [...points].sort((a, b) => a.quality - b.quality);
  const i = sorted.findIndex((p) => p.distance <= limit);
  const pass = sorted[i];
  if (!pass) return undefined;
  const below = sorted[i - 1];
  if (!below || below.distance <= pass.distance) return pass.bytes;
  const t = (below.distance - limit) / (below.distance - pass.distance);
  return Math.exp(Math.log(below.bytes) + t * (Math.log(pass.bytes) - Math.log(below.bytes)));
}

/**
 * The fewest bytes one photo needs for a distance <= `limit` over several encoder
 * configurations (one curve each, see {@link bytesAtDistance}): the cheapest of them.
 */
export function bytesAtDistanceAcross(curves: readonly (readonly QualityPoint[])[], limit: number): number | undefined {
  const each = curves.map((c) => bytesAtDistance(c, limit)).filter((b): b is number => b !== undefined);
  return each.length === 0 ? undefined : Math.min(...each);
}

/** A photo's full-size curves, one per encoder configuration (a WebP preset). */
export type PhotoCurves = readonly (readonly QualityPoint[])[];

/** What the best per-photo choice (quality, or quality x preset) could do: the ceiling no search on a proxy can beat. */
export interface QualityCeiling {
  /** Total bytes with every photo at the fewest bytes that keep its distance <= fixed's worst. */
  readonly bytesAtFixedWorst: number | undefined;
  /** The smallest worst distance whose photos' fewest bytes total no more than fixed's. */
  readonly worstAtFixedBytes: number | undefined;
}

/** {@link QualityCeiling} of a set, from each photo's full-size curves (one entry a photo, one curve a configuration). */
export function qualityCeiling(perPhoto: readonly PhotoCurves[], fixed: SetSummary): QualityCeiling {
  const total = (limit: number): number | undefined => {
    let sum = 0;
    for (const curves of perPhoto) {
      const b = bytesAtDistanceAcross(curves, limit);
      if (b === undefined) return undefined;
      sum += b;
    }
    return sum;
  };
  // Bisection on the limit: the total falls as the limit rises.
  let lo = 0;
  let hi = 100;
  const fits = (limit: number): boolean => (total(limit) ?? Infinity) <= fixed.bytes;
  if (!fits(hi)) return { bytesAtFixedWorst: total(fixed.worstDistance), worstAtFixedBytes: undefined };
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return { bytesAtFixedWorst: total(fixed.worstDistance), worstAtFixedBytes: hi };
}

/** The issue's two rows for a ceiling (`over`: what it chooses among), worded like {@link qualityTargetRows}'. */
export function ceilingRows(fixed: SetSummary, ceiling: QualityCeiling, over = 'quality'): QualityTargetRow[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const { bytesAtFixedWorst: b, worstAtFixedBytes: w } = ceiling;
  const saving = b === undefined ? undefined : 1 - b / fixed.bytes;
  const better = w === undefined ? undefined : 1 - w / fixed.worstDistance;
  return [
    {
      target: `ceiling (${over}): bytes at worst distance <= q${FIXED_QUALITY}'s`,
      wanted: '>= 25% fewer in total',
      measured: saving === undefined ? 'no quality as good' : `${pct(saving)} fewer`,
      met: saving !== undefined && saving >= 0.25,
    },
    {
      target: `ceiling (${over}): worst distance at q${FIXED_QUALITY}'s total bytes`,
      wanted: '>= 25% better',
      measured: better === undefined || w === undefined ? 'no quality as small' : `${pct(better)} better (${w.toFixed(1)})`,
      met: better !== undefined && better >= 0.25,
    },
  ];
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One compress call of one photo, timed, then its output measured. */
export async function encodeOnce(photo: Photo, options: CompressOptionsInput): Promise<EncodeResult> {
  const bytes = readFileSync(photo.file);
  const c0 = cpuNow();
  const t0 = performance.now();
  const { variants } = await compress(bytes, options);
  const cpuMs = cpuNow() - c0;
  const wallMs = performance.now() - t0;
  const variant = variants[variants.length - 1];
  if (!variant) throw new Error(`no variant for ${photo.name}`);
  const score = await measureSsimulacra2(bytes, variant.data);
  return {
    photo: photo.name,
    megapixels: megapixels(photo),
    quality: variant.quality ?? Number.NaN,
    preset: variant.preset ?? 'default',
    bytes: variant.size,
    distance: 100 - score,
    ...(variant.ssimulacra2 === undefined ? {} : { proxyDistance: 100 - variant.ssimulacra2 }),
    cpuMs,
    wallMs,
  };
}

type Out = (text?: string) => void;
type Progress = (line: string) => void;

/** The quality section: fixed q80 and auto at each target over `photos`. */
export async function runQualitySection(photos: readonly Photo[], out: Out, progress: Progress): Promise<Record<string, unknown>> {
  const fixed: EncodeResult[] = [];
  const autos = new Map<number, EncodeResult[]>(AUTO_TARGETS.map((t) => [t, []]));
  const choice: EncodeResult[] = [];
  const grid: EncodeResult[][] = [];
  const defaultTarget = DEFAULT_AUTO_QUALITY.webp.target;
  for (const photo of photos) {
    progress(`quality: ${photo.name} q${FIXED_QUALITY} and auto at ${AUTO_TARGETS.join(', ')}`);
    fixed.push(await encodeOnce(photo, { webp: { quality: FIXED_QUALITY } }));
    for (const target of AUTO_TARGETS) {
      autos.get(target)?.push(await encodeOnce(photo, { webp: { quality: 'auto' }, autoQuality: { webp: { target } } }));
    }
    choice.push(await encodeOnce(photo, { webp: { quality: 'auto' }, autoQuality: { webp: { target: defaultTarget, presets: [...CHOICE_PRESETS] } } }));
    progress(`quality: ${photo.name} ceiling grid q${CEILING_QUALITIES.join(', q')} x ${CEILING_PRESETS.join(', ')}`);
    const points: EncodeResult[] = [];
    for (const preset of CEILING_PRESETS) {
      for (const q of CEILING_QUALITIES) points.push(await encodeOnce(photo, { webp: { quality: q, ...(preset === 'default' ? {} : { preset }) } }));
    }
    grid.push(points);
  }
  const perPhoto = fixed.map((f, i) => {
    const a = autos.get(defaultTarget as (typeof AUTO_TARGETS)[number])?.[i];
    return [f.photo, f.megapixels, f.bytes / 1024, f.distance, f.cpuMs, a?.quality, a?.preset, a ? a.bytes / 1024 : undefined, a?.distance, a?.proxyDistance, a?.cpuMs];
  });
  out(
    renderTable(
      [
        { header: 'photo', align: 'left' },
        { header: 'MP', digits: 1 },
        { header: `q${FIXED_QUALITY} KB` },
        { header: 'distance', digits: 1 },
        { header: 'CPU ms' },
        { header: `auto(${defaultTarget}) q` },
        { header: 'preset', align: 'left' },
        { header: 'KB' },
        { header: 'distance', digits: 1 },
        { header: 'proxy', digits: 1 },
        { header: 'CPU ms' },
      ],
      perPhoto,
    ),
  );
  out();
  const fixedSummary = summarise(`q${FIXED_QUALITY}`, fixed);
  const autoSummaries = [
    ...AUTO_TARGETS.map((t) => summarise(`auto ${t}`, autos.get(t) ?? [])),
    summarise(`auto ${defaultTarget} ${CHOICE_PRESETS.join('/')}`, choice),
  ];
  out(
    renderTable(
      [
        { header: 'setting (whole set)', align: 'left' },
        { header: 'total KB' },
        { header: 'vs q80', digits: 2 },
        { header: 'worst distance', digits: 1 },
        { header: 'mean distance', digits: 1 },
        { header: 'CPU ms/image' },
        { header: 'vs q80', digits: 2 },
      ],
      [fixedSummary, ...autoSummaries].map((s) => [
        s.label,
        s.bytes / 1024,
        s.bytes / fixedSummary.bytes,
        s.worstDistance,
        s.meanDistance,
        s.cpuMsPerImage,
        s.cpuMsPerImage / fixedSummary.cpuMsPerImage,
      ]),
    ),
  );
  out('distance = 100 - SSIMULACRA2 (lower is better; 10 ~ visually lossless, 30 ~ high quality)');
  const errors = [...autos.values(), choice].flat().flatMap((r) => (r.proxyDistance === undefined ? [] : [r.distance - r.proxyDistance]));
  const precision = proxyPrecision(errors);
  if (precision) {
    out(
      `proxy precision (measured - proxy distance, ${errors.length} auto runs): mean ${precision.mean.toFixed(1)}, ` +
        `sd ${precision.sd.toFixed(1)}, range ${precision.min.toFixed(1)} to ${precision.max.toFixed(1)}`,
    );
  }
  // Every full-size point of a photo (the grid, q80, the auto runs' choices), one curve a preset.
  const curvesOf = (i: number, presets: readonly WebpPresetName[]): PhotoCurves => {
    const points = [fixed[i], ...(grid[i] ?? []), ...AUTO_TARGETS.map((t) => autos.get(t)?.[i]), choice[i]].filter((r): r is EncodeResult => r !== undefined);
    return presets.map((preset) => points.filter((r) => r.preset === preset));
  };
  const ceiling = qualityCeiling(fixed.map((_, i) => curvesOf(i, ['default'])), fixedSummary);
  const extended = qualityCeiling(fixed.map((_, i) => curvesOf(i, CEILING_PRESETS)), fixedSummary);
  const rows = [
    ...qualityTargetRows(fixedSummary, autoSummaries, autoSummaries.find((s) => s.label === `auto ${defaultTarget}`)),
    ...ceilingRows(fixedSummary, ceiling, 'quality, preset default'),
    ...ceilingRows(fixedSummary, extended, `quality x preset ${CEILING_PRESETS.join('/')}`),
  ];
  out();
  out(
    renderTable(
      [{ header: 'target', align: 'left' }, { header: 'wanted', align: 'left' }, { header: 'measured', align: 'left' }, { header: 'status', align: 'left' }],
      rows.map((r) => [r.target, r.wanted, r.measured, r.met === undefined ? 'not measured' : r.met ? 'MET' : 'NOT MET']),
    ),
  );
  out(
    `ceiling = the best per-photo WebP quality (effort 4), or quality and preset, read off full-size encodes at q${[...CEILING_QUALITIES, FIXED_QUALITY].sort((a, b) => a - b).join('/')} ` +
      `x preset ${CEILING_PRESETS.join('/')} and the auto points, interpolated: what no proxy search among those choices can beat on these photos`,
  );
  out(
    `auto ${defaultTarget} ${CHOICE_PRESETS.join('/')}: auto choosing the WebP preset per photo too (chose ${choice.map((r) => r.preset).join(', ')}); ` +
      'the preset is in the record and ImageCompressed. A NOT MET ceiling row: no choice tried reaches 25% on these photos (tools/bench/README.md says why)',
  );
  return { fixed, autos: Object.fromEntries(autos), choice, grid, summaries: [fixedSummary, ...autoSummaries], precision, ceiling, extendedCeiling: extended, targets: rows };
}

/** The front: WebP effort x auto target on one photo. */
export async function runFrontSection(photo: Photo, out: Out, progress: Progress): Promise<Record<string, unknown>> {
  const points: (EncodeResult & { effort: number; target: number | undefined })[] = [];
  for (const effort of FRONT_EFFORTS) {
    progress(`front: ${photo.name}, effort ${effort}`);
    points.push({ ...(await encodeOnce(photo, { webp: { quality: FIXED_QUALITY, effort } })), effort, target: undefined });
    for (const target of AUTO_TARGETS) {
      const r = await encodeOnce(photo, { webp: { quality: 'auto', effort }, autoQuality: { webp: { target } } });
      points.push({ ...r, effort, target });
    }
  }
  const front = paretoFront(points);
  out(
    renderTable(
      [
        { header: 'effort' },
        { header: 'quality', align: 'left' },
        { header: 'chosen q' },
        { header: 'KB' },
        { header: 'distance', digits: 1 },
        { header: 'CPU ms' },
        { header: 'front', align: 'left' },
      ],
      points.map((p, i) => [p.effort, p.target === undefined ? `q${FIXED_QUALITY}` : `auto ${p.target}`, p.quality, p.bytes / 1024, p.distance, p.cpuMs, front.has(i) ? '*' : '']),
    ),
  );
  out(`* = Pareto-optimal: no other point has less CPU, fewer bytes and a smaller distance at once (${photo.name}, ${megapixels(photo).toFixed(1)} MP)`);
  return { photo: photo.name, points, front: [...front] };
}

/** AVIF against WebP at one target on one photo. */
export async function runAvifSection(photo: Photo, out: Out, progress: Progress): Promise<Record<string, unknown>> {
  const target = DEFAULT_AUTO_QUALITY.webp.target;
  progress(`avif: ${photo.name}, WebP auto ${target}`);
  const webp = await encodeOnce(photo, { webp: { quality: 'auto' } });
  const rows: (EncodeResult & { effort: number; chromaSubsampling: string })[] = [];
  for (const setting of AVIF_SETTINGS) {
    progress(`avif: ${photo.name}, effort ${setting.effort} ${setting.chromaSubsampling}`);
    const r = await encodeOnce(photo, {
      formats: ['avif'],
      avif: { quality: 'auto', ...setting },
      autoQuality: { avif: { target } },
    });
    rows.push({ ...r, ...setting });
  }
  out(
    renderTable(
      [
        { header: 'encoder', align: 'left' },
        { header: 'q' },
        { header: 'KB' },
        { header: 'vs WebP', digits: 2 },
        { header: 'distance', digits: 1 },
        { header: 'CPU ms' },
        { header: 'WebP+AVIF / WebP CPU', digits: 2 },
        { header: 'status', align: 'left' },
      ],
      [
        ['webp auto (effort 4)', webp.quality, webp.bytes / 1024, 1, webp.distance, webp.cpuMs, 1, ''],
        ...rows.map((r) => {
          // Both variants come from one decode in the pipeline: the AVIF's added cost is its CPU less a decode,
          // taken here as the whole AVIF call (an upper bound).
          const both = (webp.cpuMs + r.cpuMs) / webp.cpuMs;
          const ok = both <= 1.3 && r.bytes / webp.bytes <= 0.75;
          return [`avif effort ${r.effort} ${r.chromaSubsampling}`, r.quality, r.bytes / 1024, r.bytes / webp.bytes, r.distance, r.cpuMs, both, ok ? 'MET' : 'NOT MET'];
        }),
      ],
    ),
  );
  out(`targets: WebP+AVIF <= 1.30x WebP alone and AVIF bytes <= 0.75x WebP's, both auto to SSIMULACRA2 ${target} (${photo.name}, ${megapixels(photo).toFixed(1)} MP)`);
  return { photo: photo.name, target, webp, avif: rows };
}
