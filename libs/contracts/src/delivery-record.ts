/**
 * `@imgpipe/contracts/delivery-record`: THE delivery record — what the product hands back to
 * the team that puts an image on a page. Declared once, here, with `zod/mini` so the browser
 * bundle can take it: `ImageProcessed` v2 carries it (strictly validated), the read model and
 * `GET /images/{id}` carry it (`ImageRecordViewSchema.delivery`, read tolerantly), and the
 * webhook payload is the event's data. The builders (URLs, `srcset`, `<picture>`) are
 * `@imgpipe/delivery`'s `buildDeliveryRecord`; nothing else assembles one.
 *
 * Every URL is absolute: the CDN base (the CloudFront domain on AWS, the local server's
 * `/cdn` under `npm start`) + the object key. Every key carries the run's version segment
 * (`compressed/{user}/{image}/{version}/full.webp`), so a URL never changes its bytes.
 */
import * as z from 'zod/mini';
import { OUTPUT_FORMATS, WEBP_PRESETS } from './vocabulary';

/**
 * Which file is handed back (image-ops' honest output): `encoded`, a lossy variant;
 * `original`, the uploaded bytes unchanged (copied to the versioned derivative key);
 * `lossless`, a lossless WebP re-encode of the original's pixels.
 */
export const DELIVERY_KINDS = ['encoded', 'original', 'lossless'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

/** A version segment of a derivative key: 1-64 of `A-Z a-z 0-9 _ -` (a content hash's prefix). */
export const DELIVERY_VERSION_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const pixels = z.int().check(z.positive(), z.maximum(1_000_000));
const bytes = z.int().check(z.nonnegative());
const url = z.string().check(z.minLength(1), z.maxLength(2048), z.regex(/^(?:https?:\/\/|\/)[!-~]*$/, 'must be an absolute URL or a root-relative path, printable ASCII'));
const key = z.string().check(z.minLength(1), z.maxLength(1024));
const format = z.enum(OUTPUT_FORMATS);

/** One file a page can point at: a full-size variant or a rendition. */
export const DeliveryFileSchema = z.object({
  /** CDN base + key: immutable, cacheable for a year. */
  url,
  /** The processed bucket's object key. */
  key,
  format,
  width: pixels,
  height: pixels,
  bytes,
});
export type DeliveryFile = z.output<typeof DeliveryFileSchema>;

/** A rendition: a {@link DeliveryFileSchema} with the rendition's name (`small`, `card` ...). */
export const DeliveryRenditionSchema = z.extend(DeliveryFileSchema, {
  name: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
});
export type DeliveryRendition = z.output<typeof DeliveryRenditionSchema>;

/**
 * A full-size variant: a {@link DeliveryFileSchema} and whether it plays an animation. Absent in
 * records built before it was recorded (a GIF variant may then be animated).
 */
export const DeliveryVariantSchema = z.extend(DeliveryFileSchema, {
  animated: z.optional(z.boolean()),
});
export type DeliveryVariant = z.output<typeof DeliveryVariantSchema>;

/** What a page shows while the image loads (image-ops' placeholder, from the decoded image). */
export const DeliveryPlaceholderSchema = z.object({
  /** ThumbHash, standard base64 (at most 25 bytes). */
  thumbHash: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9+/]+={0,2}$/)),
  /** `#rrggbb`: a CSS `background-color`. */
  dominantColour: z.string().check(z.regex(/^#[0-9a-f]{6}$/)),
  /** Width / height: a CSS `aspect-ratio`. */
  aspectRatio: z.number().check(z.positive()),
});
export type DeliveryPlaceholder = z.output<typeof DeliveryPlaceholderSchema>;

/** The full-size file handed back by default, and why it is that one. */
export const DeliveryServedSchema = z.object({
  kind: z.enum(DELIVERY_KINDS),
  format,
  url,
  bytes,
  /** Against the original, one decimal; 0 when the original itself is served. */
  savingsPercent: z.number().check(z.maximum(100)),
  /** The encoder quality (fixed or chosen by `auto`); absent for the original or a lossless file. */
  quality: z.optional(z.int().check(z.minimum(1), z.maximum(100))),
  /** SSIMULACRA2 of the chosen quality (100 = identical) when `auto` chose it. */
  ssimulacra2: z.optional(z.number()),
  /** The WebP preset the encoder used (fixed or chosen by `auto`), when one was set. */
  preset: z.optional(z.enum(WEBP_PRESETS)),
});
export type DeliveryServed = z.output<typeof DeliveryServedSchema>;

/**
 * THE delivery record. `formats` lists the full-size formats that exist (the CDN negotiates
 * only among them: `negotiatedUrl` names them); `srcset` has one entry per format that has
 * files of the full image's shape; `picture` is ready markup with `width`/`height`.
 */
export const DeliveryRecordSchema = z.object({
  /** The run's version segment, shared by every key below. */
  version: z.string().check(z.regex(DELIVERY_VERSION_PATTERN)),
  served: DeliveryServedSchema,
  /** Full-size formats that exist, best compression first. */
  formats: z.array(format).check(z.minLength(1), z.maxLength(4)),
  /** One URL for the full-size image whose format the CDN picks from `Accept` among `formats`. */
  negotiatedUrl: url,
  /** Full-size files, one per format in `formats`. */
  variants: z.array(DeliveryVariantSchema).check(z.minLength(1), z.maxLength(8)),
  renditions: z.array(DeliveryRenditionSchema).check(z.maxLength(32)),
  /** Format -> `srcset` (`url 300w, url 1200w ...`) over the files of the full image's shape. */
  srcset: z.partialRecord(format, z.string().check(z.maxLength(16_384))),
  /** A `<picture>` element (AVIF/WebP `<source>`s, an `<img>` with width/height, lazy) for the record's files. */
  picture: z.string().check(z.maxLength(32_768)),
  placeholder: z.optional(DeliveryPlaceholderSchema),
});
export type DeliveryRecord = z.output<typeof DeliveryRecordSchema>;
