/**
 * The gallery section of `npm run bench` (issue 11): what the placeholder and the smart
 * crop cost.
 *
 * - **placeholder**: `renditions(bytes, GALLERY_RENDITION_SET)` (the whole gallery set in one
 *   call; the services split it, the thumbnail task making its small renditions and compress
 *   `display`, issue 13) on the ~13 MP JPEG and the mixed set; image-ops times the
 *   placeholder step itself (`timings.placeholderMs`: shrinking the renditions' shared,
 *   already-decoded source to <= 100 px, ThumbHash, dominant colour). It runs alongside the
 *   renditions, so its wall time is an upper bound on what it adds. Budget: < 20 ms at 13 MP.
 * - **WebP renditions**: the gallery set (every rendition JPEG and WebP) against the same set
 *   JPEG-only, alternated on the ~13 MP JPEG: what the WebP copies add to the renditions' time.
 * - **smart crop**: a single 400x400 `cover` card at `centre`, `attention` and `entropy`,
 *   back to back on each photo; the smart crop's cost is its time minus centre's. The
 *   crops are written to `<cache>/crops/` to be looked at (the comparison behind
 *   `CARD_CROP_POSITION` in image-ops).
 *
 * One job at a time, in the bench process (like the perceptual sections), after one
 * untimed warm-up job.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CARD_CROP_POSITION, GALLERY_RENDITION_SET, renditions, type RenditionPosition, type RenditionSet } from '@imgpipe/image-ops';
import { megapixels, type Photo } from './photo-set';
import { median } from './stats';
import { renderTable } from './table';

/** The placeholder's budget at ~13 MP, from the issue. */
export const PLACEHOLDER_BUDGET_MS = 20;
/** The crops compared. */
export const CROP_POSITIONS = ['centre', 'attention', 'entropy'] as const satisfies readonly RenditionPosition[];
type CropPosition = (typeof CROP_POSITIONS)[number];

/** One photo's placeholder runs. */
export interface PlaceholderSample {
  readonly photo: string;
  readonly megapixels: number;
  readonly thirteen: boolean;
  readonly placeholderMs: readonly number[];
  readonly renditionsMs: readonly number[];
}

/** One photo's card runs, per position. */
export interface CropSample {
  readonly photo: string;
  readonly megapixels: number;
  readonly ms: Readonly<Record<CropPosition, readonly number[]>>;
}

/** The placeholder table. */
export function placeholderTable(samples: readonly PlaceholderSample[]): string {
  return renderTable(
    [
      { header: 'photo', align: 'left' },
      { header: 'MP', digits: 1 },
      { header: 'runs' },
      { header: 'placeholder ms', digits: 1 },
      { header: 'renditions ms', digits: 1 },
      { header: 'share %', digits: 1 },
    ],
    samples.map((s) => {
      const placeholder = median(s.placeholderMs);
      const all = median(s.renditionsMs);
      return [s.photo, s.megapixels, s.placeholderMs.length, placeholder, all, (placeholder / all) * 100];
    }),
  );
}

/** The budget line: MET, NOT MET, or not measured (no ~13 MP photo). */
export function placeholderBudgetLine(samples: readonly PlaceholderSample[]): string {
  const thirteen = samples.find((s) => s.thirteen);
  if (!thirteen) return `placeholder at ~13 MP under ${PLACEHOLDER_BUDGET_MS} ms: not measured (no ~13 MP photo)`;
  const ms = median(thirteen.placeholderMs);
  return (
    `placeholder at ~13 MP (${thirteen.photo}): ${ms.toFixed(1)} ms median, budget < ${PLACEHOLDER_BUDGET_MS} ms: ` +
    (ms < PLACEHOLDER_BUDGET_MS ? 'MET' : 'NOT MET')
  );
}

