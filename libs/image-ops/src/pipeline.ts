/**
 * The engine behind `compress`, `renditions` and `processImage`: decode once, encode many.
 *
 * 1. `inspect` the input (policy, no pixel decoded).
 * 2. Plan every output's exact size from the displayed size, so that an output's size
 *    never depends on how the pixels were obtained.
 * 3. Decode ONCE to raw 8-bit sRGB with orientation applied, at the smallest size every
 *    output can be made from (full size for variants; for renditions alone, the largest
 *    rendition's need, which lets libjpeg/libwebp shrink on load).
 * 4. Encode every output from that buffer, all at once: the single-threaded WebP encode
 *    runs on one thread while the renditions run on the others. A rendition in several
 *    formats (`alsoAs`) is resized once and encoded once per format.
 * 5. With the renditions, the placeholder (ThumbHash, dominant colour, aspect ratio) from
 *    their shared, already-shrunk source: no second decode, about a millisecond.
 * 6. With the variants, when none beats an original that could be served as it is (a PNG
 *    or GIF), one lossless WebP from the same decoded pixels, so `compress` can hand back
 *    the smallest honest output (`honest-output.ts`).
 *
 * Failures are classified by stage: decoding is `CORRUPT` input, encoding is transient.
 */
import type { WebpPresetName } from '@imgpipe/contracts/vocabulary';
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_BACKGROUND } from './colour';
import type { CompressedVariant, CompressOptions } from './compress';
import { decodeFailure, encodeFailure } from './errors';
import { contentTypeOf, MAX_OUTPUT_DIMENSION, type OutputFormat } from './formats';
import { decodeHeif } from './heif';
import { candidatesOf, type OriginalImage, wantsLosslessCandidate } from './honest-output';
import { type ImagePlaceholder, makePlaceholder } from './placeholder';
import type { InputPolicy } from './policy';
import { type ImageFacts, inspect } from './probe';
import {
  presetTargetOffsets,
  type ProxyCodec,
  proxyOf,
  type QualityChoice,
  type RawPixels,
  searchQuality,
  searchQualityAcross,
} from './quality/auto-quality';
import { DEFAULT_RENDITION_WEBP_EFFORT, renditionFormats } from './rendition-set';
import { releaseFreedMemory } from './runtime';
import type { Rendition, RenditionResult, RenditionSet } from './renditions';

/** What to make. @internal */
export interface PipelineRequest {
  policy: InputPolicy;
  /** Variants to make; none when absent. */
  compress?: CompressOptions;
  /** Renditions to make; none when absent. */
  renditionSet?: RenditionSet;
  /** Background for renditions (JPEG flattening, `contain` padding). */
  background?: string;
  /**
   * Whether to make the placeholder with the renditions (default true). `false` for compress's
   * share of a set, whose placeholder is the thumbnail task's: only a letterboxed band then has
   * one made, for its dominant colour.
   */
  placeholder?: boolean;
}

/** Where the time went, in milliseconds. `compressMs` and `renditionsMs` overlap. */
export interface ProcessTimings {
  /** Probe and the one decode. */
  decodeMs: number;
  /** All variants, from the decoded pixels. */
  compressMs: number;
  /** All renditions, from the decoded pixels (placeholder included). */
  renditionsMs: number;
  /**
   * The placeholder alone, from the renditions' shared source, before the renditions start
   * (so this is what it adds to them; alongside them it would only compete for the same
   * cores and its own wall time would say little); 0 without renditions.
   */
  placeholderMs: number;
  /** Wall time of the whole job. */
  totalMs: number;
}

/** @internal */
export interface PipelineResult {
  facts: ImageFacts;
  variants: CompressedVariant[];
  renditions: RenditionResult[];
  /** Made with the renditions; absent without. */
  placeholder?: ImagePlaceholder;
  /** The original as `decideOutput` sees it. */
  original: OriginalImage;
  /** A lossless WebP re-encode, made only when `wantsLosslessCandidate` says so. */
  lossless?: CompressedVariant;
  timings: ProcessTimings;
  /** Each rendition's resize and encodes (all its formats), by name, in ms; they overlap. */
  renditionMs: Record<string, number>;
}

