/**
 * The ceiling of the libwebp knobs sharp's `webp()` does not pass (issue 13 item 1): spatial
 * noise shaping (SNS) and loop-filter strength outside the presets, filter sharpness and the
 * segment count. Per photo of the bench's mixed set, every point of a grid is encoded with
 * Debian's `cwebp` at effort 4 (`-m 4`, as the bench's q80) and scored as the bench scores
 * (`100 - measureSsimulacra2(original, webp)`); then the issue's two rows are computed with
 * the quality section's own `qualityCeiling`/`ceilingRows` for the best per-photo quality at
 * cwebp's defaults, and for the best per-photo quality x knob setting. Prints tables, asserts
 * nothing. tools/bench/README.md ("Encoder choices beyond quality") has the result.
 *
 *   apt-get install webp     # Debian's cwebp (1.2.4 on Debian 12)
 *   nice -n 19 npx tsx tools/bench/scripts/libwebp-knobs-ceiling.ts [--workers 2] [--cache-dir .cache/bench]
 *
 * cwebp reads each JPEG itself: tools may not import sharp (the Nx boundary), and image-ops
 * writes no full-size lossless raster (renditions stop at 4096 px). That is the raster compress
 * encodes only for a photo with EXIF orientation 1, no ICC profile, sRGB and no alpha (all of
 * the mixed set's), so the script checks those facts with image-ops' `probe`, and checks per
 * photo that cwebp's decode is image-ops' (a lossless cwebp encode scores distance 0) and that
 * cwebp's defaults at q80 give the same bytes as `compress(bytes, { webp: { quality: 80 } })`.
 *
 * Every point ({bytes, distance, cwebp's encode time}) is cached in
 * `<cache-dir>/libwebp-knobs/<photo>.json` as it is made: a rerun only encodes what is missing.
 * Photos run in `--workers` child processes (one photo each at a time); the script lowers its
 * own priority to nice 19 first.
 */
