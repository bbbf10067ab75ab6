/**
 * `renditions`: a named, validated set of resized outputs (thumbnails, marketplace crops).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_BACKGROUND, hexColourSchema } from './colour';
import type { EncodedImage } from './compress';
import { OUTPUT_FORMATS } from './formats';
import { runPipeline } from './pipeline';
import { DEFAULT_INPUT_POLICY, type InputPolicy } from './policy';
import type { ImageFacts } from './probe';

/** How a rendition fits its box; the meanings are sharp's (CSS `object-fit`). */
export const RENDITION_FITS = ['inside', 'cover', 'contain', 'fill', 'outside'] as const;
/** One of {@link RENDITION_FITS}. */
export type RenditionFit = (typeof RENDITION_FITS)[number];

/** Where `cover` crops from: a side/corner, or sharp's `entropy`/`attention` strategies. */
export const RENDITION_POSITIONS = [
  'centre',
  'top',
  'right',
  'bottom',
  'left',
  'right top',
  'right bottom',
  'left bottom',
  'left top',
  'entropy',
  'attention',
] as const;
/** One of {@link RENDITION_POSITIONS}. */
export type RenditionPosition = (typeof RENDITION_POSITIONS)[number];

/** Largest rendition side: renditions are thumbnails and display sizes, not full images. */
export const MAX_RENDITION_DIMENSION = 4096;
/** Most renditions in one set. */
export const MAX_RENDITIONS = 20;

const nameSchema = z.string().regex(/^[a-z0-9-]{1,32}$/, 'expected 1-32 characters of a-z, 0-9 and -');
const dimension = z.number().int().min(1).max(MAX_RENDITION_DIMENSION);

/** Validates one rendition; omitted fields take their defaults. */
export const renditionSchema = z
  .object({
    /** Box width in pixels. */
    width: dimension,
    /** Box height in pixels. */
    height: dimension,
    /** How the image fits the box. Default `inside` (whole image, aspect kept). */
    fit: z.enum(RENDITION_FITS).default('inside'),
    format: z.enum(OUTPUT_FORMATS).default('jpeg'),
    /** Encoder quality 1-100 (PNG is lossless and ignores it). */
    quality: z.number().int().min(1).max(100).default(80),
    /** Progressive JPEG (other formats ignore it). */
    progressive: z.boolean().default(false),
    /** Crop anchor for `cover`. */
    position: z.enum(RENDITION_POSITIONS).default('centre'),
  })
  .strict();

/** One rendition, defaults applied. */
export type Rendition = z.output<typeof renditionSchema>;
/** One rendition as a user may declare it. */
export type RenditionInput = z.input<typeof renditionSchema>;

/** Validates a rendition set: a name and 1-20 named renditions. */
export const renditionSetSchema = z
  .object({
    name: nameSchema,
    renditions: z
      .record(nameSchema, renditionSchema)
      .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= MAX_RENDITIONS, {
        message: `expected 1 to ${MAX_RENDITIONS} renditions`,
      }),
  })
  .strict();

/** A named set of renditions, defaults applied. */
export type RenditionSet = z.output<typeof renditionSetSchema>;
/** A rendition set as a user may declare it. */
export type RenditionSetInput = z.input<typeof renditionSetSchema>;

function square(size: number): Rendition {
  return { width: size, height: size, fit: 'inside', format: 'jpeg', quality: 85, progressive: false, position: 'centre' };
}
function fourByThree(width: number, height: number): Rendition {
  return { width, height, fit: 'cover', format: 'jpeg', quality: 80, progressive: true, position: 'centre' };
}

/** The seed's thumbnails: 150, 300 and 600 px inside a square, JPEG quality 85. */
export const DEFAULT_RENDITION_SET: RenditionSet = {
  name: 'default',
  renditions: { small: square(150), medium: square(300), large: square(600) },
};

/** The seed's marketplace crops: 4:3 at 800x600, 400x300, 200x150, JPEG quality 80, progressive. */
export const MARKETPLACE_RENDITION_SET: RenditionSet = {
  name: 'marketplace',
  renditions: { large: fourByThree(800, 600), medium: fourByThree(400, 300), small: fourByThree(200, 150) },
};

/** The presets by name. */
export const RENDITION_SET_PRESETS: Readonly<Record<'default' | 'marketplace', RenditionSet>> = {
  default: DEFAULT_RENDITION_SET,
  marketplace: MARKETPLACE_RENDITION_SET,
};

/**
 * A preset by name, or a user-declared set validated with {@link renditionSetSchema}
 * (throws a `ZodError` saying what is wrong).
 *
 * @example
 * ```ts
 * resolveRenditionSet('marketplace');
 * resolveRenditionSet({ name: 'shop', renditions: { card: { width: 320, height: 240, fit: 'cover', format: 'webp' } } });
 * ```
 */
export function resolveRenditionSet(input: 'default' | 'marketplace' | unknown): RenditionSet {
  if (input === 'default' || input === 'marketplace') return RENDITION_SET_PRESETS[input];
  return renditionSetSchema.parse(input);
}

/**
 * Bumped when the way renditions are produced changes their pixels, so that every set's
 * version changes and stored renditions are reprocessed.
 */
const RENDITION_ENGINE_REVISION = 1;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * A stable version of a set, `rs-<12 hex>`: a SHA-256 of the set with defaults applied and
 * keys sorted, so reordering keys or spelling out a default keeps it, and any change that
 * alters an output changes it (which is what triggers reprocessing).
 */
export function renditionSetVersion(set: RenditionSetInput): string {
  const normalised = renditionSetSchema.parse(set);
  const json = JSON.stringify(canonical({ engine: RENDITION_ENGINE_REVISION, set: normalised }));
  return `rs-${createHash('sha256').update(json).digest('hex').slice(0, 12)}`;
}

/** One rendition's bytes. */
export interface RenditionResult extends EncodedImage {
  /** The rendition's name in its set. */
  name: string;
}

/** Options of {@link renditions}. */
export interface RenditionOptions {
  /** What alpha is flattened onto for JPEG, and the padding colour of `contain`. Default white. */
  background?: string;
}

/**
 * Every rendition of a set from one decode: JPEG sources shrink on load (libjpeg decodes at
 * 1/2, 1/4 or 1/8 scale when the renditions allow), orientation applied, sRGB, metadata
 * stripped, never upscaled (a small image yields renditions no larger than itself, with
 * the box's aspect kept for `cover`, `contain` and `fill`). An animation's first frame is used.
 *
 * @throws InvalidImageError for input the policy refuses or that cannot be decoded.
 */
export async function renditions(
  input: Uint8Array,
  set: RenditionSet = DEFAULT_RENDITION_SET,
  options: RenditionOptions = {},
  policy: InputPolicy = DEFAULT_INPUT_POLICY,
): Promise<{ facts: ImageFacts; renditions: RenditionResult[] }> {
  const background = hexColourSchema.parse(options.background ?? DEFAULT_BACKGROUND);
  const result = await runPipeline(input, { policy, renditionSet: renditionSetSchema.parse(set), background });
  return { facts: result.facts, renditions: result.renditions };
}