interface Size {
  width: number;
  height: number;
}

/** Decoded pixels: 8-bit sRGB, rows packed, frames stacked top to bottom. */
interface RawImage extends Size {
  data: Buffer;
  channels: 3 | 4;
  /** Frames in `data`; `height` is one frame's. */
  pages: number;
  /** Bands the decode dropped past sRGB and alpha ({@link rasterChannels}); absent when none. */
  droppedBands?: number;
}

interface VariantPlan extends Size {
  format: 'webp' | 'avif' | 'jpeg';
}

interface RenditionPlan extends Size {
  name: string;
  rendition: Rendition;
  /** Smallest source size this rendition can be made from without upscaling anything. */
  need: Size;
  /** `cover` of an extreme aspect: the band cropped from the image, letterboxed into the box. */
  band?: Size;
}

/** Floating-point slack, so that 4000 * (600 / 4000) floors and ceils to 600. */
const EPSILON = 1e-9;
const ROUNDING = {
  round: (x: number) => Math.round(x),
  floor: (x: number) => Math.floor(x + EPSILON),
  ceil: (x: number) => Math.ceil(x - EPSILON),
} as const;

function scaled(facts: Size, scale: number, rounding: keyof typeof ROUNDING = 'round'): Size {
  const round = ROUNDING[rounding];
  return {
    width: Math.min(facts.width, Math.max(1, round(facts.width * scale))),
    height: Math.min(facts.height, Math.max(1, round(facts.height * scale))),
  };
}

function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

function largest(sizes: Size[]): Size | undefined {
  if (sizes.length === 0) return undefined;
  return {
    width: Math.max(...sizes.map((s) => s.width)),
    height: Math.max(...sizes.map((s) => s.height)),
  };
}

/**
 * Variants are full size, scaled down only past the format's limit (a 20000 px panorama
 * becomes 16383 px wide in WebP). An animation's frames can only be resized while
 * decoding, so all its variants share the smallest scale.
 */
function planVariants(facts: ImageFacts, options: CompressOptions): VariantPlan[] {
  const scaleOf = (format: OutputFormat): number =>
    Math.min(1, MAX_OUTPUT_DIMENSION[format] / facts.width, MAX_OUTPUT_DIMENSION[format] / facts.height);
  const shared = Math.min(...options.formats.map(scaleOf));
  return options.formats.map((format) => ({
    format,
    ...scaled(facts, facts.animated ? shared : scaleOf(format), 'floor'),
  }));
}

/**
 * A rendition's output size, from the displayed size alone; never larger than the source.
 * `inside`/`outside` keep the source's aspect; `cover`/`contain`/`fill` keep the box's,
 * shrinking the box (not enlarging the image) when the source is too small for it.
 */
function planRendition(facts: ImageFacts, name: string, rendition: Rendition): RenditionPlan {
  const { width: W, height: H } = facts;
  const { width: w, height: h, fit } = rendition;
  if (fit === 'inside' || fit === 'outside') {
    const fitScale = fit === 'inside' ? Math.min(w / W, h / H) : Math.max(w / W, h / H);
    const out = scaled(facts, Math.min(1, fitScale));
    return { name, rendition, ...out, need: out };
  }
  const band = fit === 'cover' ? planBand(facts, rendition) : undefined;
  if (band) {
    // Letterboxed: the band (not the box) must not be upscaled; the box shrinks with it.
    const shrink = Math.min(1, W / band.width, H / band.height);
    const box = { width: Math.max(1, Math.round(w * shrink)), height: Math.max(1, Math.round(h * shrink)) };
    const out = {
      width: Math.min(box.width, Math.max(1, Math.round(band.width * shrink))),
      height: Math.min(box.height, Math.max(1, Math.round(band.height * shrink))),
    };
    const sourceScale = Math.max(out.width / W, out.height / H);
    return { name, rendition, ...box, band: out, need: scaled(facts, Math.min(1, sourceScale), 'ceil') };
  }
  const shrink = fit === 'contain' ? Math.min(1, Math.max(W / w, H / h)) : Math.min(1, W / w, H / h);
  const box = { width: Math.max(1, Math.round(w * shrink)), height: Math.max(1, Math.round(h * shrink)) };
  const sourceScale =
    fit === 'contain'
      ? Math.min(box.width / W, box.height / H)
      : Math.max(box.width / W, box.height / H);
  return { name, rendition, ...box, need: scaled(facts, Math.min(1, sourceScale), 'ceil') };
}

