/**
 * Perceptual quality targeting (`quality: 'auto'`): per image, the lowest encoder quality
 * whose SSIMULACRA2 score meets a target, found by a bounded search on a reduced-size
 * proxy of the image; the caller then encodes the full image once at that quality.
 *
 * The proxy is a mosaic of full-resolution tiles sampled on a grid across the image, not a
 * downscale: an encoder's artefacts at a given quality are a property of the pixels at
 * their real scale (a downscaled proxy is sharper per pixel and scores worse at the same
 * quality), so tiles predict the full-size score far better, at a fraction of its cost.
 * The search is sharp-free: the encoder and decoder come in as functions.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed-array loops index within bounds they just checked; `!` keeps them free of per-pixel undefined checks */
import { WEBP_PRESETS } from '@imgpipe/contracts/vocabulary';
import { z } from 'zod';
import { inThreadScorer, type PreparedOriginal, type Ssimulacra2Scorer } from './scorer';
import type { RgbPixels } from './ssimulacra2';

/** Raw 8-bit pixels, 3 (RGB) or 4 (RGBA) channels, rows packed. */
export interface RawPixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

const quality = z.number().int().min(1).max(100);

/** Validates {@link AutoQualityOptions}. */
export const autoQualityOptionsSchema = z
  .object({
    /** SSIMULACRA2 score to reach (100 = identical, 90 visually lossless, 70 high, 50 medium). */
    target: z.number().min(0).max(100),
    /** Lowest quality the search may choose. */
    minQuality: quality,
    /** Highest quality the search may choose (chosen when even it misses the target). */
    maxQuality: quality,
    /** Proxy encodes at most, each scored (the bound on the search's cost). */
    maxProbes: z.number().int().min(1).max(8),
    /** Pixels of the proxy; an image not much larger is its own proxy. */
    proxyPixels: z.number().int().min(4096).max(4_194_304),
  })
  .strict()
  .refine((o) => o.minQuality <= o.maxQuality, { message: 'minQuality must not exceed maxQuality' });

/** The knobs of the quality search for one format. */
export type AutoQualityOptions = z.infer<typeof autoQualityOptionsSchema>;

/** Validates {@link AutoWebpQualityOptions}: the common knobs and the WebP presets to choose among. */
export const autoWebpQualityOptionsSchema = autoQualityOptionsSchema.safeExtend({
  /**
   * libwebp presets the search chooses among per image (the first is searched in full, each
   * other compared with it at equal proxy score with at most two more probes; see
   * {@link searchQualityAcross}). One preset: no choice, no extra probe.
   */
  presets: z
    .array(z.enum(WEBP_PRESETS))
    .min(1)
    .max(3)
    .refine((p) => new Set(p).size === p.length, { message: 'presets must not repeat' }),
});

/** The quality search's knobs for WebP: {@link AutoQualityOptions} and the presets it may choose. */
export type AutoWebpQualityOptions = z.infer<typeof autoWebpQualityOptionsSchema>;

/** Formats the search knows defaults for (the ones `compress` makes). */
export type AutoQualityFormat = 'webp' | 'avif' | 'jpeg';

/**
 * Defaults per format, chosen from `npm run bench -- --only quality` (tools/bench/README.md,
 * "Perceptual sections"). WebP target 72: the lowest whose worst photo is no worse than fixed
 * q80's worst (measured 31.1 vs 31.4 distance; the proxy reads ~1.9 points better than the
 * full image, sd 1.2, and the target absorbs that), for 0.89x q80's total bytes at 1.25x its
 * CPU; target 70 is 0.80x but its worst photo is 33.2. 4 probes on ~0.2 MP (12 tiles of
 * 128 px): larger or 16 px-aligned tiles did not narrow the proxy's error, and what did (24
 * tiles in one guttered mosaic: sd 1.3 instead of 1.5) costs 2x a probe, past the 1.3x CPU
 * budget. minQuality 40 binds no bench photo (the
 * lowest chosen is 60). AVIF's quality scale is lower than WebP's for the same look, so its
 * bounds are too; AVIF and JPEG keep target 70 (not re-measured here). WebP `presets`: only
 * `default`. Choosing per photo between `default` and `icon` (`['default', 'icon']`) raises the
 * bench's ceiling (18.7% -> 20.9% fewer bytes at q80's worst case) but not what the search
 * reaches (7.9% at target 72, the worst photo still a `default` one whose proxy reads 3.3
 * points too well) and costs one or two probes more (1.43x q80's CPU in that run), so it is a
 * knob, not the default (tools/bench/README.md, "Encoder choices beyond quality").
 */
