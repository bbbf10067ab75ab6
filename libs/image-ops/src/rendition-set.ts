/**
 * Rendition sets: what to make, validated, named and versioned. No sharp here, so services
 * that only need a set's version (ingest) do not load the image engine.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ENCODED_FORMATS, type EncodedFormat } from './formats';

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

/** A rendition's WebP effort when it names none (sharp's default), which the sets made before `webpEffort` were encoded with. */
export const DEFAULT_RENDITION_WEBP_EFFORT = 4;

/** Largest rendition side: renditions are thumbnails and display sizes, not full images. */
export const MAX_RENDITION_DIMENSION = 4096;
/** Most renditions in one set. */
export const MAX_RENDITIONS = 20;
/**
 * Most files one set makes (each rendition once per format: `format` plus `alsoAs`): what
 * `ThumbnailsGenerated` and the delivery record carry at most (the contracts' `LIMITS.renditions`).
 */
export const MAX_RENDITION_FILES = 32;

/**
 * What `cover` does with an image far wider or taller than its box: a square crop of a
 * 10000x783 panorama keeps 1/13 of it, so beyond `beyond` (4: the image's aspect is more
 * than 4 times the box's, a panorama past 4:1 in a square card) the card shows a band of
 * `band` times the box's aspect (2: a 2:1 band in a square card), cover-cropped from the
 * salient region at `position`, centred in the box and letterboxed with the image's
 * dominant colour. The card keeps the box's size, so a grid stays even, and shows twice
 * as much of the panorama as a square crop would, visibly as a wide image.
 */
export const extremeAspectSchema = z
  .object({
    beyond: z.number().min(1).max(100).default(4),
    band: z.number().min(1).max(100).default(2),
  })
  .strict()
  .refine((e) => e.band <= e.beyond, { message: 'band must not exceed beyond' });
/** {@link extremeAspectSchema}, defaults applied. */
export type ExtremeAspect = z.output<typeof extremeAspectSchema>;

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
    /** The rendition's primary format: the universal fallback of a `<picture>` (JPEG by default). */
    format: z.enum(ENCODED_FORMATS).default('jpeg'),
    /**
     * More formats the same resized pixels are also encoded in (resize once, encode once per
     * format), e.g. `['webp']`, so each format's `srcset` offers sizes. Same quality number.
     * Optional without a default, so sets that do not use it keep their version.
     */
    alsoAs: z
      .array(z.enum(ENCODED_FORMATS))
      .min(1)
      .max(ENCODED_FORMATS.length - 1)
      .refine((formats) => new Set(formats).size === formats.length, { message: 'formats must be unique' })
      .optional(),
    /** Encoder quality 1-100 (PNG is lossless and ignores it). */
    quality: z.number().int().min(1).max(100).default(80),
    /** Progressive JPEG (other formats ignore it). */
    progressive: z.boolean().default(false),
    /**
     * WebP encoder effort 0-6 (libwebp's `method`; other formats ignore it). Absent: 4, sharp's
     * default. Optional without a default, so sets that do not use it keep their version, and a
     * set that changes it gets a new one (its bytes change).
     */
    webpEffort: z.number().int().min(0).max(6).optional(),
    /** Crop anchor for `cover`. */
    position: z.enum(RENDITION_POSITIONS).default('centre'),
    /**
     * `cover` only: letterbox a band of the salient region instead of cropping an image
     * far wider or taller than the box (see {@link extremeAspectSchema}). Absent: always crop.
     * Optional without a default, so sets that do not use it keep their version.
     */
    extremeAspect: extremeAspectSchema.optional(),
  })
  .strict()
  .refine((r) => r.extremeAspect === undefined || r.fit === 'cover', {
    message: 'extremeAspect applies to fit "cover" only',
    path: ['extremeAspect'],
  })
  .refine((r) => !r.alsoAs?.includes(r.format), {
    message: 'alsoAs must not repeat the rendition\'s format',
    path: ['alsoAs'],
  });

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
      })
      .refine((r) => renditionFileCount(Object.values(r)) <= MAX_RENDITION_FILES, {
        message: `expected at most ${MAX_RENDITION_FILES} files (each rendition counts once per format)`,
      }),
  })
  .strict();

/** The formats a rendition is written in: its primary `format` first, then `alsoAs`. */
export function renditionFormats(rendition: Pick<Rendition, 'format' | 'alsoAs'>): EncodedFormat[] {
  return [rendition.format, ...(rendition.alsoAs ?? [])];
}

function renditionFileCount(renditions: readonly Pick<Rendition, 'format' | 'alsoAs'>[]): number {
  return renditions.reduce((sum, r) => sum + renditionFormats(r).length, 0);
}

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

