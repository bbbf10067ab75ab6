/**
 * `@imgpipe/image-ops`: pure image operations on sharp. Bytes and options in, bytes and
 * facts out; no AWS, no I/O. The only project allowed to import `sharp`.
 */
export {
  INVALID_IMAGE_CODES,
  ImageOpsError,
  InvalidImageError,
  isImageOpsError,
  isInvalidImageError,
  TRANSIENT_IMAGE_CODES,
} from './errors';
export type { ImageOpsErrorOptions, InvalidImageCode, TransientImageCode } from './errors';

export {
  contentTypeOf,
  extensionOf,
  INPUT_FORMATS,
  MAX_OUTPUT_DIMENSION,
  OUTPUT_FORMATS,
  SNIFF_BYTES,
  sniffFormat,
} from './formats';
export type { ContentTypeOf, InputFormat, OutputContentType, OutputFormat } from './formats';

export { readHeaderDimensions } from './header';
export type { HeaderDimensions } from './header';

export { hexColourSchema, DEFAULT_BACKGROUND } from './colour';

export {
  checkUploadHead,
  DEFAULT_INPUT_POLICY,
  inputPolicyEnvShape,
  inputPolicyFromEnv,
  inputPolicySchema,
  resolveInputPolicy,
} from './policy';
export type { InputPolicy, InputPolicyEnv, UploadHeadCheck } from './policy';

export { probe } from './probe';
export type { ImageFacts } from './probe';

export {
  avifOptionsSchema,
  compress,
  COMPRESS_FORMATS,
  COMPRESS_PROFILES,
  compressOptionsSchema,
  jpegOptionsSchema,
  PROFILE_SETTINGS,
  resolveCompressOptions,
  webpOptionsSchema,
} from './compress';
export type {
  CompressedVariant,
  CompressFormat,
  CompressOptions,
  CompressOptionsInput,
  CompressProfile,
  EncodedImage,
} from './compress';

export {
  DEFAULT_RENDITION_SET,
  MARKETPLACE_RENDITION_SET,
  MAX_RENDITION_DIMENSION,
  MAX_RENDITIONS,
  RENDITION_FITS,
  RENDITION_POSITIONS,
  readRenditionSet,
  RENDITION_SET_PRESETS,
  renditions,
  renditionSchema,
  renditionSetSchema,
  renditionSetVersion,
  resolveRenditionSet,
} from './renditions';
export type {
  Rendition,
  RenditionFit,
  RenditionInput,
  RenditionOptions,
  RenditionPosition,
  RenditionResult,
  RenditionSet,
  RenditionSetInput,
} from './renditions';

export { processImage } from './process';
export type { ProcessedImage, ProcessImageOptions, ProcessTimings } from './process';

export { configureImageRuntime } from './runtime';
export type { ImageRuntimeOptions, ImageRuntimeSettings } from './runtime';