/**
 * The band of a `cover` rendition whose image is more than `extremeAspect.beyond` times
 * wider (or taller) than its box: `band` times the box's aspect, as wide (or tall) as the
 * box. Undefined when the rendition does not ask for it or the image is not that extreme.
 */
function planBand(facts: Size, rendition: Rendition): Size | undefined {
  const extreme = rendition.extremeAspect;
  if (!extreme) return undefined;
  const factor = facts.width / facts.height / (rendition.width / rendition.height);
  if (Math.max(factor, 1 / factor) <= extreme.beyond) return undefined;
  return factor > 1
    ? { width: rendition.width, height: rendition.height / extreme.band }
    : { width: rendition.width / extreme.band, height: rendition.height };
}

/** Wraps raw pixels for one output; `allFrames` keeps an animation's frames. */
function fromRaw(raw: RawImage, allFrames: boolean): Sharp {
  const pages = allFrames ? raw.pages : 1;
  const frameBytes = raw.width * raw.height * raw.channels;
  const data = pages === raw.pages ? raw.data : raw.data.subarray(0, frameBytes * pages);
  return sharp(data, {
    raw: {
      width: raw.width,
      height: raw.height * pages,
      channels: raw.channels,
      ...(pages > 1 ? { pageHeight: raw.height } : {}),
    },
    limitInputPixels: false,
  });
}

/**
 * The one rule for alpha in every output: the original's, as libvips reads it
 * (`ImageFacts.hasAlpha`, vips_image_hasalpha, which libvips' savers also go by). The decoded
 * raster holds exactly these bands, sRGB then alpha (`toRaw` drops any band past them), so
 * {@link keepsAlpha} of a raster, which decides JPEG's flattening, follows the same rule.
 */
function rasterChannels(facts: Pick<ImageFacts, 'hasAlpha'>): 3 | 4 {
  return facts.hasAlpha ? 4 : 3;
}

/** Whether an output of these pixels keeps alpha (JPEG flattens it onto the background otherwise). */
function keepsAlpha(pixels: { readonly channels: number }): boolean {
  return pixels.channels === 4;
}

/**
 * `pixels` (`bands` interleaved 8-bit samples a pixel) with only the first `keep` of each
 * pixel's samples. Hand-written because sharp has no operation that extracts a range of bands
 * (`extractChannel` takes one) and its raw input takes at most 4 channels; needed only for an
 * original with samples past sRGB and alpha (a TIFF's extra samples), which `toColourspace`
 * carries through.
 */
function firstBands(pixels: Buffer, bands: number, keep: number): Buffer {
  const count = pixels.length / bands;
  const out = Buffer.allocUnsafe(count * keep);
  for (let i = 0, o = 0, p = 0; i < count; i++, p += bands) for (let b = 0; b < keep; b++) out[o++] = pixels[p + b] as number;
  return out;
}

/**
 * 8-bit sRGB pixels of `image`, with `channels` bands when given (the decode's
 * {@link rasterChannels}: bands past them dropped), else as they come (3, or 4 with alpha).
 */
async function toRaw(image: Sharp, channels?: 3 | 4): Promise<RawImage> {
  const { data, info } = await image
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const pages = info.pages ?? 1;
  const bands = info.channels as number;
  const want = channels ?? (bands === 4 ? 4 : 3);
  if (bands < want) throw new Error(`decoded ${bands} bands where ${want} were expected`);
  return {
    data: bands === want ? data : firstBands(data, bands, want),
    width: info.width,
    height: info.pageHeight ?? info.height / pages,
    channels: want,
    pages,
    ...(bands === want ? {} : { droppedBands: bands - want }),
  };
}