/**
 * Sharp's smart crop for cards. Compared by eye on the bench's 13 photos and the repo's
 * fixture (square 300 px crops of each, centre vs `attention` vs `entropy`; see
 * tools/bench/README.md, "gallery"): `attention` (libvips' skin tone, saturation and
 * luminance-edge saliency) kept the face of the portrait phone photo that both `centre`
 * and `entropy` beheaded, and centred the subject of the still life and the fixture;
 * `entropy` (busiest region) won twice, on a window with two dogs and on a backlit
 * dandelion where `attention` chased the bright sky. Landscapes came out alike. Attention
 * fails on highlights, entropy on faces and detailed backgrounds; a gallery of uploads is
 * mostly people and subjects, so `attention` it is.
 */
export const CARD_CROP_POSITION: RenditionPosition = 'attention';

function card(size: number): Rendition {
  return {
    width: size,
    height: size,
    fit: 'cover',
    format: 'jpeg',
    quality: 80,
    progressive: true,
    position: CARD_CROP_POSITION,
    extremeAspect: { beyond: 4, band: 2 },
  };
}

/**
 * The gallery set's WebP effort. Measured (2026-12-05, idle 2-core machine, libvips 2 threads)
 * on `npm run bench`'s 8 photos of 6-20 MP, the whole gallery set per photo, median of 3,
 * image-ops' `renditionsMs` summed; WebP bytes of all five renditions summed; SSIMULACRA2 of
 * the 1600 px display WebP against the original scaled to it (mean / worst):
 *
 * | effort | renditions ms | display WebP ms | WebP bytes | display score |
 * |---|---|---|---|---|
 * | 0 | 1127 | 914 | 2,719,550 (+16%) | 75.2 / 70.9 |
 * | 1 | 1263 | 1092 | 2,577,806 (+10%) | 75.2 / 70.9 |
 * | **2** | **1411** | **1277** | **2,402,976 (+2.5%)** | **74.9 / 70.3** |
 * | 3 | 2324 | 2200 | 2,340,490 | 75.3 / 71.2 |
 * | 4 (before) | 2194 | 2054 | 2,343,810 | 75.4 / 71.1 |
 *
 * 2 is the knee: the renditions take 36% less time for 2.5% more bytes at the same distance
 * (below 2, bytes grow 4-6x faster than time falls). The display WebP was the thumbnail task's
 * long pole, what a user waited for before the first thumbnail; since the set is split
 * ({@link splitRenditionSet}) compress makes it, beside the full-size encodes (issue 13).
 */
export const GALLERY_WEBP_EFFORT = 2;

/** A rendition also written as WebP: what a browser that takes WebP loads, with the JPEG as its fallback. */
function withWebp(rendition: Rendition): Rendition {
  return { ...rendition, alsoAs: ['webp'], webpEffort: GALLERY_WEBP_EFFORT };
}

/**
 * The default set plus what a gallery and an image page need: `card`, a 400 px square
 * cover with smart crop (a 200 CSS px card at 2x; a panorama past 4:1 gets a 2:1 band of
 * its salient region, letterboxed), and `display`, 1600 px inside, for the image page
 * (a `srcset` entry between `large` and the full-size variant). Every rendition is written
 * in JPEG (the universal fallback) and WebP from one resize, so the delivery record's WebP
 * `srcset` and `<picture>` `<source>` offer sizes too, not only the full-size WebP; the WebP at
 * effort {@link GALLERY_WEBP_EFFORT}.
 */
export const GALLERY_RENDITION_SET: RenditionSet = {
  name: 'gallery',
  renditions: {
    small: withWebp(square(150)),
    medium: withWebp(square(300)),
    large: withWebp(square(600)),
    card: withWebp(card(400)),
    display: withWebp({ width: 1600, height: 1600, fit: 'inside', format: 'jpeg', quality: 82, progressive: true, position: 'centre' }),
  },
};

/** The preset names `RENDITION_SET` and {@link resolveRenditionSet} accept. */
export const RENDITION_SET_PRESET_NAMES = ['default', 'marketplace', 'gallery'] as const;
/** One of {@link RENDITION_SET_PRESET_NAMES}. */
export type RenditionSetPresetName = (typeof RENDITION_SET_PRESET_NAMES)[number];

/**
 * The preset `RENDITION_SET` means when it is not set: `gallery`, so every deployment gets the
 * smart-cropped `card` for gallery grids and the `display` size the image page's `srcset` picks
 * (issue 11) on top of the seed's three. Ingest and thumbnail both default to it, so they agree
 * on the rendition-set version.
 */
export const DEFAULT_RENDITION_SET_PRESET: RenditionSetPresetName = 'gallery';

/** The presets by name. */
export const RENDITION_SET_PRESETS: Readonly<Record<RenditionSetPresetName, RenditionSet>> = {
  default: DEFAULT_RENDITION_SET,
  marketplace: MARKETPLACE_RENDITION_SET,
  gallery: GALLERY_RENDITION_SET,
};

