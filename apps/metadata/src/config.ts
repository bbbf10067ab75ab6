import { z } from 'zod';
import { DEFAULT_UNDO_WINDOW_SECONDS, MAX_UNDO_WINDOW_SECONDS } from '@imgpipe/contracts';
import {
  awsConfigSchema,
  declaredEnvSchema,
  envInt,
  METADATA_ENV,
  loadConfig,
  platformConfigSchema,
  resourcesConfigSchema,
  toAwsClientsConfig,
  type AwsClientsConfig,
  type Env,
} from '@imgpipe/platform';
import type { ProjectionOptions } from './projection';
import {
  DEFAULT_RECONCILE_AFTER_MINUTES,
  DEFAULT_RECONCILE_MAX_REDRIVES,
  RECONCILE_MIN_AFTER_MINUTES,
  type ReconcileStuckOptions,
} from './reconcile-stuck.use-case';

/** How often `appendAndProject` reloads and retries after a concurrency conflict, by default. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Environment of the metadata functions: the AWS location, the two tables, the bus
 * (`recordFailure` publishes `ImageProcessingFailed`), both buckets (a run finishing after a
 * delete removes its derivatives from the processed bucket; the purge erases originals) and
 * the knobs.
 */
export const metadataEnvSchema = declaredEnvSchema(METADATA_ENV, awsConfigSchema.extend({
  ...resourcesConfigSchema.pick({ IMAGES_TABLE: true, EVENTS_TABLE: true, EVENT_BUS_NAME: true }).shape,
  /** The upload grants, which the purge removes (a grant's key holds the file name); unset: left to their TTL. */
  GRANTS_TABLE: resourcesConfigSchema.shape.IMAGES_TABLE.optional(),
  ...platformConfigSchema.pick({ ORIGINALS_BUCKET: true, PROCESSED_BUCKET: true }).shape,
  /** How long a delete can be undone before the purge erases the original (default 7 days). */
  UNDO_WINDOW_SECONDS: envInt().max(MAX_UNDO_WINDOW_SECONDS).default(DEFAULT_UNDO_WINDOW_SECONDS),
  /** Read-model records expire (DynamoDB TTL) this many days after upload; unset: never. */
  RETENTION_DAYS: envInt().max(36_500).optional(),
  /** Attempts of one append + projection under concurrent writers (1 = no retry). */
  METADATA_MAX_ATTEMPTS: envInt().max(20).default(DEFAULT_MAX_ATTEMPTS),
  /** Prefix of the delivery record's URLs (CDN base + key): `https://<CloudFront domain>` on AWS, the local server's `/cdn` URL locally; unset: root-relative. */
  CDN_BASE_URL: z
    .string()
    .regex(/^(?:https?:\/\/[A-Za-z0-9.:[\]-]+)?(?:\/[A-Za-z0-9._~-]+)*$/, 'must be an origin (https://host[:port]) with an optional path, or a path, without a trailing /')
    .optional(),
  /** The CloudFront distribution in front of the processed bucket: a reprocess invalidates the derivatives it replaced. Absent: no CDN cache. */
  CDN_DISTRIBUTION_ID: z
    .string()
    .regex(/^[A-Z0-9]{1,64}$/, 'must be a CloudFront distribution id (A-Z, 0-9)')
    .optional(),
  /** Minutes an image may stay processing since its last event before the reconciler acts (default 15, see the use case). */
  RECONCILE_AFTER_MINUTES: envInt().min(RECONCILE_MIN_AFTER_MINUTES).max(1440).default(DEFAULT_RECONCILE_AFTER_MINUTES),
  /** How many times the reconciler starts a stuck image's run again before failing it TIMED_OUT (0: fail at once). */
  RECONCILE_MAX_REDRIVES: z.coerce.number().int().min(0).max(5).default(DEFAULT_RECONCILE_MAX_REDRIVES),
}));
export type MetadataEnv = z.output<typeof metadataEnvSchema>;

/** The metadata service's configuration, read once per cold start. */
export interface MetadataConfig {
  readonly aws: AwsClientsConfig;
  readonly tables: { readonly images: string; readonly events: string; readonly grants?: string };
  readonly buckets: { readonly originals: string; readonly processed: string };
  readonly eventBusName: string;
  readonly projection: ProjectionOptions;
  readonly maxAttempts: number;
  /** `CDN_BASE_URL`: prefix of the delivery record's URLs. */
  readonly cdnBaseUrl?: string;
  /** `CDN_DISTRIBUTION_ID`: where replaced derivatives are invalidated. */
  readonly cdnDistributionId?: string;
  /** The reconciler of images stuck `processing`. */
  readonly reconcile: ReconcileStuckOptions;
}

/**
 * Reads and checks the environment.
 *
 * @throws {ConfigError} naming every variable at fault, e.g.
 * `invalid configuration: EVENTS_TABLE is not set`.
 */
export function loadMetadataConfig(env: Env = process.env): MetadataConfig {
  const e = loadConfig(metadataEnvSchema, env);
  return {
    aws: toAwsClientsConfig(e),
    tables: { images: e.IMAGES_TABLE, events: e.EVENTS_TABLE, ...(e.GRANTS_TABLE !== undefined ? { grants: e.GRANTS_TABLE } : {}) },
    buckets: { originals: e.ORIGINALS_BUCKET, processed: e.PROCESSED_BUCKET },
    eventBusName: e.EVENT_BUS_NAME,
    projection: {
      ...(e.RETENTION_DAYS !== undefined ? { retentionDays: e.RETENTION_DAYS } : {}),
      undoWindowSeconds: e.UNDO_WINDOW_SECONDS,
    },
    maxAttempts: e.METADATA_MAX_ATTEMPTS,
    ...(e.CDN_BASE_URL !== undefined ? { cdnBaseUrl: e.CDN_BASE_URL } : {}),
    ...(e.CDN_DISTRIBUTION_ID !== undefined ? { cdnDistributionId: e.CDN_DISTRIBUTION_ID } : {}),
    reconcile: { afterMinutes: e.RECONCILE_AFTER_MINUTES, maxRedrives: e.RECONCILE_MAX_REDRIVES },
  };
}
