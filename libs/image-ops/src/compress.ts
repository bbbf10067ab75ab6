/**
 * `compress`: full-size, web-optimised variants of an image (WebP by default).
 */
import { WEBP_PRESETS, type WebpPresetName } from '@imgpipe/contracts/vocabulary';
import { z } from 'zod';
import { DEFAULT_BACKGROUND, hexColourSchema } from './colour';
import type { OutputContentType, OutputFormat } from './formats';
import { candidatesOf, decideOutput, type OutputDecision } from './honest-output';
import { type PipelineResult, runPipeline, runStillVariant, type StillVariantResult } from './pipeline';
import { DEFAULT_INPUT_POLICY, type InputPolicy } from './policy';
import type { ImageFacts } from './probe';
import {
  type AutoQualityOptions,
  autoQualityOptionsSchema,
  autoWebpQualityOptionsSchema,
  type AutoWebpQualityOptions,
  DEFAULT_AUTO_QUALITY,
} from './quality/auto-quality';
import type { Ssimulacra2Scorer } from './quality/scorer';
import { renditionSetSchema, type RenditionSet } from './rendition-set';
import type { RenditionResult } from './renditions';

/** Formats `compress` can produce. */
export const COMPRESS_FORMATS = ['webp', 'avif', 'jpeg'] as const;
/** One of {@link COMPRESS_FORMATS}. */
export type CompressFormat = (typeof COMPRESS_FORMATS)[number];

/** Encoder profiles: `default` is the seed's settings, `fast` trades ~5% bytes for ~2x WebP speed. */
export const COMPRESS_PROFILES = ['default', 'fast'] as const;
/** One of {@link COMPRESS_PROFILES}. */
export type CompressProfile = (typeof COMPRESS_PROFILES)[number];

/** A fixed encoder quality, or `'auto'`: the lowest that meets the perceptual target (`autoQuality`). */
const quality = z.union([z.number().int().min(1).max(100), z.literal('auto')]);

/**
 * WebP encoder settings: `effort` 0 (fastest) to 6 (smallest); `preset` libwebp's tuning
 * (`WEBP_PRESETS`; unset: libwebp's `default`). With quality `'auto'` and no `preset`, the
 * search chooses the preset too, among `autoQuality.webp.presets`.
 */
export const webpOptionsSchema = z
  .object({ quality, effort: z.number().int().min(0).max(6), preset: z.enum(WEBP_PRESETS).optional() })
  .strict();
/** AVIF encoder settings: `effort` 0 (fastest) to 9 (smallest). */
export const avifOptionsSchema = z
  .object({ quality, effort: z.number().int().min(0).max(9), chromaSubsampling: z.enum(['4:2:0', '4:4:4']) })
  .strict();
/** JPEG encoder settings; `mozjpeg` turns on trellis quantisation and optimised scans (smaller, slower). */
export const jpegOptionsSchema = z.object({ quality, progressive: z.boolean(), mozjpeg: z.boolean() }).strict();

/** Validates {@link CompressOptions}. */
export const compressOptionsSchema = z
  .object({
    /** Variants to make, each at full size (scaled down only past the format's size limit). */
    formats: z.array(z.enum(COMPRESS_FORMATS)).min(1),
    profile: z.enum(COMPRESS_PROFILES),
    webp: webpOptionsSchema,
    avif: avifOptionsSchema,
    jpeg: jpegOptionsSchema,
    /** What alpha is flattened onto where the format has none (JPEG). */
    background: hexColourSchema,
    /** The perceptual search behind `quality: 'auto'`, per format (`quality/auto-quality.ts`). */
    autoQuality: z.object({ webp: autoWebpQualityOptionsSchema, avif: autoQualityOptionsSchema, jpeg: autoQualityOptionsSchema }).strict(),
  })
  .strict();

/**
 * Complete, validated compress settings (build one with {@link resolveCompressOptions}), and
 * where `quality: 'auto'` scores: `scorer`, a port, not a setting (so outside the schema);
 * absent, on the calling thread.
 */
export type CompressOptions = z.infer<typeof compressOptionsSchema> & { readonly scorer?: Ssimulacra2Scorer };

