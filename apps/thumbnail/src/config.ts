import { declaredEnvSchema, loadConfig, platformConfigSchema, THUMBNAIL_ENV } from '@imgpipe/platform';
import {
  inputPolicyEnvShape,
  inputPolicyFromEnv,
  readRenditionSet,
  renditionEnvShape,
  type InputPolicy,
  type RenditionSet,
} from '@imgpipe/image-ops';


/** Environment of the thumbnail function (declared in `THUMBNAIL_ENV`). */
export const thumbnailEnvSchema = declaredEnvSchema(
  THUMBNAIL_ENV,
  platformConfigSchema.extend({
    ...renditionEnvShape,
    ...inputPolicyEnvShape,
  }),
);

export interface ThumbnailConfig {
  readonly originalsBucket: string;
  readonly processedBucket: string;
  readonly renditionSet: RenditionSet;
  readonly background: string;
  readonly policy: InputPolicy;
}

export function loadThumbnailConfig(env: NodeJS.ProcessEnv = process.env): ThumbnailConfig {
  const e = loadConfig(thumbnailEnvSchema, env);
  return {
    originalsBucket: e.ORIGINALS_BUCKET,
    processedBucket: e.PROCESSED_BUCKET,
    renditionSet: readRenditionSet(e.RENDITION_SET),
    background: e.THUMBNAIL_BACKGROUND,
    policy: inputPolicyFromEnv(e),
  };
}