export const DEFAULT_AUTO_QUALITY: Readonly<{ webp: AutoWebpQualityOptions; avif: AutoQualityOptions; jpeg: AutoQualityOptions }> = {
  webp: { target: 72, minQuality: 40, maxQuality: 95, maxProbes: 4, proxyPixels: 196_608, presets: ['default'] },
  avif: { target: 70, minQuality: 25, maxQuality: 85, maxProbes: 4, proxyPixels: 196_608 },
  jpeg: { target: 70, minQuality: 40, maxQuality: 95, maxProbes: 4, proxyPixels: 196_608 },
};

/** Where the search starts for a format (near where photos usually land at the default target). */
const FIRST_GUESS: Readonly<Record<AutoQualityFormat, number>> = { webp: 78, avif: 55, jpeg: 80 };
/**
 * The score curve's shape, a prior for the steps before two probes give a slope: score points
 * a quality point buys above and below a knee. WebP's curve bends at ~75 (probes on the
 * bench photos: ~0.8-1.4 points a quality point over 78-83, ~0.25-0.5 over 60-75; WebP's
 * bytes jump there too); AVIF and JPEG keep one slope.
 */
const PRIOR_CURVE: Readonly<Record<AutoQualityFormat, { knee: number; above: number; below: number }>> = {
  webp: { knee: 75, above: 0.9, below: 0.35 },
  avif: { knee: 0, above: 0.4, below: 0.4 },
  jpeg: { knee: 0, above: 0.4, below: 0.4 },
};

/** The quality at which the prior curve through `from` reaches `target` (not rounded or clamped). */
export function priorEstimate(from: QualityProbe, target: number, format: AutoQualityFormat): number {
  const { knee, above, below } = PRIOR_CURVE[format];
  let { quality: q, score: s } = from;
  if (target >= s) {
    if (q < knee) {
      const toKnee = (knee - q) * below;
      if (s + toKnee >= target) return q + (target - s) / below;
      s += toKnee;
      q = knee;
    }
    return q + (target - s) / above;
  }
  if (q > knee) {
    const toKnee = (q - knee) * above;
    if (s - toKnee <= target) return q - (s - target) / above;
    s -= toKnee;
    q = knee;
  }
  return q - (s - target) / below;
}

/** Tile side of the proxy mosaic: a multiple of WebP's 16 px macroblock and AVIF's 64 px superblock. */
export const PROXY_TILE = 128;

/** A proxy: tiles of the image, each encoded on its own, scored side by side as one mosaic. */
export interface Proxy {
  readonly tiles: readonly RawPixels[];
  /** Tiles per row of the mosaic. */
  readonly columns: number;
}

/**
 * The search's proxy: the whole image (one tile) when it has at most ~1.5x `proxyPixels`,
 * otherwise `tile`-px tiles (default {@link PROXY_TILE}) copied at full resolution from the
 * centres of a grid laid over the image (as many as fit in `proxyPixels`, the grid shaped
 * like the image). Each tile is encoded as an image of its own: a mosaic encoded in one
 * piece puts hard seams inside the encode, whose artefacts swamp the score.
 */