/** What a caller may pass: any part of {@link CompressOptions}, encoder settings field by field. */
export interface CompressOptionsInput {
  formats?: CompressFormat[];
  profile?: CompressProfile;
  webp?: Partial<CompressOptions['webp']>;
  avif?: Partial<CompressOptions['avif']>;
  jpeg?: Partial<CompressOptions['jpeg']>;
  background?: string;
  /** Knobs of `quality: 'auto'`, per format, laid over {@link DEFAULT_AUTO_QUALITY}. */
  autoQuality?: { webp?: Partial<AutoWebpQualityOptions>; avif?: Partial<AutoQualityOptions>; jpeg?: Partial<AutoQualityOptions> };
  /**
   * Where `quality: 'auto'` scores SSIMULACRA2 (`quality/scorer.ts`): chosen by the composition
   * root (the local runtime passes a worker thread's, `@imgpipe/image-ops/scoring-worker`);
   * default on the calling thread.
   */
  scorer?: Ssimulacra2Scorer;
}

/**
 * Encoder settings of each profile. `default` is the seed reference (WebP quality 80,
 * libwebp's default effort 4). `fast` halves the WebP encode (effort 2, ~+5% bytes on a
 * 13 MP photo), and lowers AVIF effort and drops mozjpeg's trellis search likewise.
 */
export const PROFILE_SETTINGS: Readonly<Record<CompressProfile, Pick<CompressOptions, 'webp' | 'avif' | 'jpeg'>>> = {
  default: {
    webp: { quality: 80, effort: 4 },
    avif: { quality: 50, effort: 4, chromaSubsampling: '4:2:0' },
    jpeg: { quality: 80, progressive: true, mozjpeg: true },
  },
  fast: {
    webp: { quality: 80, effort: 2 },
    avif: { quality: 50, effort: 2, chromaSubsampling: '4:2:0' },
    jpeg: { quality: 80, progressive: true, mozjpeg: false },
  },
};

/**
 * The profile's settings with `input` laid over them, validated (throws a `ZodError`).
 *
 * @example
 * ```ts
 * resolveCompressOptions({ formats: ['webp', 'avif'], profile: 'fast', webp: { quality: 75 } });
 * ```
 */
export function resolveCompressOptions(input: CompressOptionsInput = {}): CompressOptions {
  const profile = z.enum(COMPRESS_PROFILES).parse(input.profile ?? 'default');
  const base = PROFILE_SETTINGS[profile];
  const parsed = compressOptionsSchema.parse({
    formats: input.formats ?? ['webp'],
    profile,
    webp: { ...base.webp, ...input.webp },
    avif: { ...base.avif, ...input.avif },
    jpeg: { ...base.jpeg, ...input.jpeg },
    background: input.background ?? DEFAULT_BACKGROUND,
    autoQuality: {
      webp: { ...DEFAULT_AUTO_QUALITY.webp, ...input.autoQuality?.webp },
      avif: { ...DEFAULT_AUTO_QUALITY.avif, ...input.autoQuality?.avif },
      jpeg: { ...DEFAULT_AUTO_QUALITY.jpeg, ...input.autoQuality?.jpeg },
    },
  });
  return { ...parsed, formats: [...new Set(parsed.formats)], ...(input.scorer ? { scorer: input.scorer } : {}) };
}

/** Bytes of one encoded output. */
export interface EncodedImage {
  format: OutputFormat;
  contentType: OutputContentType;
  data: Buffer;
  width: number;
  height: number;
  /** `data.length`. */
  size: number;
}

/** A full-size variant and what it saved. */
export interface CompressedVariant extends EncodedImage {
  /** Bytes saved against the original, in percent, one decimal; negative when it grew. */
  savingsPercent: number;
  /** The encoder quality used: the fixed setting, or what `'auto'` chose; absent for a lossless encode. */
  quality?: number;
  /**
   * With `quality: 'auto'`: the SSIMULACRA2 score (100 = identical) of the chosen quality,
   * measured on the search's proxy (full-resolution tiles of the image). Absent for a fixed quality.
   */
  ssimulacra2?: number;
  /** The WebP encoder preset used: the fixed setting, or what `'auto'` chose; absent when none was set (libwebp's default). */
  preset?: WebpPresetName;
}

/**
 * What to hand back for an image (`honest-output.ts`): never a derivative larger than an
 * original that could be served as it is; the original, or a lossless re-encode when that
 * is smaller, and which of them it is.
 */
export interface CompressOutput extends OutputDecision {
  /** The chosen output's bytes: a variant's, the lossless re-encode's, or the input itself (not copied). */
  data: Uint8Array;
  /** The lossless WebP re-encode, when one was made (only when no lossy variant beat a PNG/GIF original). */
  lossless?: CompressedVariant;
}

