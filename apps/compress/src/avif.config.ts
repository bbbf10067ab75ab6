import { z } from 'zod';
import {
  AVIF_ENV,
  declaredEnvSchema,
  envBoolean,
  loadConfig,
  platformConfigSchema,
  resourcesConfigSchema,
  toAwsClientsConfig,
  type AwsClientsConfig,
  type Env,
} from '@imgpipe/platform';
import { inputPolicyEnvShape, inputPolicyFromEnv, type InputPolicy } from '@imgpipe/image-ops';

/**
 * AVIF encoder effort of the follow-up step, from `npm run bench -- --only avif`
 * (tools/bench/README.md, "Perceptual sections"): at equal SSIMULACRA2 distance, effort 0 is
 * ~0.65x WebP's bytes for about the WebP encode's own CPU; effort 4 is ~0.55x at ~8x the CPU.
 * Effort 0 meets the 0.75x at the least cost per image.
 */
export const DEFAULT_AVIF_EFFORT = 0;

/** Environment of the AVIF step (declared in `AVIF_ENV`). */
export const avifEnvSchema = declaredEnvSchema(
  AVIF_ENV,
  platformConfigSchema.extend({
    ...resourcesConfigSchema.pick({ EVENTS_TABLE: true, EVENT_BUS_NAME: true }).shape,
    AVIF_ENABLED: envBoolean().default(true),
    AVIF_EFFORT: z.coerce.number().int().min(0).max(9).default(DEFAULT_AVIF_EFFORT),
    ...inputPolicyEnvShape,
  }),
);

export interface AvifConfig {
  readonly aws: AwsClientsConfig;
  readonly originalsBucket: string;
  readonly processedBucket: string;
  readonly eventsTable: string;
  readonly eventBusName: string;
  /** `AVIF_ENABLED`: off, the step acknowledges every event and does nothing. */
  readonly enabled: boolean;
  /** `AVIF_EFFORT`, 0-9. */
  readonly effort: number;
  readonly policy: InputPolicy;
}

/** Read once per cold start; throws a message naming every bad variable. */
export function loadAvifConfig(env: Env = process.env): AvifConfig {
  const e = loadConfig(avifEnvSchema, env);
  return {
    aws: toAwsClientsConfig(e),
    originalsBucket: e.ORIGINALS_BUCKET,
    processedBucket: e.PROCESSED_BUCKET,
    eventsTable: e.EVENTS_TABLE,
    eventBusName: e.EVENT_BUS_NAME,
    enabled: e.AVIF_ENABLED,
    effort: e.AVIF_EFFORT,
    policy: inputPolicyFromEnv(e),
  };
}
