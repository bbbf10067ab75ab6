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
function mayAnimate(variant: StoredVariant): boolean {
  return variant.animated ?? variant.format === 'gif';
}

/**
 * Builds the delivery record of one processed image.
 *
 * - `srcset[format]`: every file of that format whose shape is the full image's (renditions
 *   scaled with `inside`, and the full-size variant), widest last, as `url Nw`; only the
 *   full-size files when one plays an animation (renditions are stills of its first frame),
 *   or, for a record that does not say, when one is the original GIF (it may).
 * - `picture`: a `<source>` per modern format (AVIF, WebP) that has a `srcset` offering sizes
 *   (not only the full-size file while the fallback has smaller ones), then an
 *   `<img>` on the most widely decodable file (JPEG, else PNG, else the served file) with
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
  const stillRenditions = input.variants.some(mayAnimate);
  const srcset: Partial<Record<OutputFormatName, string>> = {};
  for (const format of ORDER) {
    const fullOfFormat = variants.find((v) => v.format === format);
    const sized = stillRenditions ? [] : renditions.filter((r) => r.format === format && sameShape(r, full));
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

  // The <img> falls back to a full-size file every browser decodes: JPEG, else PNG, else GIF
  // (the original; for an animated GIF the only animated file every browser shows), else the served one.
  const fallback =
    variants.find((v) => v.format === 'jpeg') ?? variants.find((v) => v.format === 'png') ?? variants.find((v) => v.format === 'gif') ?? servedFile;
  const fallbackFormat = fallback.format;
  // A modern format whose only file is the full-size one gets no <source> when the fallback
  // offers smaller sizes: the browser would take that <source> first and load the full-size
  // file at every viewport. The gallery set writes its renditions in WebP and JPEG, so WebP
  // gets its <source> with sizes; AVIF, a full-size file only, gets none while JPEG has sizes.
  const widths = (f: OutputFormatName): number => (srcset[f] === undefined ? 0 : (srcset[f] as string).split(', ').length);
  const sources = (['avif', 'webp'] as const)
    .filter((f) => f !== fallbackFormat && widths(f) > 0 && (widths(f) > 1 || widths(fallbackFormat) <= 1))
    .map((f) => `  <source type="${MEDIA_TYPE[f]}" srcset="${escapeAttribute(srcset[f] as string)}" sizes="100vw">`);
  const imgSrcset = srcset[fallbackFormat];
  const img =
    `  <img src="${escapeAttribute(fallback.url)}"` +
    (imgSrcset ? ` srcset="${escapeAttribute(imgSrcset)}" sizes="100vw"` : '') +
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