export function proxyOf(image: RawPixels, proxyPixels: number, tile: number = PROXY_TILE): Proxy {
  const { width, height, channels, data } = image;
  if (width * height <= proxyPixels * 1.5 || width < tile * 2 || height < tile * 2) return { tiles: [image], columns: 1 };
  const count = Math.max(4, Math.floor(proxyPixels / (tile * tile)));
  let cols = Math.max(1, Math.round(Math.sqrt((count * width) / height)));
  cols = Math.min(cols, Math.floor(width / tile));
  const rows = Math.max(1, Math.min(Math.floor(count / cols), Math.floor(height / tile)));
  const rowBytes = tile * channels;
  const tiles: RawPixels[] = [];
  for (let ty = 0; ty < rows; ty++) {
    const y0 = Math.floor(((ty + 0.5) * height) / rows - tile / 2);
    for (let tx = 0; tx < cols; tx++) {
      const x0 = Math.floor(((tx + 0.5) * width) / cols - tile / 2);
      const out = new Uint8Array(tile * rowBytes);
      for (let y = 0; y < tile; y++) {
        const from = ((y0 + y) * width + x0) * channels;
        out.set(data.subarray(from, from + rowBytes), y * rowBytes);
      }
      tiles.push({ data: out, width: tile, height: tile, channels });
    }
  }
  return { tiles, columns: cols };
}

/** The tiles side by side, `columns` a row (all tiles one size), as one image for the metric. */
export function mosaicOf(tiles: readonly RawPixels[], columns: number): RawPixels {
  const first = tiles[0];
  if (!first) throw new RangeError('mosaicOf: no tiles');
  if (tiles.length === 1) return first;
  const { width: tw, height: th, channels } = first;
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * tw;
  const out = new Uint8Array(width * rows * th * channels);
  tiles.forEach((t, i) => {
    const ox = (i % columns) * tw;
    const oy = Math.floor(i / columns) * th;
    for (let y = 0; y < th; y++) {
      out.set(t.data.subarray(y * tw * channels, (y + 1) * tw * channels), ((oy + y) * width + ox) * channels);
    }
  });
  return { data: out, width, height: rows * th, channels };
}

/**
 * RGB for the metric: alpha is composited onto mid-grey (SSIMULACRA2 compares colours, and
 * a transparent pixel's colour is invisible), so both sides are judged as they would show.
 */
export function rgbOf(image: RawPixels): RgbPixels {
  const { width, height, channels, data } = image;
  if (channels === 3) return { data, width, height };
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = data[i * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(data[i * 4 + c]! * a + 128 * (1 - a));
  }
  return { data: out, width, height };
}

/** One proxy encode the search made. */
export interface QualityProbe {
  readonly quality: number;
  readonly score: number;
  readonly bytes: number;
}

/** What the search chose. */
export interface QualityChoice {
  /** The lowest probed quality that met the target, or `maxQuality` when none did. */
  readonly quality: number;
  /** That quality's SSIMULACRA2 score on the proxy. */
  readonly score: number;
  /** Every probe, in order. */
  readonly probes: readonly QualityProbe[];
}

/** How the search encodes and decodes a proxy tile (sharp in image-ops; anything in tests). */
export interface ProxyCodec {
  /** `tile` encoded at `quality`. */
  encode(tile: RawPixels, quality: number): Promise<Uint8Array>;
  /** Encoded bytes back to pixels of `tile`'s size and channels. */
  decode(encoded: Uint8Array, tile: RawPixels): Promise<RawPixels>;
}

/** Encodes, decodes and scores the whole proxy at one quality with one codec. */
type Prober = (codec: ProxyCodec, quality: number) => Promise<QualityProbe>;

/**
 * The proxy's mosaic as RGB in an array of its own: the scorer takes the arrays it is given
 * (it may transfer them to its thread), and a one-tile proxy's mosaic is the caller's image.
 */
