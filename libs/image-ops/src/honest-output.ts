/**
 * Honest output: never hand back a derivative larger than the original when the original
 * could itself be served to a browser. Pure (no sharp): the decision over sizes and
 * formats; `compress` makes the candidates and carries the decision in its result.
 */
import { contentTypeOf, type InputFormat, type OutputFormat } from './formats';

/** Formats every current browser displays as they are: the original may be served in these. */
export const WEB_DELIVERABLE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif'] as const satisfies readonly InputFormat[];
/** One of {@link WEB_DELIVERABLE_FORMATS}. */
export type WebDeliverableFormat = (typeof WEB_DELIVERABLE_FORMATS)[number];

/**
 * What is handed back: `encoded`, a lossy variant (it saved enough, or the original cannot
 * be served); `original`, the uploaded bytes unchanged; `lossless`, a lossless WebP
 * re-encode of the original's pixels (same pixels, fewer bytes, metadata stripped).
 */
export const OUTPUT_KINDS = ['encoded', 'original', 'lossless'] as const;
/** One of {@link OUTPUT_KINDS}. */
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** Lossy variants must save at least this much to replace a servable original (a 1% saving is not worth a generation loss). */
export const MIN_LOSSY_SAVINGS_PERCENT = 5;

/** The uploaded image, as far as the decision needs it. */
export interface OriginalImage {
  format: InputFormat;
  /** Bytes. */
  size: number;
  width: number;
  height: number;
  animated: boolean;
  /**
   * Whether the file carries EXIF, XMP or IPTC: camera, time, maybe a GPS position, and an
   * EXIF orientation a re-encode applies. Such an original is never served as it is.
   */
  carriesMetadata: boolean;
  /** libvips colour space of the stored pixels; only sRGB/greyscale originals are served as they are (not CMYK). */
  space: string;
}

/** One encoded output that could be handed back instead of the original. */
export interface OutputCandidate {
  kind: Exclude<OutputKind, 'original'>;
  format: OutputFormat;
  /** Bytes. */
  size: number;
  width: number;
  height: number;
  /** Whether it keeps every frame of an animation. */
  animated: boolean;
}

/**
 * The candidates of a compress run: its variants (only the WebP of an animation keeps its
 * frames; AVIF and JPEG get the first) and, when one was made, the lossless re-encode.
 */
export function candidatesOf(
  original: Pick<OriginalImage, 'animated'>,
  variants: readonly Pick<OutputCandidate, 'format' | 'size' | 'width' | 'height'>[],
  lossless?: Pick<OutputCandidate, 'format' | 'size' | 'width' | 'height'>,
): OutputCandidate[] {
  const candidate = (v: Pick<OutputCandidate, 'format' | 'size' | 'width' | 'height'>, kind: OutputCandidate['kind']): OutputCandidate => ({
    kind,
    format: v.format,
    size: v.size,
    width: v.width,
    height: v.height,
    animated: original.animated && v.format === 'webp',
  });
  return [...variants.map((v) => candidate(v, 'encoded')), ...(lossless ? [candidate(lossless, 'lossless')] : [])];
}

/** One output worth serving. */
export interface OutputChoice {
  kind: OutputKind;
  /** The original's format when `kind` is `original`. */
  format: WebDeliverableFormat | OutputFormat;
  contentType: string;
  /** Size in bytes. */
  bytes: number;
  width: number;
  height: number;
  /** Bytes saved against the original, in percent, one decimal (0 for the original itself). */
  savingsPercent: number;
  /**
   * Whether it plays an animation: an animated original itself, or a candidate that kept its
   * frames (`OutputCandidate.animated`). A still's renditions may stand in for it; an animation's may not.
   */
  animated: boolean;
}

/** What to hand back, and why. */
export interface OutputDecision {
  /** The output to hand back by default. */
  chosen: OutputChoice;
  /**
   * Every output worth serving, smallest first (`chosen` among them): the formats a CDN may
   * negotiate among. A servable original is always listed (the universal fallback in its
   * own format); a lossy variant is listed only if it saved enough.
   */
  servable: OutputChoice[];
  /** Why `chosen` was chosen, for a person. */
  reason: string;
}

const SERVABLE_SPACES = new Set(['srgb', 'b-w', 'rgb16', 'grey16']);

/** Whether the original could be served to a browser exactly as uploaded. */
export function isServableOriginal(original: OriginalImage): original is OriginalImage & { format: WebDeliverableFormat } {
  return (
    (WEB_DELIVERABLE_FORMATS as readonly string[]).includes(original.format) &&
    !original.carriesMetadata &&
    SERVABLE_SPACES.has(original.space)
  );
}

const savings = (bytes: number, original: number): number => Math.round((1 - bytes / original) * 1000) / 10;

