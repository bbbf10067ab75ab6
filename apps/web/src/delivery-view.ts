/**
 * What the image page shows from an image's delivery record (`@imgpipe/contracts/delivery-record`):
 * the display `<picture>`'s sources, the "served as" sentence, and the files of the "Use this
 * image" panel with their download names. Pure: no DOM, so every rule here has a spec.
 */
import type { DeliveryFile, DeliveryRecord } from '@imgpipe/contracts/delivery-record';
import { INPUT_FORMAT_LABELS, OUTPUT_CONTENT_TYPES, OUTPUT_EXTENSIONS, type OutputFormatName } from '@imgpipe/contracts/vocabulary';
import { NEGOTIABLE_FORMATS, pictureFallback } from '@imgpipe/delivery';
import { sortRenditionNames } from './format';

/**
 * The `sizes` of the image page's display image: the page's content column is at most 72rem
 * wide less its padding (styles.css `.page`), the whole viewport below that. The browser
 * then picks the `display` rendition (1600 px) on a wide 2x screen, `large` on a phone,
 * never the full-size file.
 */
export const DISPLAY_SIZES = '(min-width: 72rem) 70rem, calc(100vw - 2rem)';

const MEDIA_TYPES: Readonly<Record<OutputFormatName, string>> = OUTPUT_CONTENT_TYPES;
const EXTENSIONS: Readonly<Record<OutputFormatName, string>> = OUTPUT_EXTENSIONS;

/** `webp` -> `WebP`, `jpeg` -> `JPEG` (the vocabulary's labels, which name every output format too); an unknown format upper-cased. */
export function formatLabel(format: string): string {
  return Object.prototype.hasOwnProperty.call(INPUT_FORMAT_LABELS, format)
    ? INPUT_FORMAT_LABELS[format as keyof typeof INPUT_FORMAT_LABELS]
    : format.toUpperCase();
}

/** One `<source>` of the display `<picture>`. */
export interface DisplaySource {
  readonly type: string;
  readonly srcset: string;
}

/** The display image: `<source>`s for the modern formats, the `<img>` of the record's `<picture>` fallback. */
export interface DisplayImage {
  readonly sources: readonly DisplaySource[];
  readonly src: string;
  readonly srcset?: string;
  readonly sizes: string;
  readonly width: number;
  readonly height: number;
}

/**
 * The widest file that counts as display-sized: the `display` rendition is 1600 px; a full-size
 * file up to 2000 px is as light a choice, a wider one is what the display rendition replaces.
 */
export const DISPLAY_MAX_WIDTH = 2000;

/** Widths of a `srcset` (`url 300w, url 1600w`). */
function srcsetWidths(srcset: string): number[] {
  return srcset.split(',').map((candidate) => Number(/\s(\d+)w\s*$/.exec(candidate)?.[1] ?? Number.NaN));
}

/**
 * The display image: the `<img>` is the record's `<picture>` fallback, by the one rule
 * (`pictureFallback` of `@imgpipe/delivery`, which builds the record's snippet too: JPEG, else
 * PNG, else GIF, PNG/GIF first for a transparent image, JPEG renditions beside a still opaque
 * PNG/GIF or standing in for a WebP/AVIF-only original, an animation's own file), so a browser
 * that takes no `<source>` shows on the page what the copied snippet shows. The page's own
 * part is the `<source>`s and {@link DISPLAY_SIZES} instead of the snippet's `100vw`: AVIF/WebP
 * `<source>`s (never the `<img>`'s format) from the record's `srcset`, display-sized ones only
 * when the `<img>` or a source has a file up to {@link DISPLAY_MAX_WIDTH} (a `<source>` whose
 * only file is a wider full-size one would win and fetch it). The gallery set's renditions are
 * WebP and JPEG, so a WebP browser fetches the WebP `display` or `large` rendition.
 */
export function displayImage(record: DeliveryRecord): DisplayImage {
  // Width/height of the full image (every file in a srcset has its shape): the box is reserved before any byte arrives.
  const full = record.variants.find((v) => v.format === record.served.format);
  if (!full) {
    // Not a record the one builder writes (it refuses a served format with no file): show the served URL alone.
    const any = record.variants[0];
    return { sources: [], src: record.served.url, sizes: DISPLAY_SIZES, width: any?.width ?? 1, height: any?.height ?? 1 };
  }
  const fallback = pictureFallback({
    variants: record.variants,
    renditions: record.renditions,
    servedFormat: record.served.format,
    placeholder: record.placeholder,
  });
  const modern = (['avif', 'webp'] as const).filter((format) => format !== fallback.format && record.srcset[format] !== undefined);
  const displaySized = (srcset: string | undefined): boolean => srcset !== undefined && srcsetWidths(srcset).some((width) => width <= DISPLAY_MAX_WIDTH);
  const sized = modern.filter((format) => displaySized(record.srcset[format]));
  const usable = sized.length > 0 || displaySized(fallback.srcset) ? sized : modern;
  return {
    sources: usable.map((format) => ({ type: MEDIA_TYPES[format], srcset: record.srcset[format] as string })),
    src: fallback.src.url,
    ...(fallback.srcset !== undefined ? { srcset: fallback.srcset } : {}),
    sizes: DISPLAY_SIZES,
    width: full.width,
    height: full.height,
  };
}

