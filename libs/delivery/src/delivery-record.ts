/*
 * The builders of THE delivery record (`@imgpipe/contracts/delivery-record`): absolute URLs,
 * `srcset` per format and a `<picture>` snippet. Type-only imports, so the CloudFront
 * Function's bundle (which takes this package's barrel) gains no zod.
 */
import type {
  DeliveryFile,
  DeliveryKind,
  DeliveryPlaceholder,
  DeliveryRecord,
  DeliveryRendition,
  DeliveryVariant,
} from '@imgpipe/contracts/delivery-record';
import { OUTPUT_CONTENT_TYPES, type OutputFormatName, type WebpPresetName } from '@imgpipe/contracts/vocabulary';
import { NEGOTIABLE_FORMATS, negotiatedKey, type NegotiableFormat } from './negotiate-image-format';

/** A stored file as the pipeline reports it (`OutputObject`/`RenditionObject` fit). */
export interface StoredFile {
  readonly key: string;
  readonly format: OutputFormatName;
  readonly width: number;
  readonly height: number;
  /** Bytes. */
  readonly size: number;
}

/**
 * A full-size file: a {@link StoredFile} and whether it plays an animation (compress's
 * `CompressedFile.animated`). Absent when whoever made the record did not know (events and
 * records from before it was recorded): a GIF is then taken to be maybe animated.
 */
export interface StoredVariant extends StoredFile {
  readonly animated?: boolean;
}

export interface DeliveryInput {
  /**
   * Prefix of every URL: the CloudFront domain (`https://d123.cloudfront.net`) on AWS, the
   * local server's `/cdn` URL under `npm start`. A trailing `/` is dropped.
   */
  readonly cdnBaseUrl: string;
  readonly userId: string;
  readonly imageId: string;
  /** The run's version segment, in every key below. */
  readonly version: string;
  /** The full-size files that exist (one per format), honest output applied. */
  readonly variants: readonly StoredVariant[];
  readonly renditions: readonly (StoredFile & { readonly name: string })[];
  /** The full-size file handed back by default. */
  readonly served: {
    readonly kind: DeliveryKind;
    readonly format: OutputFormatName;
    readonly savingsPercent: number;
    readonly quality?: number;
    readonly ssimulacra2?: number;
    /** The WebP preset the encoder used (fixed or chosen by `auto`), when one was set. */
    readonly preset?: WebpPresetName;
  };
  readonly placeholder?: DeliveryPlaceholder;
}

