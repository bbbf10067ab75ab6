import { z } from 'zod';
import { DEFAULT_UNDO_WINDOW_SECONDS, MAX_UNDO_WINDOW_SECONDS } from '@imgpipe/contracts';
import {
  ConfigError,
  declaredEnvSchema,
  envInt,
  INGEST_ENV,
  loadConfig,
  platformConfigSchema,
  resourcesConfigSchema,
  toAwsClientsConfig,
  type AwsClientsConfig,
  type Env,
} from '@imgpipe/platform';
import {
  inputPolicyEnvShape,
  inputPolicyFromEnv,
  readRenditionSet as readRenditionSetValue,
  renditionEnvShape,
  renditionSetVersion,
  type InputPolicy,
  type RenditionSet,
} from '@imgpipe/image-ops/checks';
import { acceptedContentTypes } from './content-types';
import { DEFAULT_HEAD_BYTES } from './check-upload.use-case';
import { DEFAULT_RATE_LIMITS, rateLimitEnv, type RateLimits } from './rate-limit';

/** S3's ceiling for a presigned request: 7 days. */
const MAX_UPLOAD_TTL_SECONDS = 7 * 24 * 3600;

/** Environment of the ingest functions (declared in `INGEST_ENV`); every knob has a default but the AWS resources. */
export const ingestEnvSchema = declaredEnvSchema(INGEST_ENV, platformConfigSchema.extend({
  ...resourcesConfigSchema.pick({ IMAGES_TABLE: true, EVENTS_TABLE: true, EVENT_BUS_NAME: true }).shape,
  /** `MAX_UPLOAD_BYTES` (default 25 MiB), `MAX_PIXELS`, `MAX_FRAMES`: the same variables as compress and thumbnail. */
  ...inputPolicyEnvShape,
  /** How long a presigned POST is valid. */
  UPLOAD_URL_TTL_SECONDS: envInt().max(MAX_UPLOAD_TTL_SECONDS).default(15 * 60),
  /** Bytes of an upload read to check its real type. */
  UPLOAD_HEAD_BYTES: envInt().max(1024 * 1024).default(DEFAULT_HEAD_BYTES),
  /** The rendition set thumbnail and compress make (`gallery` by default, `default`, `marketplace`, inline JSON or a file path): image-ops' one definition. */
  RENDITION_SET: renditionEnvShape.RENDITION_SET,
  /** The upload grants table (`TABLES.uploadGrants`), held to the platform's table-name rule. */
  GRANTS_TABLE: resourcesConfigSchema.shape.IMAGES_TABLE,
  /** How long a deleted image can be restored before its original is erased (default 7 days); metadata reads the same variable. */
  UNDO_WINDOW_SECONDS: envInt().max(MAX_UNDO_WINDOW_SECONDS).default(DEFAULT_UNDO_WINDOW_SECONDS),
  /** The CloudFront distribution in front of the processed bucket; a delete invalidates the image's paths on it. Absent: no CDN cache to invalidate (the local runtime). */
  CDN_DISTRIBUTION_ID: z
    .string()
    .regex(/^[A-Z0-9]{1,64}$/, 'must be a CloudFront distribution id (A-Z, 0-9)')
    .optional(),
  /** The per-user request counters (`TABLES.rateLimits`). Absent: no per-user limit (infra and the local runtime always set it). */
  RATE_LIMITS_TABLE: resourcesConfigSchema.shape.IMAGES_TABLE.optional(),
  /** Per-user limits, `<requests>/<seconds>s` or `off` (defaults: `DEFAULT_RATE_LIMITS`, docs/deploy.md). */
  RATE_LIMIT_UPLOADS: rateLimitEnv(DEFAULT_RATE_LIMITS.uploads),
  RATE_LIMIT_CHANGES: rateLimitEnv(DEFAULT_RATE_LIMITS.changes),
  RATE_LIMIT_READS: rateLimitEnv(DEFAULT_RATE_LIMITS.reads),
}));

export interface IngestConfig {
  readonly aws: AwsClientsConfig;
  readonly originalsBucket: string;
  readonly processedBucket: string;
  readonly imagesTable: string;
  readonly eventsTable: string;
  /** Upload grants: written at presign time, claimed by the one object each admits. */
  readonly grantsTable: string;
  readonly eventBusName: string;
  readonly policy: InputPolicy;
  /** The policy's `maxBytes`: the presigned POST's upper bound and the ingest check's. */
  readonly maxUploadBytes: number;
  readonly acceptedContentTypes: readonly string[];
  readonly uploadTtlSeconds: number;
  readonly headBytes: number;
  /** `renditionSetVersion` of the thumbnail service's set, carried by every `ImageUploaded`. */
  readonly renditionsVersion: string;
  /** Seconds a delete can be undone (`ImageDeleted.undoUntil` = `deletedAt` + this). */
  readonly undoWindowSeconds: number;
  /** The CloudFront distribution to invalidate a deleted image's paths on; absent: none. */
  readonly cdnDistributionId?: string;
  /** The per-user request counters' table; absent: the API limits nobody. */
  readonly rateLimitsTable?: string;
  /** Each class's per-user limit (`undefined`: that class is not limited). */
  readonly rateLimits: RateLimits;
}

/**
 * The rendition set as `RENDITION_SET` names it, read the way the thumbnail service reads
 * it, so both agree on its version.
 */
export function readRenditionSet(value: string): RenditionSet {
  try {
    return readRenditionSetValue(value);
  } catch (error) {
    throw new ConfigError([
      {
        variable: 'RENDITION_SET',
        problem: `is not a valid rendition set: ${error instanceof Error ? error.message : String(error)}`,
      },
    ]);
  }
}

/**
 * Reads the configuration once per cold start.
 *
 * @throws ConfigError naming every variable at fault.
 */
export function loadIngestConfig(env: Env = process.env): IngestConfig {
  const e = loadConfig(ingestEnvSchema, env);
  const policy = inputPolicyFromEnv(e);
  return {
    aws: toAwsClientsConfig(e),
    originalsBucket: e.ORIGINALS_BUCKET,
    processedBucket: e.PROCESSED_BUCKET,
    imagesTable: e.IMAGES_TABLE,
    eventsTable: e.EVENTS_TABLE,
    grantsTable: e.GRANTS_TABLE,
    eventBusName: e.EVENT_BUS_NAME,
    policy,
    maxUploadBytes: policy.maxBytes,
    acceptedContentTypes: acceptedContentTypes(policy),
    uploadTtlSeconds: e.UPLOAD_URL_TTL_SECONDS,
    headBytes: e.UPLOAD_HEAD_BYTES,
    renditionsVersion: renditionSetVersion(readRenditionSet(e.RENDITION_SET)),
    undoWindowSeconds: e.UNDO_WINDOW_SECONDS,
    ...(e.CDN_DISTRIBUTION_ID ? { cdnDistributionId: e.CDN_DISTRIBUTION_ID } : {}),
    ...(e.RATE_LIMITS_TABLE ? { rateLimitsTable: e.RATE_LIMITS_TABLE } : {}),
    rateLimits: { uploads: e.RATE_LIMIT_UPLOADS, changes: e.RATE_LIMIT_CHANGES, reads: e.RATE_LIMIT_READS },
  };
}
