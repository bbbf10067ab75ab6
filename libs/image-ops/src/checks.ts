/**
 * `@imgpipe/image-ops/checks`: the part of the image core that never loads sharp — format
 * sniffing, the input policy and header checks, the error classes, rendition sets and their
 * versions. Services that only admit uploads (ingest) import this and stay small and fast to
 * cold-start; the main entry re-exports all of it.
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
export { DEFAULT_BACKGROUND, hexColourSchema } from './colour';
export { readHeaderDimensions } from './header';
export type { HeaderDimensions } from './header';
export {
  checkUploadHead,
  DEFAULT_INPUT_POLICY,
  inputPolicyEnvShape,
  inputPolicyFromEnv,
  inputPolicySchema,
  resolveInputPolicy,
} from './policy';
export type { InputPolicy, InputPolicyEnv, UploadHeadCheck } from './policy';
export {
  DEFAULT_RENDITION_SET,
  MARKETPLACE_RENDITION_SET,
  MAX_RENDITION_DIMENSION,
  MAX_RENDITIONS,
  readRenditionSet,
  RENDITION_FITS,
  RENDITION_POSITIONS,
  renditionSchema,
  renditionSetSchema,
  renditionSetVersion,
  RENDITION_SET_PRESETS,
  resolveRenditionSet,
} from './rendition-set';
export type {
  Rendition,
  RenditionFit,
  RenditionInput,
  RenditionPosition,
  RenditionSet,
  RenditionSetInput,
} from './rendition-set';