/** CDN base + key, the key's segments percent-encoded (a user id may hold characters a URL may not). */
export function deliveryUrl(cdnBaseUrl: string, key: string): string {
  const base = cdnBaseUrl.endsWith('/') ? cdnBaseUrl.slice(0, -1) : cdnBaseUrl;
  return `${base}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** A file of another shape (a square card) must not sit in the full image's `srcset`: aspect within 2%. */
function sameShape(file: { width: number; height: number }, full: { width: number; height: number }): boolean {
  return Math.abs(file.width / file.height / (full.width / full.height) - 1) <= 0.02;
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const MEDIA_TYPE: Readonly<Record<OutputFormatName, string>> = OUTPUT_CONTENT_TYPES;

/** Formats in delivery order: best compression first, then the rest (the negotiated URL's order). */
const ORDER: readonly OutputFormatName[] = NEGOTIABLE_FORMATS;

/**
 * Whether a full-size file may play an animation: as it says, or, when it does not say (a
 * record or event from before `animated` was recorded), when it is a GIF (the original GIF,
 * kept as it is, may be animated; no other format was ever written animated without saying).
 */
function mayAnimate(variant: Pick<StoredVariant, 'format' | 'animated'>): boolean {
  return variant.animated ?? variant.format === 'gif';
}

const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Whether the image behind a ThumbHash (the placeholder's, standard base64) has transparency:
 * the hash's `hasAlpha` flag, bit 23 of its little-endian 24-bit header, i.e. the top bit of
 * its third byte, which is bit 1 of the third base64 digit. `undefined` for text that is not a
 * ThumbHash's. The `thumbhash` package, which wrote the flag, reads it only while decoding
 * the whole hash; this one bit is read here by hand so this package stays free of
 * dependencies (its barrel goes into the CloudFront Function). The placeholder is made from
 * the decoded pixels (alpha kept), and ThumbHash sets the flag as soon as one pixel of its
 * 100 px proxy is less than opaque.
 *
 * @example
 * thumbHashHasAlpha('1QcSHQRnh493V4dIh4eXh1h4kJUI'); // false
 */
export function thumbHashHasAlpha(thumbHash: string): boolean | undefined {
  const digit = thumbHash.length >= 4 ? BASE64_DIGITS.indexOf(thumbHash.charAt(2)) : -1;
  return digit < 0 ? undefined : (digit & 0b10) !== 0;
}

/** Formats every browser decodes: what a `<picture>`'s `<img>` may offer. */
const UNIVERSAL_FORMATS = ['jpeg', 'png', 'gif'] as const satisfies readonly OutputFormatName[];

/** The `<img>` of a `<picture>`: what a browser that takes none of the `<source>`s shows. */
export interface PictureFallback {
  /** Its `src`: a full-size file every browser decodes, else the widest JPEG rendition standing in, else the served file. */
  readonly src: DeliveryFile;
  /** The format its `<source>`s must not repeat (the `src`'s). */
  readonly format: OutputFormatName;
  /** Its `srcset` (`url Nw, ...`, narrowest first), when it has one; it may mix JPEG renditions with a full-size PNG/GIF. */
  readonly srcset?: string;
  /** How many widths the `srcset` offers. */
  readonly widths: number;
  /** Whether it reaches the full-size file (false while JPEG renditions stand in for a WebP/AVIF-only original). */
  readonly fullSize: boolean;
}

/**
 * The `<img>` of an image's `<picture>`, from its files. The one rule (the record's `picture`
 * is built with it):
 * - the `src` is a full-size file every browser decodes: JPEG, else PNG, else GIF (the original;
 *   for an animated GIF the only animated file every browser shows), PNG and GIF first when the
 *   placeholder says the image has transparency (JPEG flattens it onto white, so a JPEG is then
 *   the last resort); else, for a still opaque image, the widest JPEG rendition of its shape
 *   (a WebP/AVIF original no JPEG beat); else the served file;
 * - its `srcset`: the files of its format of the full image's shape, and, for a still image the
 *   placeholder says is opaque, the JPEG renditions of that shape too: a still GIF's or PNG's
 *   `<img>` offers the sizes a still JPEG's does. Never an animation's renditions (stills of its
 *   first frame), never JPEG renditions of a transparent image; a record with no placeholder
 *   (older records) gets no JPEG renditions beside a PNG/GIF.
 */
export function pictureFallback(files: {
  readonly variants: readonly DeliveryVariant[];
  readonly renditions: readonly DeliveryRendition[];
  readonly servedFormat: OutputFormatName;
  readonly placeholder?: DeliveryPlaceholder | undefined;
}): PictureFallback {
  const served = files.variants.find((v) => v.format === files.servedFormat);
  if (!served) throw new Error(`pictureFallback: no ${files.servedFormat} variant for the served file`);
  const transparent = files.placeholder ? thumbHashHasAlpha(files.placeholder.thumbHash) : undefined;
  const still = !files.variants.some(mayAnimate);
  const order: readonly OutputFormatName[] = transparent === true ? ['png', 'gif', 'jpeg'] : UNIVERSAL_FORMATS;
  const universal = order.map((f) => files.variants.find((v) => v.format === f)).find((v) => v !== undefined);
  const ofShape = (format: OutputFormatName): DeliveryFile[] =>
    still ? files.renditions.filter((r) => r.format === format && sameShape(r, served)) : [];
  // JPEG renditions show what the image shows only for a still (not an animation's first frame)
  // known to be opaque (JPEG has no alpha: they are flattened onto white).
  const standIns = still && transparent === false ? ofShape('jpeg') : [];
  const entries = (list: readonly DeliveryFile[]): { srcset?: string; widths: number } => {
    const sorted = [...list]
      .sort((a, b) => a.width - b.width)
      .filter((f, i, all) => i === 0 || f.width !== all[i - 1]?.width);
    return sorted.length === 0 ? { widths: 0 } : { srcset: sorted.map((f) => `${f.url} ${f.width}w`).join(', '), widths: sorted.length };
  };
  if (universal) {
    // At a width two files share, the first listed stays: a rendition of the format (as in the
    // format's own srcset), then the full-size file, then a JPEG stand-in.
    const jpegBeside = universal.format === 'jpeg' ? [] : standIns;
    return { src: universal, format: universal.format, ...entries([...ofShape(universal.format), universal, ...jpegBeside]), fullSize: true };
  }
  const widest = [...standIns].sort((a, b) => b.width - a.width)[0];
  if (widest) return { src: widest, format: 'jpeg', ...entries(standIns), fullSize: false };
  return { src: served, format: served.format, ...entries([...ofShape(served.format), served]), fullSize: true };
}

/**
 * Builds the delivery record of one processed image.
 *
 * - `srcset[format]`: every file of that format whose shape is the full image's (renditions
 *   scaled with `inside`, and the full-size variant), widest last, as `url Nw`; only the
 *   full-size files when one plays an animation (renditions are stills of its first frame),
 *   or, for a record that does not say, when one is the original GIF (it may).
 * - `picture`: a `<source>` per modern format (AVIF, WebP) that has a `srcset` offering sizes
 *   (not only the full-size file while the fallback has smaller ones), then the `<img>` of
 *   {@link pictureFallback} (a file every browser decodes: JPEG, else PNG, else GIF, with the
 *   JPEG renditions beside a still opaque PNG/GIF; PNG/GIF first for a transparent image) with
 *   `width`/`height` of the full image, `loading="lazy"` and `decoding="async"`;
 *   `sizes="100vw"` is a default to edit.
 *
 * @example
 * buildDeliveryRecord({ cdnBaseUrl: 'https://d1.cloudfront.net', userId: 'u', imageId: 'i', version: 'v1',
 *   variants: [{ key: 'compressed/u/i/v1/full.webp', format: 'webp', width: 800, height: 600, size: 9000 }],
 *   renditions: [], served: { kind: 'encoded', format: 'webp', savingsPercent: 60 } }).served.url;
 * // 'https://d1.cloudfront.net/compressed/u/i/v1/full.webp'
 */
export function buildDeliveryRecord(input: DeliveryInput): DeliveryRecord {
  const file = (stored: StoredFile): DeliveryFile => ({
    url: deliveryUrl(input.cdnBaseUrl, stored.key),
    key: stored.key,
    format: stored.format,
    width: stored.width,
    height: stored.height,
    bytes: stored.size,
  });
  const variants: DeliveryVariant[] = [...input.variants]
    .sort((a, b) => ORDER.indexOf(a.format) - ORDER.indexOf(b.format))
    .map((v) => ({ ...file(v), ...(v.animated !== undefined ? { animated: v.animated } : {}) }));
  const renditions: DeliveryRendition[] = input.renditions.map((r) => ({ ...file(r), name: r.name }));
  const servedFile = variants.find((v) => v.format === input.served.format);
  if (!servedFile) throw new Error(`buildDeliveryRecord: no ${input.served.format} variant for the served file`);
  const full = servedFile;

  // Renditions are stills (of an animation's first frame): when a full-size file animates they
  // stay out of the full image's srcset (a page would show a still as the image); they remain
  // in `renditions`. A still GIF (its file says `animated: false`) gets them like any still.
  const animates = input.variants.some(mayAnimate);
  const srcset: Partial<Record<OutputFormatName, string>> = {};
  for (const format of ORDER) {
    const fullOfFormat = variants.find((v) => v.format === format);
    const sized = animates ? [] : renditions.filter((r) => r.format === format && sameShape(r, full));
    const files = [...sized, ...(fullOfFormat ? [fullOfFormat] : [])]
      .sort((a, b) => a.width - b.width)
      .filter((f, i, all) => i === 0 || f.width !== all[i - 1]?.width);
    if (files.length > 0) srcset[format] = files.map((f) => `${f.url} ${f.width}w`).join(', ');
  }

  const formats = variants.map((v) => v.format);
  const negotiable = formats.filter((f): f is NegotiableFormat => (NEGOTIABLE_FORMATS as readonly string[]).includes(f));
  const negotiatedUrl =
    negotiable.length > 0
      ? deliveryUrl(input.cdnBaseUrl, negotiatedKey(input.userId, input.imageId, input.version, negotiable))
      : servedFile.url;

  const fallback = pictureFallback({ variants, renditions, servedFormat: input.served.format, placeholder: input.placeholder });
  // A modern format whose only file is the full-size one gets no <source> when the fallback
  // offers smaller sizes: the browser would take that <source> first and load the full-size
  // file at every viewport. The gallery set writes its renditions in WebP and JPEG, so WebP
  // gets its <source> with sizes; AVIF, a full-size file only, gets none while JPEG has sizes.
  // When the fallback stops short of the full size (renditions standing in), every modern
  // format keeps its <source>: it is the only way to the full-size file.
  const widths = (f: OutputFormatName): number => (srcset[f] === undefined ? 0 : (srcset[f] as string).split(', ').length);
  const sources = (['avif', 'webp'] as const)
    .filter((f) => f !== fallback.format && widths(f) > 0 && (widths(f) > 1 || fallback.widths <= 1 || !fallback.fullSize))
    .map((f) => `  <source type="${MEDIA_TYPE[f]}" srcset="${escapeAttribute(srcset[f] as string)}" sizes="100vw">`);
  const img =
    `  <img src="${escapeAttribute(fallback.src.url)}"` +
    (fallback.srcset ? ` srcset="${escapeAttribute(fallback.srcset)}" sizes="100vw"` : '') +
    ` width="${full.width}" height="${full.height}" alt="" loading="lazy" decoding="async">`;
  const picture = ['<picture>', ...sources, img, '</picture>'].join('\n');

  return {
    version: input.version,
    served: {
      kind: input.served.kind,
      format: input.served.format,
      url: servedFile.url,
      bytes: servedFile.bytes,
      savingsPercent: input.served.savingsPercent,
      ...(input.served.quality !== undefined ? { quality: input.served.quality } : {}),
      ...(input.served.ssimulacra2 !== undefined ? { ssimulacra2: input.served.ssimulacra2 } : {}),
      ...(input.served.preset !== undefined ? { preset: input.served.preset } : {}),
    },
    formats,
    negotiatedUrl,
    variants,
    renditions,
    srcset,
    picture,
    ...(input.placeholder ? { placeholder: input.placeholder } : {}),
  };
}