/** What {@link compress} returns. */
export interface CompressResult {
  facts: ImageFacts;
  /** Every requested variant, as made (even one larger than the original). */
  variants: CompressedVariant[];
  /** What to hand back: see {@link CompressOutput}. */
  output: CompressOutput;
  /** The renditions asked for with {@link CompressAlongside}, from the same decode; empty otherwise. */
  renditions: RenditionResult[];
}

/**
 * Renditions {@link compress} makes from its own full-size decode, beside the variants (the
 * compress task's share of a rendition set: `splitRenditionSet`'s `late`), as `renditions`
 * makes them: the same resize, encoders and sizes.
 */
export interface CompressAlongside {
  readonly renditionSet: RenditionSet;
  /** What alpha is flattened onto for JPEG renditions, and `contain`'s padding. Default white. */
  readonly background?: string;
}

/** The honest output of a pipeline run that made variants. @internal */
export function compressOutput(input: Uint8Array, result: Pick<PipelineResult, 'original' | 'variants' | 'lossless'>): CompressOutput {
  const decision = decideOutput(result.original, candidatesOf(result.original, result.variants, result.lossless));
  const { chosen } = decision;
  const data =
    chosen.kind === 'original'
      ? input
      : chosen.kind === 'lossless'
        ? result.lossless?.data
        : result.variants.find((v) => v.format === chosen.format)?.data;
  if (!data) throw new Error(`compressOutput: no bytes for the chosen ${chosen.kind} ${chosen.format}`);
  return { ...decision, data, ...(result.lossless ? { lossless: result.lossless } : {}) };
}

/**
 * Full-size web variants of an image: EXIF orientation applied, converted to sRGB (CMYK
 * and wide-gamut inputs look right), every metadata block stripped (GPS never leaks),
 * alpha kept in WebP/AVIF and flattened onto `background` in JPEG, an animated GIF/WebP
 * kept animated in WebP (AVIF and JPEG get its first frame), never upscaled, and scaled
 * down only where the format cannot hold the size (WebP: 16383 px a side).
 *
 * @throws InvalidImageError for input the policy refuses or that cannot be decoded;
 * ImageOpsError (retryable) when an encoder fails.
 * @example
 * ```ts
 * const { facts, variants, output } = await compress(bytes, { formats: ['webp', 'avif'] });
 * output.chosen.kind; // 'encoded' | 'original' | 'lossless': what to hand back, with format and bytes
 * ```
 */
export async function compress(
  input: Uint8Array,
  options: CompressOptionsInput = {},
  policy: InputPolicy = DEFAULT_INPUT_POLICY,
  alongside?: CompressAlongside,
): Promise<CompressResult> {
  const resolved = resolveCompressOptions(options);
  const result = await runPipeline(input, {
    policy,
    compress: resolved,
    ...(alongside
      ? {
          renditionSet: renditionSetSchema.parse(alongside.renditionSet),
          background: hexColourSchema.parse(alongside.background ?? DEFAULT_BACKGROUND),
          // The placeholder is the thumbnail task's.
          placeholder: false,
        }
      : {}),
  });
  return { facts: result.facts, variants: result.variants, output: compressOutput(input, result), renditions: result.renditions };
}

/**
 * One full-size variant of a still image, as {@link compress} makes it, at the least memory:
 * with `quality: 'auto'` the decoded raster serves only the search's proxy and the full-size
 * encode streams from the original (the same pixels and bytes as `compress`; about 40-50 MB
 * less at 12 MP; tools/local/README.md, "Memory"). No lossless candidate, no output decision:
 * for a step that adds one format beside what is served (the AVIF step after `ImageProcessed`).
 * An animated original is answered `kind: 'animated'` from the one inspect, with nothing
 * decoded or encoded (a still variant would hold its first frame only); the caller needs no
 * `probe` of its own.
 *
 * @throws RangeError unless `options.formats` names exactly one format; otherwise as {@link compress}.
 * @example
 * ```ts
 * const made = await compressStill(bytes, { formats: ['avif'], avif: { quality: 'auto', effort: 0 } });
 * if (made.kind === 'encoded') made.variant.size;
 * ```
 */
export async function compressStill(
  input: Uint8Array,
  options: CompressOptionsInput,
  policy: InputPolicy = DEFAULT_INPUT_POLICY,
): Promise<StillVariantResult> {
  return runStillVariant(input, policy, resolveCompressOptions(options));
}

export type { StillVariantResult };
