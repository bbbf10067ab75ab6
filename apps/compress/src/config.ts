import { z } from 'zod';
import { loadConfig, platformConfigSchema } from '@imgpipe/platform';
import { resolveInputPolicy, type CompressOptions, type InputPolicy } from '@imgpipe/image-ops';

const csv = z
  .string()
  .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.enum(['webp', 'avif', 'jpeg'])).min(1));
const optionalInt = z.coerce.number().int().positive().optional();

/** Environment of the compress function; every knob has a default but the bucket names. */
export const compressEnvSchema = platformConfigSchema.extend({
  COMPRESS_FORMATS: csv.default(['webp']),
  COMPRESS_PROFILE: z.enum(['default', 'fast']).default('default'),
  WEBP_QUALITY: z.coerce.number().int().min(1).max(100).default(80),
  MAX_UPLOAD_BYTES: optionalInt,
  MAX_PIXELS: optionalInt,
  MAX_FRAMES: optionalInt,
});

export interface CompressConfig {
  readonly originalsBucket: string;
  readonly processedBucket: string;
  readonly options: Partial<CompressOptions>;
  readonly policy: InputPolicy;
}

/** Read once per cold start; throws a message naming every bad variable. */
export function loadCompressConfig(env: NodeJS.ProcessEnv = process.env): CompressConfig {
  const e = loadConfig(compressEnvSchema, env);
  return {
    originalsBucket: e.ORIGINALS_BUCKET,
    processedBucket: e.PROCESSED_BUCKET,
    options: { formats: e.COMPRESS_FORMATS, profile: e.COMPRESS_PROFILE, webp: { quality: e.WEBP_QUALITY, effort: e.COMPRESS_PROFILE === 'fast' ? 2 : 4 } },
    policy: resolveInputPolicy({
      ...(e.MAX_UPLOAD_BYTES ? { maxBytes: e.MAX_UPLOAD_BYTES } : {}),
      ...(e.MAX_PIXELS ? { maxPixels: e.MAX_PIXELS } : {}),
      ...(e.MAX_FRAMES ? { maxFrames: e.MAX_FRAMES } : {}),
    }),
  };
}
