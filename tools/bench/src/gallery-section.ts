/**
 * The gallery section of `npm run bench` (issue 11): what the placeholder and the smart
 * crop cost.
 *
 * - **placeholder**: `renditions(bytes, GALLERY_RENDITION_SET)` (the thumbnail service's
 *   job with the gallery set) on the ~13 MP JPEG and the mixed set; image-ops times the
 *   placeholder step itself (`timings.placeholderMs`: shrinking the renditions' shared,
 *   already-decoded source to <= 100 px, ThumbHash, dominant colour). It runs alongside the
 *   renditions, so its wall time is an upper bound on what it adds. Budget: < 20 ms at 13 MP.
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

/** A set of one 400x400 card cropped at `position`, as the gallery set's card but for the crop. */
export function cardSet(position: CropPosition): RenditionSet {
  const card = GALLERY_RENDITION_SET.renditions['card'];
  if (!card) throw new Error('the gallery set has no card');
  return { name: `card-${position}`, renditions: { card: { ...card, position } } };
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
): Promise<{ placeholder: PlaceholderSample[]; crops: CropSample[]; cropsDir: string }> {
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
  return { placeholder, crops, cropsDir };
}