/** The one decode: oriented, sRGB, 8-bit, at `size` (libvips shrinks on load where it can). */
async function decode(
  input: Uint8Array,
  facts: ImageFacts,
  size: Size,
  allFrames: boolean,
  policy: InputPolicy,
): Promise<RawImage> {
  const resize = !sameSize(size, facts);
  try {
    if (facts.format === 'heif') {
      const pixels = await decodeHeif(input, facts, policy);
      const raw: RawImage = { ...pixels, pages: 1 };
      if (!resize && raw.channels === rasterChannels(facts)) return raw;
      let image = fromRaw(raw, false);
      if (rasterChannels(facts) === 3) image = image.removeAlpha();
      if (resize) image = image.resize(size.width, size.height, { fit: 'fill' });
      return await toRaw(image, rasterChannels(facts));
    }
    return await toRaw(readOriginal(input, facts, size, allFrames, policy), rasterChannels(facts));
  } catch (error) {
    throw decodeFailure(error, facts.format);
  }
}

/**
 * The original read by libvips (not HEIF: see `decodeHeif`), oriented, at `size`, sRGB: the
 * steps of the one decode, and of {@link runStillVariant}'s encode, which streams them.
 */
function readOriginal(input: Uint8Array, facts: ImageFacts, size: Size, allFrames: boolean, policy: InputPolicy): Sharp {
  let image = sharp(input, {
    failOn: 'error',
    limitInputPixels: policy.maxPixels,
    autoOrient: true,
    pages: allFrames ? -1 : 1,
  });
  // A resize here lets libvips decode JPEG at 1/2, 1/4, 1/8 scale and WebP at any scale.
  if (!sameSize(size, facts)) image = image.resize(size.width, size.height, { fit: 'fill' });
  return image.toColourspace('srgb');
}

type EncoderSettings =
  | { format: 'webp'; quality: number; effort: number; preset?: WebpPresetName; loop?: number; delay?: number[] }
  | { format: 'avif'; quality: number; effort: number; chromaSubsampling: '4:2:0' | '4:4:4' }
  | { format: 'jpeg'; quality: number; progressive: boolean; mozjpeg: boolean; background: string }
  | { format: 'png' };

function encodeAs(image: Sharp, settings: EncoderSettings, hasAlpha: boolean): Sharp {
  switch (settings.format) {
    case 'webp': {
      const { quality, effort, preset, loop, delay } = settings;
      return image.webp({ quality, effort, ...(preset ? { preset } : {}), ...(loop === undefined ? {} : { loop }), ...(delay ? { delay } : {}) });
    }
    case 'avif':
      return image.avif({
        quality: settings.quality,
        effort: settings.effort,
        chromaSubsampling: settings.chromaSubsampling,
      });
    case 'jpeg': {
      const flat = hasAlpha ? image.flatten({ background: settings.background }) : image;
      return flat.jpeg({ quality: settings.quality, progressive: settings.progressive, mozjpeg: settings.mozjpeg });
    }
    case 'png':
      return image.png();
  }
}

async function encode(image: Sharp, what: string): Promise<Buffer> {
  try {
    return await image.toBuffer();
  } catch (error) {
    throw encodeFailure(error, what);
  }
}

function encoded(format: OutputFormat, data: Buffer, size: Size) {
  return { format, contentType: contentTypeOf(format), data, width: size.width, height: size.height, size: data.length };
}

async function makeVariant(
  raw: RawImage,
  plan: VariantPlan,
  options: CompressOptions,
  animation: { loop?: number; delay?: number[] },
  originalSize: number,
): Promise<CompressedVariant> {
  const animated = plan.format === 'webp' && raw.pages > 1;
  const settingsAt = encoderSettingsOf(plan.format, options);
  const fixed = options[plan.format].quality;
  const auto = fixed === 'auto' ? await chooseQuality(raw, plan.format, settingsAt, options) : undefined;
  const quality = auto?.quality ?? (fixed as number);
  let image = fromRaw(raw, animated);
  if (!sameSize(plan, raw)) image = image.resize(plan.width, plan.height, { fit: 'fill' });
  const settings = { ...settingsAt(quality, auto?.preset), ...(animated ? animation : {}) } as EncoderSettings;
  const data = await encode(encodeAs(image, settings, keepsAlpha(raw)), `${plan.format} variant`);
  const savingsPercent = Math.round((1 - data.length / originalSize) * 1000) / 10;
  const preset = settings.format === 'webp' ? settings.preset : undefined;
  return {
    ...encoded(plan.format, data, plan),
    savingsPercent,
    quality,
    ...(auto ? { ssimulacra2: auto.score } : {}),
    ...(preset ? { preset } : {}),
  };
}