function ownRgb(image: RawPixels, source: readonly RawPixels[]): RgbPixels {
  const rgb = rgbOf(image);
  return source.some((tile) => tile.data.buffer === rgb.data.buffer) ? { ...rgb, data: new Uint8Array(rgb.data) } : rgb;
}

/**
 * Runs `search` with a {@link Prober} for `proxy`: the metric's original side is prepared once
 * (by `scorer`, on whichever thread it scores) and serves every codec, and is released after.
 */
async function withProber<T>(proxy: Proxy, scorer: Ssimulacra2Scorer, search: (prober: Prober) => Promise<T>): Promise<T> {
  const original: PreparedOriginal = await scorer.prepare(ownRgb(mosaicOf(proxy.tiles, proxy.columns), proxy.tiles));
  const prober: Prober = async (codec, q) => {
    let bytes = 0;
    const decoded: RawPixels[] = [];
    for (const tile of proxy.tiles) {
      const encoded = await codec.encode(tile, q);
      bytes += encoded.length;
      decoded.push(await codec.decode(encoded, tile));
    }
    return { quality: q, score: await original.score(rgbOf(mosaicOf(decoded, proxy.columns))), bytes };
  };
  try {
    return await search(prober);
  } finally {
    original.release();
  }
}

/**
 * The lowest quality in `[minQuality, maxQuality]` whose score on `proxy` reaches
 * `target`, with at most `maxProbes` encodes: the first probe at a per-format guess, then
 * each next one interpolated between the nearest passing and failing probes (secant on
 * the score curve, which rises with quality), or stepped along the slope seen so far when
 * all probes are on one side. If no probe has passed by the last one, the last probes
 * `maxQuality`, so the result is always a probed quality with a measured score.
 */
export async function searchQuality(
  proxy: Proxy,
  codec: ProxyCodec,
  settings: AutoQualityOptions,
  format: AutoQualityFormat,
  scorer: Ssimulacra2Scorer = inThreadScorer,
): Promise<QualityChoice> {
  return withProber(proxy, scorer, (prober) => searchWith(prober, codec, settings, format));
}

async function searchWith(prober: Prober, codec: ProxyCodec, settings: AutoQualityOptions, format: AutoQualityFormat): Promise<QualityChoice> {
  const { target, minQuality: min, maxQuality: max, maxProbes } = settings;
  const probes: QualityProbe[] = [];
  const probe = async (q: number): Promise<QualityProbe> => {
    const result = await prober(codec, q);
    probes.push(result);
    return result;
  };
  const clamp = (q: number): number => Math.min(max, Math.max(min, Math.round(q)));
  let pass: QualityProbe | undefined; // lowest passing
  let fail: QualityProbe | undefined; // highest failing
  let q = clamp(FIRST_GUESS[format]);
  for (let i = 0; i < maxProbes; i++) {
    const p = await probe(q);
    if (p.score >= target) {
      if (!pass || p.quality < pass.quality) pass = p;
    } else if (!fail || p.quality > fail.quality) {
      fail = p;
    }
    // Done when the answer is pinned to within a point (a quality point is ~1-2% of the
    // bytes, not worth a probe), or the bound itself decided.
    if (pass && (pass.quality === min || (fail && pass.quality - fail.quality <= 2))) break;
    if (!pass && fail?.quality === max) break;
    const last = i === maxProbes - 2;
    if (pass && fail) {
      const width = pass.quality - fail.quality;
      const t = (target - fail.score) / (pass.score - fail.score);
      // Aim above the secant: on a bending curve it lands on the failing edge, and a last probe
      // that fails leaves the far passing one as the answer (a photo once kept q78 for a q71 need).
      const margin = last ? Math.max(1, width / 4) : width >= 4 ? 1 : 0;
      q = Math.min(pass.quality - 1, Math.max(fail.quality + 1, Math.ceil(fail.quality + t * width + margin)));
    } else {
      const slope = observedSlope(probes);
      const side = (pass ?? fail) as QualityProbe;
      const estimate = slope === undefined ? priorEstimate(side, target, format) : side.quality + (target - side.score) / slope;
      // One quality point of margin on the way up, so a step lands on the passing side.
      q = clamp(estimate + (pass ? 0 : 1));
      if (!pass && last) q = max;
      if (q === side.quality) q = clamp(side.quality + (pass ? -1 : 1));
    }
    if (probes.some((x) => x.quality === q)) break;
  }
  const chosen = pass ?? probes.find((p) => p.quality === max) ?? (await probe(max));
  return { quality: chosen.quality, score: chosen.score, probes };
}

