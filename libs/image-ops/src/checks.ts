/**
 * `@imgpipe/image-ops/checks`: the part of the image core that never loads sharp — format
 * sniffing, the input policy and header checks, the error classes, rendition sets and their
 * versions, the honest-output decision. Services that only admit uploads (ingest) import this and stay small and fast to
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
  ENCODED_FORMATS,
  extensionOf,
  INPUT_FORMATS,
  MAX_OUTPUT_DIMENSION,
  OUTPUT_FORMATS,
  SNIFF_BYTES,
  sniffFormat,
} from './formats';
export type { ContentTypeOf, EncodedFormat, InputFormat, OutputContentType, OutputFormat } from './formats';
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
  CARD_CROP_POSITION,
  DEFAULT_RENDITION_SET,
  DEFAULT_RENDITION_SET_PRESET,
  EARLY_RENDITION_MAX_SIDE,
  extremeAspectSchema,
  GALLERY_RENDITION_SET,
  MARKETPLACE_RENDITION_SET,
  MAX_RENDITION_DIMENSION,
  MAX_RENDITION_FILES,
  MAX_RENDITIONS,
  readRenditionSet,
  RENDITION_FITS,
  RENDITION_POSITIONS,
  RENDITION_SET_PRESET_NAMES,
  renditionEnvShape,
  renditionFormats,
  renditionSchema,
  renditionSetSchema,
  renditionSetVersion,
  RENDITION_SET_PRESETS,
  resolveRenditionSet,
  splitRenditionSet,
} from './rendition-set';
export type {
  ExtremeAspect,
  Rendition,
  RenditionFit,
  RenditionInput,
  RenditionPosition,
  RenditionSet,
  RenditionSetInput,
  RenditionSetPresetName,
  RenditionSetSplit,
} from './rendition-set';
// What to hand back (never a derivative larger than a servable original): pure, no sharp.
export {
  candidatesOf,
  decideOutput,
  isServableOriginal,
  MIN_LOSSY_SAVINGS_PERCENT,
  OUTPUT_KINDS,
  WEB_DELIVERABLE_FORMATS,
  wantsLosslessCandidate,
} from './honest-output';
export type {
  OriginalImage,
  OutputCandidate,
  OutputChoice,
  OutputDecision,
  OutputKind,
  WebDeliverableFormat,
} from './honest-output';