/** A variant format's encoder settings at a quality (and WebP preset), from the compress options. */
function encoderSettingsOf(format: VariantPlan['format'], options: CompressOptions) {
  return (quality: number, preset?: WebpPresetName): EncoderSettings =>
    format === 'webp'
      ? { format: 'webp', ...options.webp, quality, ...(preset ? { preset } : {}) }
      : format === 'avif'
        ? { format: 'avif', ...options.avif, quality }
        : { format: 'jpeg', ...options.jpeg, quality, background: options.background };
}

/**
 * `quality: 'auto'` (`quality/auto-quality.ts`): the lowest quality whose SSIMULACRA2 on a
 * proxy of the decoded pixels (full-resolution tiles; an animation's first frame) meets the
 * format's target, each probe encoded with the variant's own encoder settings; for WebP with
 * no fixed `preset`, the preset too, among `autoQuality.webp.presets` (`searchQualityAcross`).
 */
async function chooseQuality(
  raw: RawImage,
  format: VariantPlan['format'],
  settingsAt: (quality: number, preset?: WebpPresetName) => EncoderSettings,
  options: CompressOptions,
): Promise<QualityChoice & { preset?: WebpPresetName }> {
  const frame = raw.data.subarray(0, raw.width * raw.height * raw.channels);
  const knobs = options.autoQuality[format];
  const proxy = proxyOf({ data: frame, width: raw.width, height: raw.height, channels: raw.channels }, knobs.proxyPixels);
  const what = `${format} quality probe`;
  const toSharp = (tile: RawPixels): Sharp =>
    sharp(tile.data, { raw: { width: tile.width, height: tile.height, channels: tile.channels } });
  const codecAt = (preset?: WebpPresetName): ProxyCodec => ({
    encode: (tile, quality) => encode(encodeAs(toSharp(tile), settingsAt(quality, preset), keepsAlpha(tile)), what),
    decode: async (bytes, tile) => {
      try {
        const decoded = sharp(bytes);
        const { data, info } = await (keepsAlpha(tile) ? decoded.ensureAlpha() : decoded.removeAlpha())
          .raw()
          .toBuffer({ resolveWithObject: true });
        return { data, width: info.width, height: info.height, channels: tile.channels };
      } catch (error) {
        throw encodeFailure(error, what);
      }
    },
  });
  // WebP with no fixed preset: the search chooses among the knob's presets (one: no choice).
  const presets = format === 'webp' && options.webp.preset === undefined ? options.autoQuality.webp.presets : [];
  if (presets.length > 1) {
    const offsets = presetTargetOffsets(presets);
    const choice = await searchQualityAcross(
      proxy,
      presets.map((preset, i) => ({ config: preset, codec: codecAt(preset), targetOffset: offsets[i] ?? 0 })),
      knobs,
      format,
      options.scorer,
    );
    return { ...choice, preset: choice.config };
  }
  const [only] = presets;
  return { ...(await searchQuality(proxy, codecAt(only), knobs, format, options.scorer)), ...(only ? { preset: only } : {}) };
}

/**
 * A lossless WebP of the decoded pixels (every frame of an animation), when it fits WebP's
 * size limit; undefined otherwise (the original is then handed back as it is).
 */
async function makeLossless(
  raw: RawImage,
  animation: { loop?: number; delay?: number[] },
  originalSize: number,
): Promise<CompressedVariant | undefined> {
  const limit = MAX_OUTPUT_DIMENSION.webp;
  if (raw.width > limit || raw.height > limit) return undefined;
  const animated = raw.pages > 1;
  const { loop, delay } = animation;
  const image = fromRaw(raw, animated).webp({
    lossless: true,
    effort: 4,
    ...(animated && loop !== undefined ? { loop } : {}),
    ...(animated && delay ? { delay } : {}),
  });
  const data = await encode(image, 'lossless webp');
  const savingsPercent = Math.round((1 - data.length / originalSize) * 1000) / 10;
  return { ...encoded('webp', data, raw), savingsPercent };
}

