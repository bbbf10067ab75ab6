/**
 * `@imgpipe/image-ops`: pure image operations on sharp. Bytes and options in, bytes and
 * facts out; no AWS, no I/O. The only project allowed to import `sharp`.
 */
// The sharp-free part (formats, policy, errors, rendition sets): also `@imgpipe/image-ops/checks`.
export * from './checks';

export { probe } from './probe';
export type { ImageFacts } from './probe';

export {
  avifOptionsSchema,
  compress,
  compressStill,
  COMPRESS_FORMATS,
  COMPRESS_PROFILES,
  compressOptionsSchema,
  jpegOptionsSchema,
  PROFILE_SETTINGS,
  resolveCompressOptions,
  webpOptionsSchema,
} from './compress';
export type {
  CompressAlongside,
  CompressedVariant,
  CompressFormat,
  CompressOptions,
  CompressOptionsInput,
  CompressOutput,
  CompressProfile,
  CompressResult,
  EncodedImage,
  StillVariantResult,
} from './compress';

export { dominantColour, makePlaceholder, THUMBHASH_MAX_SIDE, thumbHashSize } from './placeholder';
export type { ImagePlaceholder, PlaceholderSource } from './placeholder';

// Perceptual quality: SSIMULACRA2 and the search behind `quality: 'auto'`.
export { ssimulacra2, Ssimulacra2Reference } from './quality/ssimulacra2';
export type { RgbPixels } from './quality/ssimulacra2';
export { autoQualityOptionsSchema, autoWebpQualityOptionsSchema, DEFAULT_AUTO_QUALITY } from './quality/auto-quality';
export type { AutoQualityFormat, AutoQualityOptions, AutoWebpQualityOptions } from './quality/auto-quality';
export { measureSsimulacra2, MEASURE_SAMPLE_PIXELS } from './quality/measure';

export { renditions } from './renditions';
export type { RenditionOptions, RenditionResult, RenditionsResult } from './renditions';

export { processImage } from './process';
export type { ProcessedImage, ProcessImageOptions, ProcessTimings } from './process';

export { canReleaseFreedMemory, configureImageRuntime, releaseFreedMemory, releaseFreedMemoryInBackground } from './runtime';
export type { ImageRuntimeOptions, ImageRuntimeSettings, ReleaseFreedMemoryOptions } from './runtime';
export { SHARP_ALLOCATOR_ENV } from './runtime-env';
export type { SharpAllocatorVariable } from './runtime-env';