import { execFile, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { compress, measureSsimulacra2, probe } from '@imgpipe/image-ops';
import { fetchPhotos } from '../src/fetch-photos';
import { assignRoles, megapixels, type Photo } from '../src/photo-set';
import {
  bytesAtDistance,
  bytesAtDistanceAcross,
  ceilingRows,
  FIXED_QUALITY,
  qualityCeiling,
  type PhotoCurves,
  type QualityPoint,
  type SetSummary,
} from '../src/quality-section';
import { renderTable } from '../src/table';

const run = promisify(execFile);

/** One cwebp setting besides quality. */
interface KnobConfig {
  /** `-sns`: spatial noise shaping 0-100. */
  readonly sns: number;
  /** `-f`: loop-filter strength 0-100. */
  readonly filter: number;
  /** `-sharpness`: loop-filter sharpness 0-7. */
  readonly sharpness: number;
  /** `-segments`: 1-4. */
  readonly segments: number;
  /** `-strong` (libwebp's default) or `-nostrong`: the loop filter's type, strong or simple. */
  readonly strong: boolean;
}

/** cwebp's defaults, which are libwebp's preset `default`, sharp's (checked byte for byte at q80 per photo). */
const DEFAULTS: KnobConfig = { sns: 50, filter: 60, sharpness: 0, segments: 4, strong: true };
/** Qualities of cwebp's defaults: the quality section's ceiling grid and q80. */
const DEFAULT_QUALITIES = [60, 65, 70, 75, 80, 85, 90] as const;
/** Qualities of every other knob setting. */
const GRID_QUALITIES = [60, 70, 80, 90] as const;
const SNS_LEVELS = [0, 25, 50, 80, 100] as const;
const FILTER_LEVELS = [0, 25, 50, 75] as const;
/** The knob grid (filter sharpness 0, 4 segments, strong filter), then sharpness, segments and the simple filter alone at the defaults. */
const GRID: readonly KnobConfig[] = SNS_LEVELS.flatMap((sns) => FILTER_LEVELS.map((filter) => ({ ...DEFAULTS, sns, filter })));
const EXTRAS: readonly KnobConfig[] = [
  { ...DEFAULTS, sharpness: 4 },
  { ...DEFAULTS, segments: 1 },
  { ...DEFAULTS, segments: 2 },
  { ...DEFAULTS, strong: false },
];
/** Settings that did best alone on the first run, also encoded at the defaults' in-between qualities (interpolation check). */
const REFINED: readonly KnobConfig[] = [{ ...DEFAULTS, filter: 0 }, EXTRAS[0] as KnobConfig];
const REFINED_QUALITIES = DEFAULT_QUALITIES.filter((q) => !(GRID_QUALITIES as readonly number[]).includes(q));
/** Every encode of one photo, in the order they are made (the extras last). */
const POINTS: readonly { config: KnobConfig; quality: number }[] = [
  ...DEFAULT_QUALITIES.map((quality) => ({ config: DEFAULTS, quality })),
  ...GRID.filter((c) => labelOf(c) !== labelOf(DEFAULTS)).flatMap((config) => GRID_QUALITIES.map((quality) => ({ config, quality }))),
  ...EXTRAS.flatMap((config) => GRID_QUALITIES.map((quality) => ({ config, quality }))),
  ...REFINED.flatMap((config) => REFINED_QUALITIES.map((quality) => ({ config, quality }))),
];

function labelOf(c: KnobConfig): string {
  return `sns${c.sns} f${c.filter}${c.sharpness === 0 ? '' : ` sharp${c.sharpness}`}${c.segments === 4 ? '' : ` seg${c.segments}`}${c.strong ? '' : ' simple'}`;
}
const keyOf = (c: KnobConfig, quality: number): string => `q${quality} ${labelOf(c)}`;

/** One cached encode. */
interface KnobPoint {
  readonly bytes: number;
  /** 100 - SSIMULACRA2, as the bench measures it. */
  readonly distance: number;
  /** cwebp's own "Time to encode picture" (wall, under whatever else runs), ms. */
  readonly encodeMs: number;
}

/** A photo's cache file. */
interface PhotoCache {
  readonly cwebp: string;
  /** Why cwebp cannot stand in for compress on this photo, when it cannot. */
  skipped?: string;
  /** Distance of cwebp's lossless encode (0: cwebp decodes the photo as image-ops does). */
  losslessDistance?: number;
  /** compress at q80 against cwebp's defaults at q80. */
  sharpQ80?: { bytes: number; identical: boolean; distance: number };
  readonly points: Record<string, KnobPoint>;
}

const cacheFileOf = (cacheDir: string, photoFile: string): string => join(cacheDir, 'libwebp-knobs', `${basename(photoFile)}.json`);

function readCache(file: string, cwebp: string): PhotoCache {
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as PhotoCache;
    if (cached.cwebp === cwebp) return cached;
  }
  return { cwebp, points: {} };
}

function writeCache(file: string, cache: PhotoCache): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(cache, null, 1));
  renameSync(`${file}.tmp`, file);
}

async function cwebpVersion(): Promise<string> {
  const { stdout } = await run('cwebp', ['-version']);
  return stdout.trim();
}

/** One cwebp encode of `input` with `args`: its bytes and its own encode time. */
async function cwebp(input: string, args: readonly string[], dir: string): Promise<{ data: Buffer; encodeMs: number }> {
  const out = join(dir, 'out.webp');
  const { stderr } = await run('cwebp', ['-v', ...args, input, '-o', out]);
  const time = /Time to encode picture: ([\d.]+)s/.exec(stderr);
  const data = await readFile(out);
  await rm(out);
  return { data, encodeMs: time ? Number(time[1]) * 1000 : Number.NaN };
}

const knobArgs = (c: KnobConfig, quality: number): string[] =>
  ['-m', '4', '-q', `${quality}`, '-sns', `${c.sns}`, '-f', `${c.filter}`, '-sharpness', `${c.sharpness}`, '-segments', `${c.segments}`, c.strong ? '-strong' : '-nostrong'];