/** Score points per quality point between the two most distant probes, when they rise. */
function observedSlope(probes: readonly QualityProbe[]): number | undefined {
  if (probes.length < 2) return undefined;
  const sorted = [...probes].sort((a, b) => a.quality - b.quality);
  const lo = sorted[0] as QualityProbe;
  const hi = sorted[sorted.length - 1] as QualityProbe;
  const slope = (hi.score - lo.score) / (hi.quality - lo.quality);
  return slope > 0.02 ? slope : undefined;
}

/** One encoder configuration the search may choose (a WebP preset), with its codec. */
export interface ConfigCandidate<C> {
  readonly config: C;
  readonly codec: ProxyCodec;
  /**
   * Added to the target for this configuration (default 0): the proxy reads better than the
   * full image by a different amount per configuration, so equal proxy scores are not equal
   * full-size quality. See {@link WEBP_PROXY_BIAS}.
   */
  readonly targetOffset?: number;
}

/**
 * How many SSIMULACRA2 points the proxy reads better than the full-size image, mean per WebP
 * preset: `npm run bench -- --only quality`, 2026-12-05 17:40 UTC, every auto run on the 9
 * photos (measured - proxy distance): `default` 2.1 (sd 1.2, 30 runs), `icon` 0.6 (sd 0.8, 15
 * runs). libwebp's spatial noise shaping (SNS 50 in `default`) sets its segments' quantisers
 * from the statistics of the picture it is given, so a 128 px tile encoded alone is quantised
 * unlike the same pixels in the whole photo; with SNS 0 (`icon`) the tile is quantised as the
 * photo is, and the proxy is nearly right. A preset not listed counts as `default`'s.
 */
export const WEBP_PROXY_BIAS: Readonly<Partial<Record<(typeof WEBP_PRESETS)[number], number>>> = { default: 2.1, icon: 0.6 };

/**
 * The target offset of each preset relative to the first (see {@link ConfigCandidate.targetOffset}):
 * `target` keeps its meaning for the first preset, and another reaches the same full-size score
 * when its proxy reads `bias(p) - bias(first)` points more or less.
 */
export function presetTargetOffsets<P extends (typeof WEBP_PRESETS)[number]>(presets: readonly P[]): number[] {
  const bias = (p: P): number => WEBP_PROXY_BIAS[p] ?? WEBP_PROXY_BIAS.default ?? 0;
  const first = presets[0];
  return presets.map((p) => (first === undefined ? 0 : Math.round((bias(p) - bias(first)) * 100) / 100));
}

/** What {@link searchQualityAcross} chose: a quality, its score, and the configuration. */
export interface ConfigChoice<C> extends QualityChoice {
  readonly config: C;
  /** The other configurations' probes (at most two each), in order. */
  readonly compared: readonly (QualityProbe & { readonly config: C })[];
}