/** The smart crop table: median ms per position, and each smart crop's cost over `centre`. */
export function cropTable(samples: readonly CropSample[]): string {
  return renderTable(
    [
      { header: 'photo', align: 'left' },
      { header: 'MP', digits: 1 },
      { header: 'centre ms', digits: 1 },
      { header: 'attention ms', digits: 1 },
      { header: '+ms', digits: 1 },
      { header: 'entropy ms', digits: 1 },
      { header: '+ms', digits: 1 },
    ],
    samples.map((s) => {
      const centre = median(s.ms.centre);
      const attention = median(s.ms.attention);
      const entropy = median(s.ms.entropy);
      return [s.photo, s.megapixels, centre, attention, attention - centre, entropy, entropy - centre];
    }),
  );
}

/** A set of one 400x400 JPEG card cropped at `position`, as the gallery set's card but for the crop (no WebP copy). */
export function cardSet(position: CropPosition): RenditionSet {
  const card = GALLERY_RENDITION_SET.renditions['card'];
  if (!card) throw new Error('the gallery set has no card');
  const { alsoAs: _alsoAs, ...jpegCard } = card;
  return { name: `card-${position}`, renditions: { card: { ...jpegCard, position } } };
}

/** The gallery set as it was before its WebP renditions: every rendition in its primary format (JPEG) only. */
export function primaryFormatOnly(set: RenditionSet): RenditionSet {
  return {
    name: `${set.name}-primary`,
    renditions: Object.fromEntries(Object.entries(set.renditions).map(([name, { alsoAs: _alsoAs, ...rendition }]) => [name, rendition])),
  };
}

/** One job's figures for the WebP-renditions comparison. */
export interface WebpRenditionsSample {
  readonly renditionsMs: { readonly gallery: number[]; readonly jpegOnly: number[] };
  /** Bytes of every rendition, JPEG and WebP, from the last gallery job. */
  readonly jpegBytes: number;
  readonly webpBytes: number;
}

/**
 * What writing every rendition in WebP as well as JPEG costs (issue 11: resize once, encode
 * twice): the gallery set against the same set JPEG-only, alternated `runs` times on one photo,
 * image-ops' own `timings.renditionsMs` (decode excluded) compared by median.
 */
export async function measureWebpRenditions(bytes: Buffer, runs: number): Promise<WebpRenditionsSample> {
  const jpegOnlySet = primaryFormatOnly(GALLERY_RENDITION_SET);
  const renditionsMs = { gallery: [] as number[], jpegOnly: [] as number[] };
  let jpegBytes = 0;
  let webpBytes = 0;
  for (let i = 0; i < runs; i++) {
    const both = await renditions(bytes, GALLERY_RENDITION_SET);
    renditionsMs.gallery.push(both.timings.renditionsMs);
    renditionsMs.jpegOnly.push((await renditions(bytes, jpegOnlySet)).timings.renditionsMs);
    jpegBytes = both.renditions.filter((r) => r.format === 'jpeg').reduce((sum, r) => sum + r.size, 0);
    webpBytes = both.renditions.filter((r) => r.format === 'webp').reduce((sum, r) => sum + r.size, 0);
  }
  return { renditionsMs, jpegBytes, webpBytes };
}

/** `WebP beside JPEG: renditions 412 ms vs 236 ms JPEG-only (+176 ms, +75%); WebP renditions 31% smaller`. */
export function webpRenditionsLine(photo: string, sample: WebpRenditionsSample): string {
  const gallery = median(sample.renditionsMs.gallery);
  const jpegOnly = median(sample.renditionsMs.jpegOnly);
  const added = gallery - jpegOnly;
  const smaller = sample.jpegBytes > 0 ? Math.round((1 - sample.webpBytes / sample.jpegBytes) * 100) : 0;
  return (
    `WebP beside JPEG renditions (gallery set, ${photo}, median of ${sample.renditionsMs.gallery.length}): ` +
    `${gallery.toFixed(0)} ms vs ${jpegOnly.toFixed(0)} ms JPEG-only (+${added.toFixed(0)} ms, +${jpegOnly > 0 ? Math.round((added / jpegOnly) * 100) : 0}%); ` +
    `the WebP files are ${smaller}% smaller than the JPEGs (${sample.webpBytes} vs ${sample.jpegBytes} bytes)`
  );
}