/** A worker: every missing point of one photo, cached as it goes. */
async function runPhoto(photoFile: string, cacheDir: string): Promise<void> {
  const name = basename(photoFile);
  const file = cacheFileOf(cacheDir, photoFile);
  const cache = readCache(file, await cwebpVersion());
  const original = readFileSync(photoFile);
  const facts = await probe(original);
  if (facts.orientation !== 1 || facts.hasIcc || facts.space !== 'srgb' || facts.hasAlpha || facts.animated) {
    cache.skipped = `orientation ${facts.orientation}, ICC ${facts.hasIcc}, ${facts.space}, alpha ${facts.hasAlpha}: cwebp would not encode what compress does`;
    writeCache(file, cache);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'libwebp-knobs-'));
  const distanceOf = async (data: Uint8Array): Promise<number> => 100 - (await measureSsimulacra2(original, data));
  try {
    if (cache.losslessDistance === undefined) {
      const { data } = await cwebp(photoFile, ['-lossless', '-z', '0'], dir);
      cache.losslessDistance = await distanceOf(data);
      writeCache(file, cache);
    }
    let done = 0;
    for (const { config, quality } of POINTS) {
      done++;
      const key = keyOf(config, quality);
      if (cache.points[key]) continue;
      const { data, encodeMs } = await cwebp(photoFile, knobArgs(config, quality), dir);
      const point = { bytes: data.length, distance: await distanceOf(data), encodeMs };
      cache.points[key] = point;
      if (config === DEFAULTS && quality === FIXED_QUALITY && !cache.sharpQ80) {
        const { variants } = await compress(original, { webp: { quality: FIXED_QUALITY } });
        const sharpData = variants[variants.length - 1]?.data;
        if (!sharpData) throw new Error(`compress made no variant of ${name}`);
        const identical = Buffer.compare(sharpData, data) === 0;
        cache.sharpQ80 = { bytes: sharpData.length, identical, distance: identical ? point.distance : await distanceOf(sharpData) };
      }
      writeCache(file, cache);
      process.stderr.write(`${name}: ${done}/${POINTS.length} ${key}: ${point.bytes} B, distance ${point.distance.toFixed(2)}\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs each photo in a child process, at most `workers` at once, largest first. */
async function runWorkers(photos: readonly Photo[], cacheDir: string, workers: number): Promise<void> {
  const queue = [...photos].sort((a, b) => megapixels(b) - megapixels(a));
  const script = process.argv[1] as string;
  const next = async (): Promise<void> => {
    for (let photo = queue.shift(); photo; photo = queue.shift()) {
      const child = fork(script, ['--photo', photo.file, '--cache-dir', cacheDir], { execArgv: process.execArgv });
      const code = await new Promise<number | null>((done) => child.on('exit', done));
      if (code !== 0) process.stderr.write(`${photo.name}: worker exited ${code}; its cache keeps what it made\n`);
    }
  };
  await Promise.all(Array.from({ length: workers }, next));
}

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);

/** The tables, from the caches. */
function report(photos: readonly Photo[], cacheDir: string, cwebp: string, out: (line?: string) => void): void {
  const loaded = photos.map((photo) => ({ photo, cache: readCache(cacheFileOf(cacheDir, photo.file), cwebp) }));
  const skipped = loaded.filter((l) => l.cache.skipped);
  for (const s of skipped) out(`skipped ${s.photo.name}: ${s.cache.skipped}`);
  const set = loaded.filter((l) => !l.cache.skipped);
  const curve = (cache: PhotoCache, config: KnobConfig, qualities?: readonly number[]): QualityPoint[] =>
    Object.entries(cache.points).flatMap(([key, p]) => {
      const match = /^q(\d+) (.*)$/.exec(key);
      const quality = Number(match?.[1]);
      if (match?.[2] !== labelOf(config) || (qualities && !qualities.includes(quality))) return [];
      return [{ quality, bytes: p.bytes, distance: p.distance }];
    });
  const q80 = set.map(({ photo, cache }) => ({ photo, point: cache.points[keyOf(DEFAULTS, FIXED_QUALITY)] }));
  const missing = q80.filter((p) => !p.point);
  if (missing.length > 0) {
    out(`no q${FIXED_QUALITY} point yet for ${missing.map((m) => m.photo.name).join(', ')}: rerun to finish`);
    return;
  }
  const fixedPoints = q80.map((p) => p.point as KnobPoint);
  const fixed: SetSummary = {
    label: `cwebp q${FIXED_QUALITY} (${labelOf(DEFAULTS)})`,
    bytes: fixedPoints.reduce((s, p) => s + p.bytes, 0),
    worstDistance: Math.max(...fixedPoints.map((p) => p.distance)),
    meanDistance: fixedPoints.reduce((s, p) => s + p.distance, 0) / fixedPoints.length,
    cpuMsPerImage: 0,
  };
  out(`cwebp ${cwebp}, effort 4; ${set.length} photos; fixed = cwebp's defaults at q${FIXED_QUALITY}: ${(fixed.bytes / 1024).toFixed(0)} KB, worst distance ${fixed.worstDistance.toFixed(2)}`);
  out();
  out(
    renderTable(
      [
        { header: 'photo', align: 'left' },
        { header: 'MP', digits: 1 },
        { header: 'lossless distance', digits: 2 },
        { header: `sharp q${FIXED_QUALITY} KB` },
        { header: `cwebp q${FIXED_QUALITY} KB` },
        { header: 'same bytes', align: 'left' },
        { header: 'sharp distance', digits: 2 },
        { header: 'cwebp distance', digits: 2 },
        { header: 'points' },
      ],
      set.map(({ photo, cache }) => [
        photo.name,
        megapixels(photo),
        cache.losslessDistance,
        cache.sharpQ80 ? cache.sharpQ80.bytes / 1024 : undefined,
        (cache.points[keyOf(DEFAULTS, FIXED_QUALITY)]?.bytes ?? Number.NaN) / 1024,
        cache.sharpQ80 ? (cache.sharpQ80.identical ? 'yes' : 'NO') : undefined,
        cache.sharpQ80?.distance,
        cache.points[keyOf(DEFAULTS, FIXED_QUALITY)]?.distance,
        `${Object.keys(cache.points).length}/${POINTS.length}`,
      ]),
    ),
  );
  out();

  // The ceilings, each over a family of curves per photo.
  const perPhoto = (configs: readonly KnobConfig[], qualities?: readonly number[]): PhotoCurves[] =>
    set.map(({ cache }) => configs.map((c) => curve(cache, c, qualities)));
  const families: { over: string; curves: PhotoCurves[] }[] = [
    { over: `quality alone, cwebp defaults (q${DEFAULT_QUALITIES.join('/')})`, curves: perPhoto([DEFAULTS]) },
    { over: `quality alone, cwebp defaults (q${GRID_QUALITIES.join('/')})`, curves: perPhoto([DEFAULTS], GRID_QUALITIES) },
    { over: `quality x sns ${SNS_LEVELS.join('/')} x f ${FILTER_LEVELS.join('/')} + defaults`, curves: perPhoto([DEFAULTS, ...GRID]) },
    { over: 'the same, defaults at the grid qualities only', curves: perPhoto([DEFAULTS, ...GRID], GRID_QUALITIES) },
    { over: 'the same + sharpness 4, segments 1 and 2, simple filter', curves: perPhoto([DEFAULTS, ...GRID, ...EXTRAS]) },
    ...REFINED.map((c) => ({ over: `quality alone, ${labelOf(c)} (q${DEFAULT_QUALITIES.join('/')})`, curves: perPhoto([c]) })),
  ];
  const rows = families.flatMap(({ over, curves }) => ceilingRows(fixed, qualityCeiling(curves, fixed), over));
  out(
    renderTable(
      [{ header: 'target', align: 'left' }, { header: 'wanted', align: 'left' }, { header: 'measured', align: 'left' }, { header: 'status', align: 'left' }],
      rows.map((r) => [r.target, r.wanted, r.measured, r.met ? 'MET' : 'NOT MET']),
    ),
  );
  out();

  // Each setting alone (quality chosen per photo), and its encode time against the defaults' at the same qualities.
  const encodeMsOf = (config: KnobConfig): number =>
    set.reduce((s, { cache }) => s + GRID_QUALITIES.reduce((t, q) => t + (cache.points[keyOf(config, q)]?.encodeMs ?? Number.NaN), 0), 0);
  const defaultMs = encodeMsOf(DEFAULTS);
  out(
    renderTable(
      [
        { header: 'setting alone', align: 'left' },
        { header: 'row 1: fewer bytes', align: 'left' },
        { header: 'row 2: worst at q80 bytes', align: 'left' },
        { header: 'q80 total KB' },
        { header: 'q80 worst', digits: 2 },
        { header: 'encode time vs defaults', digits: 2 },
      ],
      [DEFAULTS, ...GRID.filter((c) => labelOf(c) !== labelOf(DEFAULTS)), ...EXTRAS].map((config) => {
        const c = qualityCeiling(perPhoto([config], GRID_QUALITIES), fixed);
        const at80 = set.map(({ cache }) => cache.points[keyOf(config, FIXED_QUALITY)]);
        const complete = at80.every((p) => p !== undefined);
        return [
          labelOf(config),
          pct(c.bytesAtFixedWorst === undefined ? undefined : 1 - c.bytesAtFixedWorst / fixed.bytes),
          c.worstAtFixedBytes === undefined ? '-' : `${pct(1 - c.worstAtFixedBytes / fixed.worstDistance)} (${c.worstAtFixedBytes.toFixed(1)})`,
          complete ? at80.reduce((s, p) => s + (p as KnobPoint).bytes, 0) / 1024 : undefined,
          complete ? Math.max(...at80.map((p) => (p as KnobPoint).distance)) : undefined,
          encodeMsOf(config) / defaultMs,
        ];
      }),
    ),
  );
  out(`(each setting read at q${GRID_QUALITIES.join('/')} only, the defaults too, so the rows compare alike; encode time: cwebp's own wall time under the grid's load, a rough guide)`);
  out();

  // Per photo: bytes at its own q80 distance, and at the set's q80 worst (row 1's limit), best setting vs the defaults.
  const everything = [DEFAULTS, ...GRID, ...EXTRAS];
  const best = (cache: PhotoCache, limit: number): { label: string; bytes: number } | undefined =>
    everything
      .map((c) => ({ label: labelOf(c), bytes: bytesAtDistance(curve(cache, c), limit) }))
      .filter((b): b is { label: string; bytes: number } => b.bytes !== undefined)
      .sort((a, b) => a.bytes - b.bytes)[0];
  out(
    renderTable(
      [
        { header: 'photo', align: 'left' },
        { header: 'q80 distance', digits: 1 },
        { header: 'best at it', align: 'left' },
        { header: 'bytes vs defaults', digits: 3 },
        { header: `best at ${fixed.worstDistance.toFixed(1)}`, align: 'left' },
        { header: 'bytes vs defaults', digits: 3 },
      ],
      set.map(({ photo, cache }) => {
        const own = cache.points[keyOf(DEFAULTS, FIXED_QUALITY)] as KnobPoint;
        const atOwn = best(cache, own.distance);
        const atWorst = best(cache, fixed.worstDistance);
        const defaultAtWorst = bytesAtDistanceAcross([curve(cache, DEFAULTS)], fixed.worstDistance);
        return [
          photo.name,
          own.distance,
          atOwn?.label,
          atOwn ? atOwn.bytes / own.bytes : undefined,
          atWorst?.label,
          atWorst && defaultAtWorst ? atWorst.bytes / defaultAtWorst : undefined,
        ];
      }),
    ),
  );
  out('bytes vs defaults: the fewest bytes any setting needs for that distance (interpolated over quality) / the defaults\'');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      'cache-dir': { type: 'string', default: resolve(__dirname, '../../../.cache/bench') },
      photo: { type: 'string' },
    },
  });
  const cacheDir = resolve(values['cache-dir']);
  if (values.photo) return runPhoto(values.photo, cacheDir);
  setPriority(19);
  const cwebp = await cwebpVersion().catch(() => undefined);
  if (!cwebp) {
    process.stdout.write('cwebp not found: `apt-get install webp` (Debian) first\n');
    return;
  }
  const { photos, problems } = await fetchPhotos(cacheDir, (line) => process.stderr.write(`${line}\n`));
  for (const p of problems) process.stderr.write(`${p}\n`);
  const mixed = assignRoles(photos).mixed;
  await runWorkers(mixed, cacheDir, Math.max(1, Number(values.workers)));
  report(mixed, cacheDir, cwebp, (line = '') => process.stdout.write(`${line}\n`));
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