async function makeRendition(
  source: RawImage,
  plan: RenditionPlan,
  background: string,
  letterbox: string,
): Promise<RenditionResult[]> {
  const { rendition } = plan;
  let image = fromRaw(source, false);
  if (plan.band) {
    // sharp extends after resizing: crop the band from the salient region, then pad it to the box.
    const top = Math.floor((plan.height - plan.band.height) / 2);
    const left = Math.floor((plan.width - plan.band.width) / 2);
    image = image
      .resize(plan.band.width, plan.band.height, { fit: 'cover', position: rendition.position })
      .extend({
        top,
        bottom: plan.height - plan.band.height - top,
        left,
        right: plan.width - plan.band.width - left,
        background: letterbox,
      });
  } else if (rendition.fit === 'cover') {
    image = image.resize(plan.width, plan.height, { fit: 'cover', position: rendition.position });
  } else if (rendition.fit === 'contain') {
    image = image.resize(plan.width, plan.height, { fit: 'contain', background });
  } else if (!sameSize(plan, source)) {
    // inside/outside/fill: the exact size is planned already.
    image = image.resize(plan.width, plan.height, { fit: 'fill' });
  }
  const formats = renditionFormats(rendition);
  // The shared source as it is (the largest `inside` rendition, usually): every encoder reads it, no copy.
  const untouched = !plan.band && (rendition.fit === 'inside' || rendition.fit === 'outside' || rendition.fit === 'fill') && sameSize(plan, source);
  // Resize once per rendition: with more than one format, the resized pixels are kept and every encoder reads them.
  let resized: RawImage | undefined = untouched && formats.length > 1 ? source : undefined;
  if (formats.length > 1 && !resized) {
    try {
      resized = await toRaw(image);
    } catch (error) {
      throw encodeFailure(error, `rendition ${plan.name}`);
    }
  }
  const hasAlpha = keepsAlpha(resized ?? source);
  // Primary format first (the contracts' ThumbnailsGenerated v3 relies on it), then `alsoAs`.
  return Promise.all(
    formats.map(async (format) => {
      const settings: EncoderSettings =
        format === 'jpeg'
          ? { format: 'jpeg', quality: rendition.quality, progressive: rendition.progressive, mozjpeg: false, background }
          : format === 'webp'
            ? { format: 'webp', quality: rendition.quality, effort: rendition.webpEffort ?? DEFAULT_RENDITION_WEBP_EFFORT }
            : format === 'avif'
              ? { format: 'avif', quality: rendition.quality, effort: 4, chromaSubsampling: '4:2:0' }
              : { format: 'png' };
      const input = resized ? fromRaw(resized, false) : image;
      const data = await encode(encodeAs(input, settings, hasAlpha), `rendition ${plan.name} (${format})`);
      return { name: plan.name, ...encoded(format, data, plan) };
    }),
  );
}

/**
 * The renditions' common source: the decoded pixels, or (when they are much larger than
 * the renditions need) one downscale of them that every rendition then shares.
 */
