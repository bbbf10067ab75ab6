/**
 * `renditions`: a named, validated set of resized outputs (thumbnails, marketplace crops).
 * The set itself (schema, presets, version) lives in `rendition-set.ts`.
 */
import { DEFAULT_BACKGROUND, hexColourSchema } from './colour';
import type { EncodedImage } from './compress';
import { type ProcessTimings, runPipeline } from './pipeline';
import type { ImagePlaceholder } from './placeholder';
import { DEFAULT_INPUT_POLICY, type InputPolicy } from './policy';
import type { ImageFacts } from './probe';
import { DEFAULT_RENDITION_SET, renditionSetSchema, type RenditionSet } from './rendition-set';

export * from './rendition-set';

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

/** What {@link renditions} returns. */
export interface RenditionsResult {
  facts: ImageFacts;
  renditions: RenditionResult[];
  /** ThumbHash, dominant colour and aspect ratio, from the same decode (see `placeholder.ts`). */
  placeholder: ImagePlaceholder;
  /** Where the time went (`compressMs` is 0: no variants). */
  timings: ProcessTimings;
  /** Each rendition's resize and encodes (every format of it), by name, in ms: they run at once, so they overlap. */
  renditionMs: Record<string, number>;
}

/**
 * Every rendition of a set from one decode: JPEG sources shrink on load (libjpeg decodes at
 * 1/2, 1/4 or 1/8 scale when the renditions allow), orientation applied, sRGB, metadata
 * stripped, never upscaled (a small image yields renditions no larger than itself, with
 * the box's aspect kept for `cover`, `contain` and `fill`). An animation's first frame is used.
 * `cover` with `extremeAspect` letterboxes a band of a panorama rather than crop a sliver.
 * The placeholder comes from the same decoded pixels.
 *
 * @throws InvalidImageError for input the policy refuses or that cannot be decoded.
 */
export async function renditions(
  input: Uint8Array,
  set: RenditionSet = DEFAULT_RENDITION_SET,
  options: RenditionOptions = {},
  policy: InputPolicy = DEFAULT_INPUT_POLICY,
): Promise<RenditionsResult> {
  const background = hexColourSchema.parse(options.background ?? DEFAULT_BACKGROUND);
  const result = await runPipeline(input, { policy, renditionSet: renditionSetSchema.parse(set), background });
  if (!result.placeholder) throw new Error('renditions: the pipeline made no placeholder');
  return {
    facts: result.facts,
    renditions: result.renditions,
    placeholder: result.placeholder,
    timings: result.timings,
    renditionMs: result.renditionMs,
  };
}