const isPresetName = (input: unknown): input is RenditionSetPresetName =>
  (RENDITION_SET_PRESET_NAMES as readonly unknown[]).includes(input);

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
export function resolveRenditionSet(input: RenditionSetPresetName | unknown): RenditionSet {
  if (isPresetName(input)) return RENDITION_SET_PRESETS[input];
  return renditionSetSchema.parse(input);
}

/**
 * The services' rendition variables, one definition for the thumbnail and compress tasks (each
 * makes its share of the set, `splitRenditionSet`) and ingest (the set's version):
 * `RENDITION_SET`, `gallery` (the default), `default`, `marketplace`, or a JSON rendition set
 * inline (`{...}`) or in a file path; `THUMBNAIL_BACKGROUND`, `#rrggbb`, the fill for `contain`
 * and for alpha flattened into a JPEG rendition.
 */
export const renditionEnvShape = {
  RENDITION_SET: z.string().default(DEFAULT_RENDITION_SET_PRESET),
  THUMBNAIL_BACKGROUND: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#ffffff'),
} as const;

/**
 * The longest box side a rendition may have to be made by the thumbnail task, which runs first
 * and is what a user waits for (issue 13: thumbnails visible within 500 ms of the upload). Up
 * to it, libjpeg decodes a 12-24 MP photo at 1/4 or 1/8 scale for the whole set: on the bench
 * machine the gallery set without `display` takes ~70 ms of image work on a 13 MP JPEG instead
 * of ~190 ms with it, whose 1600 px box allows no shrink-on-load (sharp keeps a shrink under
 * 3x at full scale) and so costs the full-size decode. A rendition past it (the gallery's
 * `display`) is made by the compress task, from the full-size decode it makes anyway, and
 * arrives with `ImageCompressed` (tools/local/README.md, "Early thumbnails").
 */
export const EARLY_RENDITION_MAX_SIDE = 1024;

/** A rendition set split between the two tasks that make it (see {@link splitRenditionSet}). */
export interface RenditionSetSplit {
  /** The renditions the thumbnail task makes (`ThumbnailsGenerated`): never empty. */
  readonly early: RenditionSet;
  /** The renditions the compress task makes beside the full-size files (`ImageCompressed`), when there are any. */
  readonly late?: RenditionSet;
}

/**
 * Splits a set between the thumbnail task (every rendition whose box fits
 * {@link EARLY_RENDITION_MAX_SIDE}) and the compress task (the larger ones). A set with no
 * rendition that small is not split: the thumbnail task makes it all, as it makes any set
 * whose renditions are all small. Both halves keep the set's name; the set's version
 * ({@link renditionSetVersion}) stays the whole set's.
 */
export function splitRenditionSet(set: RenditionSet): RenditionSetSplit {
  const entries = Object.entries(set.renditions);
  const isLate = ([, r]: [string, Rendition]) => Math.max(r.width, r.height) > EARLY_RENDITION_MAX_SIDE;
  const early = entries.filter((entry) => !isLate(entry));
  const late = entries.filter(isLate);
  if (early.length === 0 || late.length === 0) return { early: set };
  return {
    early: { name: set.name, renditions: Object.fromEntries(early) },
    late: { name: set.name, renditions: Object.fromEntries(late) },
  };
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
 *
 * A set that {@link splitRenditionSet} splits also hashes {@link EARLY_RENDITION_MAX_SIDE}: its
 * early renditions come from a shrink-on-load decode (other pixels than from the full-size one),
 * and the version is what `RecordMetadata` compares to accept the two tasks' shares of one set
 * (`RecordMetadataTaskInputSchema`), so two builds that split it differently never pass as one.
 * A set that is not split keeps the version it had before the split existed.
 */
export function renditionSetVersion(set: RenditionSetInput): string {
  const normalised = renditionSetSchema.parse(set);
  const split = splitRenditionSet(normalised).late ? { earlyMaxSide: EARLY_RENDITION_MAX_SIDE } : {};
  const json = JSON.stringify(canonical({ engine: RENDITION_ENGINE_REVISION, ...split, set: normalised }));
  return `rs-${createHash('sha256').update(json).digest('hex').slice(0, 12)}`;
}

/**
 * Reads a rendition set from configuration: `default`, `marketplace`, `gallery`, a JSON set inline
 * (`{...}`) or the path of a JSON file. Throws an error naming what is wrong.
 */
export function readRenditionSet(value: string): RenditionSet {
  if (isPresetName(value)) return resolveRenditionSet(value);
  try {
    const text = value.trimStart().startsWith('{') ? value : readFileSync(value, 'utf8');
    return resolveRenditionSet(JSON.parse(text) as unknown);
  } catch (error) {
    throw new Error(
      `RENDITION_SET is not a valid rendition set: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
