import { z } from 'zod';
import { COMPRESS_ENV, declaredEnvSchema, loadConfig, platformConfigSchema } from '@imgpipe/platform';
import {
  COMPRESS_FORMATS,
  COMPRESS_PROFILES,
  inputPolicyEnvShape,
  inputPolicyFromEnv,
  readRenditionSet,
  renditionEnvShape,
  type CompressOptionsInput,
  type InputPolicy,
  type RenditionSet,
} from '@imgpipe/image-ops';

const csv = z
  .string()
  .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.enum(COMPRESS_FORMATS)).min(1));

/** Environment of the compress function (declared in `COMPRESS_ENV`); every knob has a default but the bucket names. */
export const compressEnvSchema = declaredEnvSchema(
  COMPRESS_ENV,
  platformConfigSchema.extend({
    // JPEG beside WebP: the universal fallback the CDN negotiates for a client without WebP
    // (one more mozjpeg encode per image; honest output drops it when it does not beat a
    // servable original, which is then the fallback in its own format).
    COMPRESS_FORMATS: csv.default(['webp', 'jpeg']),
    COMPRESS_PROFILE: z.enum(COMPRESS_PROFILES).default('default'),
    WEBP_QUALITY: z.coerce.number().int().min(1).max(100).default(80),
    /**
     * `auto`: every format's quality is the lowest that meets image-ops' SSIMULACRA2 target
     * (its perceptual search); a number sets every format's quality; unset: the profile's,
     * with WebP at `WEBP_QUALITY`.
     */
    COMPRESS_QUALITY: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(100)]).optional(),
    // The rendition set's renditions too large for the thumbnail task's early decode are compress's (issue 13).
    ...renditionEnvShape,
    ...inputPolicyEnvShape,
  }),
);

export interface CompressConfig {
  readonly originalsBucket: string;
  readonly processedBucket: string;
  readonly options: CompressOptionsInput;
  readonly policy: InputPolicy;
  /** `RENDITION_SET`: compress makes its `late` share (`splitRenditionSet`). */
  readonly renditionSet: RenditionSet;
  /** `THUMBNAIL_BACKGROUND`. */
  readonly background: string;
}

/** Read once per cold start; throws a message naming every bad variable. */
export function loadCompressConfig(env: NodeJS.ProcessEnv = process.env): CompressConfig {
  const e = loadConfig(compressEnvSchema, env);
  return {
    originalsBucket: e.ORIGINALS_BUCKET,
    processedBucket: e.PROCESSED_BUCKET,
    // The profile picks the encoder effort; quality is WEBP_QUALITY for WebP, or COMPRESS_QUALITY for every format.
    options: {
      formats: e.COMPRESS_FORMATS,
      profile: e.COMPRESS_PROFILE,
      webp: { quality: e.COMPRESS_QUALITY ?? e.WEBP_QUALITY },
      ...(e.COMPRESS_QUALITY !== undefined ? { avif: { quality: e.COMPRESS_QUALITY }, jpeg: { quality: e.COMPRESS_QUALITY } } : {}),
    },
    policy: inputPolicyFromEnv(e),
    renditionSet: readRenditionSet(e.RENDITION_SET),
    background: e.THUMBNAIL_BACKGROUND,
  };
}
