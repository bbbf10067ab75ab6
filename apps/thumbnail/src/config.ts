import { z } from 'zod';
import { declaredEnvSchema, loadConfig, platformConfigSchema, THUMBNAIL_ENV } from '@imgpipe/platform';
import {
  DEFAULT_RENDITION_SET_PRESET,
  inputPolicyEnvShape,
  inputPolicyFromEnv,
  readRenditionSet,
  type InputPolicy,
  type RenditionSet,
} from '@imgpipe/image-ops';


/** Environment of the thumbnail function (declared in `THUMBNAIL_ENV`). */
export const thumbnailEnvSchema = declaredEnvSchema(
  THUMBNAIL_ENV,
  platformConfigSchema.extend({
    /** `gallery` (the default), `default`, `marketplace`, or a JSON rendition set inline (`{...}`) or in a file path. */
    RENDITION_SET: z.string().default(DEFAULT_RENDITION_SET_PRESET),
    THUMBNAIL_BACKGROUND: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#ffffff'),
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