function choice(candidate: OutputCandidate, original: OriginalImage): OutputChoice {
  return {
    kind: candidate.kind,
    format: candidate.format,
    contentType: contentTypeOf(candidate.format),
    bytes: candidate.size,
    width: candidate.width,
    height: candidate.height,
    savingsPercent: savings(candidate.size, original.size),
    animated: candidate.animated,
  };
}

function originalChoice(original: OriginalImage & { format: WebDeliverableFormat }): OutputChoice {
  return {
    kind: 'original',
    format: original.format,
    contentType: contentTypeOf(original.format),
    bytes: original.size,
    width: original.width,
    height: original.height,
    savingsPercent: 0,
    animated: original.animated,
  };
}

/** Whether a candidate beats a servable original: lossless when smaller at all, lossy when it saves enough. */
function beats(candidate: OutputCandidate, original: OriginalImage, minLossySavingsPercent: number): boolean {
  if (candidate.kind === 'lossless') return candidate.size < original.size;
  return savings(candidate.size, original.size) >= minLossySavingsPercent;
}

/**
 * Whether a lossless re-encode is worth making: the original could be served, is itself
 * losslessly coded (PNG, GIF), and no lossy candidate beats it. JPEG, WebP and AVIF
 * originals are not re-encoded losslessly: their pixels already carry a lossy coder's
 * artefacts, which a lossless coder spends bytes preserving.
 */
export function wantsLosslessCandidate(
  original: OriginalImage,
  lossy: readonly OutputCandidate[],
  minLossySavingsPercent = MIN_LOSSY_SAVINGS_PERCENT,
): boolean {
  if (!isServableOriginal(original) || (original.format !== 'png' && original.format !== 'gif')) return false;
  const usable = lossy.filter((c) => c.animated || !original.animated);
  return !usable.some((c) => beats(c, original, minLossySavingsPercent));
}

/**
 * Decides what to hand back for an image:
 * - an original that can be served as it is (web format, no private metadata, sRGB) is
 *   replaced only by a candidate that beats it: a lossless one smaller at all, a lossy one
 *   saving at least `minLossySavingsPercent`; otherwise the original is handed back;
 * - an original that cannot be (TIFF, HEIC, CMYK, EXIF/XMP/IPTC) gets its smallest candidate.
 * An animated original is only ever replaced by an animated candidate.
 *
 * @example
 * ```ts
 * decideOutput({ format: 'jpeg', size: 5_000, width: 64, height: 64, animated: false, carriesMetadata: false, space: 'srgb' },
 *   [{ kind: 'encoded', format: 'webp', size: 6_000, width: 64, height: 64, animated: false }]).chosen.kind; // 'original'
 * ```
 * @throws Error when there is neither a candidate nor a servable original (a programming error).
 */
export function decideOutput(
  original: OriginalImage,
  candidates: readonly OutputCandidate[],
  minLossySavingsPercent = MIN_LOSSY_SAVINGS_PERCENT,
): OutputDecision {
  const usable = candidates
    .filter((c) => c.animated || !original.animated)
    .sort((a, b) => a.size - b.size)
    .map((c) => ({ candidate: c, choice: choice(c, original) }));
  if (!isServableOriginal(original)) {
    const best = usable[0] ?? [...candidates].sort((a, b) => a.size - b.size).map((c) => ({ candidate: c, choice: choice(c, original) }))[0];
    if (!best) throw new Error('decideOutput: no candidate for an original that cannot be served as it is');
    const why = !(WEB_DELIVERABLE_FORMATS as readonly string[]).includes(original.format)
      ? `${original.format} is not a format browsers display`
      : original.carriesMetadata
        ? 'the original carries EXIF/XMP/IPTC metadata (camera, time, maybe a GPS position) that must not be served'
        : `the original's ${original.space} pixels do not display reliably in browsers`;
    return {
      chosen: best.choice,
      servable: usable.length > 0 ? usable.map((u) => u.choice) : [best.choice],
      reason: `${why}: the smallest ${best.candidate.kind} output (${best.candidate.format}) is handed back`,
    };
  }
  const winners = usable.filter((u) => beats(u.candidate, original, minLossySavingsPercent));
  const own = originalChoice(original);
  const servable = [...winners.map((w) => w.choice), own].sort((a, b) => a.bytes - b.bytes);
  const best = winners[0];
  if (!best) {
    return {
      chosen: own,
      servable,
      reason:
        usable.length === 0
          ? 'no candidate keeps the animation: the original is handed back'
          : `no output beats the original (${original.size} bytes; smallest candidate ${usable[0]?.candidate.size} bytes): the original is handed back`,
    };
  }
  return {
    chosen: best.choice,
    servable,
    reason: `${best.candidate.kind} ${best.candidate.format} saves ${best.choice.savingsPercent}% against the original`,
  };
}