const timedMs = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
};

/**
 * Runs the section: placeholder on the ~13 MP JPEG (`reps` times) and once on each other
 * photo of the mixed set, then the three crops on the same photos. Prints both tables.
 */
export async function runGallerySection(
  photos: { thirteen: Photo | undefined; mixed: readonly Photo[]; warmup: Photo | undefined },
  reps: number,
  cacheDir: string,
  out: (text?: string) => void,
  progress: (line: string) => void,
): Promise<{ placeholder: PlaceholderSample[]; webp?: WebpRenditionsSample; crops: CropSample[]; cropsDir: string }> {
  const list = [
    ...(photos.thirteen ? [{ photo: photos.thirteen, runs: reps, thirteen: true }] : []),
    ...photos.mixed.filter((p) => p.file !== photos.thirteen?.file).map((photo) => ({ photo, runs: 1, thirteen: false })),
  ];
  const warm = photos.warmup ?? list[0]?.photo;
  if (warm) await renditions(readFileSync(warm.file), GALLERY_RENDITION_SET);

  const placeholder: PlaceholderSample[] = [];
  for (const { photo, runs, thirteen } of list) {
    progress(`gallery: placeholder, ${photo.name} x${runs}`);
    const bytes = readFileSync(photo.file);
    const placeholderMs: number[] = [];
    const renditionsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { timings } = await renditions(bytes, GALLERY_RENDITION_SET);
      placeholderMs.push(timings.placeholderMs);
      renditionsMs.push(timings.renditionsMs);
    }
    placeholder.push({ photo: photo.name, megapixels: megapixels(photo), thirteen, placeholderMs, renditionsMs });
  }
  out('Placeholder (ThumbHash + dominant colour + aspect ratio) within renditions(bytes, gallery set):');
  out(placeholderTable(placeholder));
  out(placeholderBudgetLine(placeholder));

  const webpPhoto = list[0]?.photo;
  let webp: WebpRenditionsSample | undefined;
  if (webpPhoto) {
    progress(`gallery: WebP renditions, ${webpPhoto.name} x${reps}`);
    webp = await measureWebpRenditions(readFileSync(webpPhoto.file), reps);
    out();
    out(webpRenditionsLine(webpPhoto.name, webp));
  }

  const cropsDir = join(cacheDir, 'crops');
  mkdirSync(cropsDir, { recursive: true });
  const crops: CropSample[] = [];
  for (const { photo, runs } of list) {
    progress(`gallery: smart crop, ${photo.name} x${runs}`);
    const bytes = readFileSync(photo.file);
    const ms: Record<CropPosition, number[]> = { centre: [], attention: [], entropy: [] };
    for (let i = 0; i < runs; i++) {
      for (const position of CROP_POSITIONS) {
        const { value, ms: took } = await timedMs(() => renditions(bytes, cardSet(position)));
        ms[position].push(took);
        const card = value.renditions[0];
        if (i === 0 && card) writeFileSync(join(cropsDir, `${photo.name.replace(/\.[^.]+$/, '')}.${position}.jpg`), card.data);
      }
    }
    crops.push({ photo: photo.name, megapixels: megapixels(photo), ms });
  }
  out();
  out(`Smart crop: one 400x400 cover card per job (decode included); +ms = the crop's cost over centre. In use: ${CARD_CROP_POSITION}`);
  out(cropTable(crops));
  out(`crops written to ${cropsDir}/<photo>.<position>.jpg (see tools/bench/README.md, "gallery")`);
  return { placeholder, ...(webp ? { webp } : {}), crops, cropsDir };
}
