/**
 * `processImage`: every variant and every rendition of an image from ONE decode.
 */
import {
  type CompressedVariant,
  type CompressOptionsInput,
  type CompressOutput,
  compressOutput,
  resolveCompressOptions,
} from './compress';
import { type ProcessTimings, runPipeline } from './pipeline';
import type { ImagePlaceholder } from './placeholder';
import { DEFAULT_INPUT_POLICY, type InputPolicy } from './policy';
import type { ImageFacts } from './probe';
import { DEFAULT_RENDITION_SET, type RenditionResult, type RenditionSet, renditionSetSchema } from './renditions';

export type { ProcessTimings } from './pipeline';

/** Options of {@link processImage}. */
export interface ProcessImageOptions {
  /** Variant settings; default WebP quality 80. Its `background` also serves the renditions. */
  compress?: CompressOptionsInput;
  /** Renditions to make; default {@link DEFAULT_RENDITION_SET}. */
  renditionSet?: RenditionSet;
  /** Input policy; default {@link DEFAULT_INPUT_POLICY}. */
  policy?: InputPolicy;
}

/** Everything {@link processImage} made. */
export interface ProcessedImage {
  facts: ImageFacts;
  variants: CompressedVariant[];
  renditions: RenditionResult[];
  /** ThumbHash, dominant colour and aspect ratio, from the same decode. */
  placeholder: ImagePlaceholder;
  /** What to hand back instead of the variants when they do not beat the original (as `compress`). */
  output: CompressOutput;
  timings: ProcessTimings;
}

/**
 * What `compress` and `renditions` make, with the same sizes, from a single decode of the
 * input: the full-size pixels are decoded once, the variants are encoded from them while
 * the renditions are made from one shared downscale on the other threads. For the CLI and
 * the benchmark, where both are wanted at once.
 *
 * @throws InvalidImageError for input the policy refuses or that cannot be decoded;
 * ImageOpsError (retryable) when an encoder fails.
 */
export async function processImage(input: Uint8Array, options: ProcessImageOptions = {}): Promise<ProcessedImage> {
  const compress = resolveCompressOptions(options.compress);
  const result = await runPipeline(input, {
    policy: options.policy ?? DEFAULT_INPUT_POLICY,
    compress,
    renditionSet: renditionSetSchema.parse(options.renditionSet ?? DEFAULT_RENDITION_SET),
    background: compress.background,
  });
  if (!result.placeholder) throw new Error('processImage: the pipeline made no placeholder');
  const { facts, variants, renditions, placeholder, timings } = result;
  return { facts, variants, renditions, placeholder, output: compressOutput(input, result), timings };
}