/** `['webp', 'jpeg']` -> `WebP or JPEG`; `['avif', 'webp', 'jpeg']` -> `AVIF, WebP or JPEG`. */
function orList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

/**
 * The "served as" sentence, from the record only: the formats that exist, and which file is
 * handed back when it is not a lossy re-encode (image-ops' honest output).
 *
 * @example servedAsText({ formats: ['webp', 'jpeg'], served: { kind: 'encoded' } ... }); // 'Served as WebP or JPEG, whichever your browser accepts best.'
 */
export function servedAsText(record: Pick<DeliveryRecord, 'formats' | 'served'>): string {
  const formats = record.formats.map(formatLabel);
  const first = formats.length > 1 ? `Served as ${orList(formats)}, whichever your browser accepts best.` : `Served as ${formats[0] ?? formatLabel(record.served.format)}.`;
  if (record.served.kind === 'original') return `${first} The original file is handed back unchanged: no re-encode was smaller.`;
  if (record.served.kind === 'lossless') return `${first} A lossless ${formatLabel(record.served.format)} re-encode of the original, smaller than it.`;
  return first;
}

/** One file of the "Use this image" panel. */
export interface PanelFile {
  /** `Full size · WebP`, `display · WebP` ... */
  readonly label: string;
  /** `full-webp`, `display`...: a stable part of element ids and download names. */
  readonly slug: string;
  readonly file: DeliveryFile;
  /** The name a download is saved under: `holiday-display.webp`. */
  readonly downloadName: string;
}

/** Characters Windows, macOS or Linux refuse in a file name (control characters too). */
const UNSAFE_IN_FILE_NAMES = '\\/:*?"<>|';

/** `holiday photo.JPG` -> `holiday photo`; characters a file name should not hold become `-`. */
export function baseName(name: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const safe = [...stem].map((c) => (c.charCodeAt(0) < 0x20 || UNSAFE_IN_FILE_NAMES.includes(c) ? '-' : c)).join('').trim();
  return safe === '' ? 'image' : safe;
}

/**
 * Full-size variants (delivery order), then renditions (small, medium, large, then by name),
 * each rendition once per format it was written in (the gallery set: JPEG, then WebP).
 */
export function panelFiles(record: DeliveryRecord, imageName: string): PanelFile[] {
  const base = baseName(imageName);
  const variants = record.variants.map((file) => ({
    label: `Full size · ${formatLabel(file.format)}`,
    slug: `full-${file.format}`,
    file,
    downloadName: `${base}.${EXTENSIONS[file.format]}`,
  }));
  const names = sortRenditionNames([...new Set(record.renditions.map((r) => r.name))]);
  const renditions = names.flatMap((name) => {
    const files = record.renditions.filter((r) => r.name === name);
    return files.map((file) => ({
      label: `${name} · ${formatLabel(file.format)}`,
      // One file of a name keeps the name as its slug; several take their format too.
      slug: files.length > 1 ? `${name}-${file.format}` : name,
      file,
      downloadName: `${base}-${name}.${EXTENSIONS[file.format]}`,
    }));
  });
  return [...variants, ...renditions];
}

/** A gallery card's image: the `card` rendition (else `small`) in every format it exists in. */
export interface CardImage {
  /** The `<img>`: the format every browser decodes (JPEG, else PNG, else the first file). */
  readonly fallback: DeliveryRecord['renditions'][number];
  /** AVIF/WebP files of the same rendition, best first: `<source>`s a browser takes when it can. */
  readonly sources: readonly DisplaySource[];
}

/** The card's files from the record; undefined when it has no card-sized rendition. */
export function cardImage(record: DeliveryRecord): CardImage | undefined {
  const name = ['card', 'small'].find((candidate) => record.renditions.some((r) => r.name === candidate));
  const files = record.renditions.filter((r) => r.name === name);
  const fallback = files.find((f) => f.format === 'jpeg') ?? files.find((f) => f.format === 'png') ?? files[0];
  if (!fallback) return undefined;
  const sources = (['avif', 'webp'] as const).flatMap((format) => {
    const file = files.find((f) => f.format === format && f !== fallback);
    return file ? [{ type: MEDIA_TYPES[format], srcset: file.url }] : [];
  });
  return { fallback, sources };
}

/** The record's `srcset`s, one snippet per format, in delivery order (`@imgpipe/delivery`'s, GIF included). */
export function srcsetSnippets(record: DeliveryRecord): { readonly format: OutputFormatName; readonly text: string }[] {
  return NEGOTIABLE_FORMATS.flatMap((format) => {
    const text = record.srcset[format];
    return text === undefined ? [] : [{ format, text }];
  });
}