/** Log-bytes a quality point adds, from the probes nearest `q` on either side (prior 0.05: WebP's ~+5% a point near q80). */
function bytesGrowth(probes: readonly QualityProbe[], q: number): number {
  const sorted = [...probes].sort((a, b) => a.quality - b.quality);
  const above = sorted.find((p) => p.quality > q);
  const below = [...sorted].reverse().find((p) => p.quality <= q);
  const [lo, hi] = above && below ? [below, above] : sorted.length >= 2 ? [sorted[0], sorted[sorted.length - 1]] : [undefined, undefined];
  if (!lo || !hi || hi.quality === lo.quality) return 0.05;
  const g = Math.log(hi.bytes / lo.bytes) / (hi.quality - lo.quality);
  return g > 0 ? g : 0.05;
}

/**
 * {@link searchQuality} over a few encoder configurations (WebP presets, which move the whole
 * rate-distortion curve: on the bench photos `icon`, libwebp's SNS 0 and no loop filter, needs
 * ~9% fewer bytes than `default` for the same SSIMULACRA2 on the hardest photo and more on
 * the easy ones). The first candidate is searched in full; each other one is probed at that
 * answer's quality, and if it misses its target once more at the quality the first's slope
 * says it needs, unless the first's byte growth says it would cost more anyway. Each
 * candidate's target is `target + targetOffset` (its proxy's calibrated bias, so equal
 * targets mean equal full-size scores). The configuration with the fewest proxy bytes among
 * those that reach their target wins (the first on a tie, or when nothing reached it). So a
 * choice costs at most two probes a candidate beyond the first search, often one or none.
 */
export async function searchQualityAcross<C>(
  proxy: Proxy,
  candidates: readonly ConfigCandidate<C>[],
  settings: AutoQualityOptions,
  format: AutoQualityFormat,
  scorer: Ssimulacra2Scorer = inThreadScorer,
): Promise<ConfigChoice<C>> {
  const [first, ...others] = candidates;
  if (!first) throw new RangeError('searchQualityAcross: no candidates');
  return withProber(proxy, scorer, (prober) => searchAcrossWith(prober, first, others, settings, format));
}

async function searchAcrossWith<C>(
  prober: Prober,
  first: ConfigCandidate<C>,
  others: readonly ConfigCandidate<C>[],
  settings: AutoQualityOptions,
  format: AutoQualityFormat,
): Promise<ConfigChoice<C>> {
  const base = await searchWith(prober, first.codec, { ...settings, target: settings.target + (first.targetOffset ?? 0) }, format);
  const { minQuality: min, maxQuality: max } = settings;
  const compared: (QualityProbe & { config: C })[] = [];
  const chosen = base.probes.find((p) => p.quality === base.quality) ?? { quality: base.quality, score: base.score, bytes: Infinity };
  let best: { config: C; probe: QualityProbe } = { config: first.config, probe: chosen };
  const basePassed = base.score >= settings.target + (first.targetOffset ?? 0);
  for (const other of others) {
    if (!basePassed) break;
    const target = settings.target + (other.targetOffset ?? 0);
    const at = async (q: number): Promise<QualityProbe> => {
      const p = await prober(other.codec, q);
      compared.push({ ...p, config: other.config });
      return p;
    };
    const p1 = await at(base.quality);
    if (p1.score >= target) {
      if (p1.bytes < best.probe.bytes) best = { config: other.config, probe: p1 };
      continue;
    }
    const slope = observedSlope(base.probes);
    const estimate = slope === undefined ? priorEstimate(p1, target, format) : p1.quality + (target - p1.score) / slope;
    const q2 = Math.min(max, Math.max(min, Math.ceil(estimate)));
    if (q2 <= p1.quality) continue;
    // Worth a probe only if its bytes, grown from p1's at the first's rate, would undercut the best.
    if (p1.bytes * Math.exp(bytesGrowth(base.probes, base.quality) * (q2 - p1.quality)) >= best.probe.bytes) continue;
    const p2 = await at(q2);
    if (p2.score >= target && p2.bytes < best.probe.bytes) best = { config: other.config, probe: p2 };
  }
  return { quality: best.probe.quality, score: best.probe.score, probes: base.probes, config: best.config, compared };
}