async function renditionSource(raw: RawImage, need: Size): Promise<RawImage> {
  const first: RawImage =
    raw.pages > 1 ? { ...raw, data: raw.data.subarray(0, raw.width * raw.height * raw.channels), pages: 1 } : raw;
  if (need.width * need.height * 2 > raw.width * raw.height) return first;
  try {
    return await toRaw(fromRaw(first, false).resize(need.width, need.height, { fit: 'fill' }));
  } catch (error) {
    throw encodeFailure(error, 'rendition source');
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/** Runs one job: inspect, plan, decode once, encode every output concurrently. @internal */
export async function runPipeline(input: Uint8Array, request: PipelineRequest): Promise<PipelineResult> {
  const start = performance.now();
  const { facts, loop, delay, carriesMetadata } = await inspect(input, request.policy);
  const original: OriginalImage = {
    format: facts.format,
    size: facts.size,
    width: facts.width,
    height: facts.height,
    animated: facts.animated,
    carriesMetadata,
    space: facts.space,
  };
  const compressOptions = request.compress;
  const variantPlans = compressOptions ? planVariants(facts, compressOptions) : [];
  const renditionPlans = request.renditionSet
    ? Object.entries(request.renditionSet.renditions).map(([name, r]) => planRendition(facts, name, r))
    : [];
  const renditionNeed = largest(renditionPlans.map((p) => p.need));
  const variantNeed = largest(variantPlans);
  const decodeSize = variantNeed ?? renditionNeed ?? facts;
  const allFrames = facts.animated && variantPlans.length > 0;
  const raw = await decode(input, facts, decodeSize, allFrames, request.policy);
  const decodeMs = performance.now() - start;

  const compressJob = timed(async () => {
    if (!compressOptions) return { variants: [], lossless: undefined };
    const variants = await Promise.all(
      variantPlans.map((plan) => makeVariant(raw, plan, compressOptions, { loop, delay }, facts.size)),
    );
    const lossless = wantsLosslessCandidate(original, candidatesOf(original, variants))
      ? await makeLossless(raw, { loop, delay }, facts.size)
      : undefined;
    return { variants, lossless };
  });
  const renditionsJob = timed(async () => {
    if (!renditionNeed) return { renditions: [], placeholder: undefined, placeholderMs: 0, renditionMs: {} };
    const source = await renditionSource(raw, renditionNeed);
    const wanted = request.placeholder !== false;
    const made = wanted || renditionPlans.some((plan) => plan.band) ? await timed(() => makePlaceholder(source, facts)) : undefined;
    const background = request.background ?? compressOptions?.background ?? DEFAULT_BACKGROUND;
    // Largest first: the encoders share libuv's few threads in the order they are queued, and the
    // largest rendition's encodes (the 1600 px display WebP) are the longest, so they start at once
    // instead of behind the small ones. The results keep the set's order.
    const order = renditionPlans.map((plan, i) => ({ plan, i })).sort((a, b) => b.plan.width * b.plan.height - a.plan.width * a.plan.height);
    const started = new Array<Promise<{ value: RenditionResult[]; ms: number }>>(renditionPlans.length);
    for (const { plan, i } of order) {
      started[i] = timed(() => makeRendition(source, plan, background, plan.band ? (made?.value.dominantColour ?? background) : background));
    }
    const each = await Promise.all(started);
    const renditionMs = Object.fromEntries(renditionPlans.map((plan, i) => [plan.name, Math.round(each[i]?.ms ?? 0)]));
    return {
      renditions: each.flatMap((e) => e.value),
      placeholder: wanted ? made?.value : undefined,
      placeholderMs: made?.ms ?? 0,
      renditionMs,
    };
  });
  const [compressed, rendered] = await Promise.all([compressJob, renditionsJob]);
  return {
    facts,
    variants: compressed.value.variants,
    renditions: rendered.value.renditions,
    ...(rendered.value.placeholder ? { placeholder: rendered.value.placeholder } : {}),
    original,
    ...(compressed.value.lossless ? { lossless: compressed.value.lossless } : {}),
    timings: {
      decodeMs,
      compressMs: compressed.ms,
      renditionsMs: rendered.ms,
      placeholderMs: rendered.value.placeholderMs,
      totalMs: performance.now() - start,
    },
    renditionMs: rendered.value.renditionMs,
  };
}

/**
 * From this many pixels, {@link runStillVariant} asks the scorer to rest before its full-size
 * encode. An AVIF encode holds ~20 MiB a megapixel (aom's buffers, libheif's frame copies;
 * tools/local/README.md, "Memory"): from 4 MP it is the local runtime's peak, beside which the
 * scoring thread's ~25 MiB is worth giving back; below it, the thread's restart for the next
 * image (~0.25 s of CPU: tsx and the metric's module) would cost more than the peak it lowers.
 */
export const REST_SCORER_FROM_PIXELS = 4_000_000;

/** What {@link runStillVariant} (`compressStill`) made: the variant, or nothing for an animated original. */
export type StillVariantResult =
  | { readonly kind: 'encoded'; readonly facts: ImageFacts; readonly variant: CompressedVariant }
  | { readonly kind: 'animated'; readonly facts: ImageFacts };

/**
 * One full-size variant of a still image with `quality: 'auto'` and nothing else (the AVIF step
 * after `ImageProcessed`), at the least memory: the decoded raster serves only the quality
 * search's proxy and is dropped before the full-size encode, which libvips streams from the
 * original through the same orientation, resize and sRGB steps as the one decode
 * ({@link readOriginal}), so the encoder sees the same pixels and writes the same bytes as
 * {@link runPipeline} would (held by pipeline.still-variant.spec.ts). A 12 MP raster is 36-48 MB
 * that would otherwise sit beside the AVIF encoder's own ~240 MB (tools/local/README.md, "Memory").
 * The reported score is the search's, on the proxy, as in {@link runPipeline}.
 *
 * An animated original is reported as such (`kind: 'animated'`) from the one inspect, and
 * nothing is decoded: a still variant would hold its first frame only.
 *
 * Falls back to {@link runPipeline} (its first variant) where streaming does not apply: a fixed
 * quality (there is no decode before the encode to classify a corrupt input as such), a HEIF
 * original (decoded in WebAssembly, not by libvips). An original with bands past sRGB and alpha
 * (a TIFF's extra samples) is encoded from the search's raster, which dropped them as every
 * output does ({@link rasterChannels}); the streamed read would carry them to the encoder.
 * Makes no lossless candidate. @internal
 */
export async function runStillVariant(input: Uint8Array, policy: InputPolicy, options: CompressOptions): Promise<StillVariantResult> {
  const { facts } = await inspect(input, policy);
  const [plan, ...more] = planVariants(facts, options);
  if (!plan || more.length > 0) throw new RangeError('runStillVariant: exactly one format');
  if (facts.animated) return { kind: 'animated', facts };
  if (options[plan.format].quality !== 'auto' || facts.format === 'heif') {
    const result = await runPipeline(input, { policy, compress: options });
    const [variant] = result.variants;
    if (!variant) throw new Error(`runStillVariant: image-ops made no ${plan.format} variant`);
    return { kind: 'encoded', facts: result.facts, variant };
  }
  const settingsAt = encoderSettingsOf(plan.format, options);
  // The raster lives only inside this call (unless the decode dropped bands): after it, nothing holds it but garbage.
  const search = async () => {
    const raw = await decode(input, facts, plan, false, policy);
    const auto = await chooseQuality(raw, plan.format, settingsAt, options);
    return { auto, channels: raw.channels, kept: raw.droppedBands === undefined ? undefined : raw };
  };
  const { auto, channels, kept } = await search();
  // Nothing is scored until the next image: before a large encode, the step's peak, a scorer
  // that keeps a thread (its own V8 heap) lets it go (tools/local/README.md, "Memory").
  if (plan.width * plan.height >= REST_SCORER_FROM_PIXELS) await options.scorer?.rest?.();
  // Free it now, not whenever V8 next collects (its size barely counts toward V8's heap), and
  // give glibc's free pages back: a no-op without `--expose-gc` or glibc (runtime.ts).
  if (!kept) releaseFreedMemory({ collectGarbage: true });
  const settings = settingsAt(auto.quality, auto.preset);
  const source = kept ? fromRaw(kept, false) : readOriginal(input, facts, plan, false, policy);
  // The input was decoded whole (failOn 'error') for the search: a failure now is the encoder's.
  const data = await encode(encodeAs(source, settings, keepsAlpha({ channels })), `${plan.format} variant`);
  const preset = settings.format === 'webp' ? settings.preset : undefined;
  return {
    kind: 'encoded',
    facts,
    variant: {
      ...encoded(plan.format, data, plan),
      savingsPercent: Math.round((1 - data.length / facts.size) * 1000) / 10,
      quality: auto.quality,
      ssimulacra2: auto.score,
      ...(preset ? { preset } : {}),
    },
  };
}
