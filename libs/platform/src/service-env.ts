import type { z } from 'zod';
import type { AwsService } from './config';
import { PlatformError } from './errors';

/**
 * Every service's environment, declared once: which variables its `config.ts` reads, whether
 * each is required, and what it holds. Three readers, one list:
 * - the app's config schema is checked against it ({@link declaredEnvSchema}: a name the
 *   schema has and the declaration lacks, or the reverse, fails to compile; a required-ness
 *   that differs throws at load, so every spec of the app fails);
 * - infra binds by it (`ImgpipeFunction` takes the declaration: its `bind*` helpers and knobs
 *   accept only declared names, and infra/src/stacks/service-env.spec.ts checks that each
 *   function's template sets every required resource and nothing undeclared);
 * - the local runtime derives the environment from it (tools/local/src/service-env.ts).
 */

/** The platform's resources a variable can name; infra binds each with its grant, the local runtime with its local name. */
export const RESOURCE_ROLES = [
  'originalsBucket',
  'processedBucket',
  'imagesTable',
  'eventsTable',
  'grantsTable',
  /** The API's per-user request counters (`TABLES.rateLimits`). */
  'rateLimitsTable',
  'idempotencyTable',
  'eventBus',
  'notifyTopic',
  'webhooksSecret',
  'cdnDistribution',
  /** Prefix of the delivery record's URLs: `https://<CloudFront domain>` on AWS, the local server's `/cdn` URL locally. */
  'cdnBaseUrl',
] as const;
export type ResourceRole = (typeof RESOURCE_ROLES)[number];

/**
 * What a variable holds, and so who sets it:
 * - `resource`: the name/ARN of a platform resource (infra's `bind*`, the local runtime's peers);
 * - `knob`: a setting; unset, the service's own default applies (infra's `knobs`, the operator's env locally);
 * - `lambda`: set by the Lambda runtime itself (`AWS_REGION`); infra must not set it;
 * - `endpoint`: an endpoint override of one AWS service, set only by the local runtime.
 */
export type EnvVar =
  | { readonly source: 'resource'; readonly resource: ResourceRole; readonly required: boolean }
  | { readonly source: 'knob'; readonly required: false }
  | { readonly source: 'lambda'; readonly required: true }
  | { readonly source: 'endpoint'; readonly service: AwsService | 'all'; readonly required: false };

/** A service's variables, by name. */
export type ServiceEnv = Readonly<Record<string, EnvVar>>;

const resource = <const R extends ResourceRole>(role: R) => ({ source: 'resource', resource: role, required: true }) as const;
const optionalResource = <const R extends ResourceRole>(role: R) => ({ source: 'resource', resource: role, required: false }) as const;
const KNOB = { source: 'knob', required: false } as const;
const endpoint = (service: AwsService | 'all') => ({ source: 'endpoint', service, required: false }) as const;

/** `awsConfigSchema`: the region (Lambda's) and the local runtime's endpoints. */
const AWS_LOCATION = {
  AWS_REGION: { source: 'lambda', required: true },
  IMGPIPE_AWS_ENDPOINT: endpoint('all'),
  IMGPIPE_S3_ENDPOINT: endpoint('s3'),
  IMGPIPE_DYNAMODB_ENDPOINT: endpoint('dynamodb'),
  IMGPIPE_EVENTBRIDGE_ENDPOINT: endpoint('eventbridge'),
  IMGPIPE_SNS_ENDPOINT: endpoint('sns'),
} as const;
const BUCKETS = { ORIGINALS_BUCKET: resource('originalsBucket'), PROCESSED_BUCKET: resource('processedBucket') } as const;
/** image-ops' `inputPolicyEnvShape`: the input limits of every service that reads originals. */
export const INPUT_POLICY_ENV = { MAX_UPLOAD_BYTES: KNOB, MAX_PIXELS: KNOB, MAX_FRAMES: KNOB } as const;

/** The rendition set and its background: read by the thumbnail and compress tasks, each making its share (image-ops' `renditionEnvShape`). */
const RENDITION_ENV = {
  RENDITION_SET: KNOB,
  THUMBNAIL_BACKGROUND: KNOB,
} as const satisfies ServiceEnv;

/** apps/compress/src/config.ts. */
export const COMPRESS_ENV = {
  ...AWS_LOCATION,
  ...BUCKETS,
  ...RENDITION_ENV,
  COMPRESS_FORMATS: KNOB,
  COMPRESS_PROFILE: KNOB,
  WEBP_QUALITY: KNOB,
  COMPRESS_QUALITY: KNOB,
  ...INPUT_POLICY_ENV,
} as const satisfies ServiceEnv;

/**
 * apps/compress/src/avif.config.ts: compress's follow-up step after `ImageProcessed` (issue 13),
 * which adds an AVIF variant to the run the record points at.
 */
export const AVIF_ENV = {
  ...AWS_LOCATION,
  ...BUCKETS,
  EVENTS_TABLE: resource('eventsTable'),
  EVENT_BUS_NAME: resource('eventBus'),
  /** `true` (default) / `false`: whether the step makes AVIF at all. */
  AVIF_ENABLED: KNOB,
  /** AVIF encoder effort 0-9 (default from the bench: `DEFAULT_AVIF_EFFORT`). */
  AVIF_EFFORT: KNOB,
  ...INPUT_POLICY_ENV,
} as const satisfies ServiceEnv;

/**
 * How long the AVIF step may take on one image: its Lambda's timeout (infra), and locally how long
 * it may hold the pipeline runner (tools/local) before queued executions start beside it.
 * A 12 MP AVIF encode takes ~13 s on 2 cores (tools/bench/README.md), so this is ~9x that.
 */
export const AVIF_STEP_TIMEOUT_SECONDS = 120;

/** apps/thumbnail/src/config.ts. */
export const THUMBNAIL_ENV = {
  ...AWS_LOCATION,
  ...BUCKETS,
  ...RENDITION_ENV,
  ...INPUT_POLICY_ENV,
} as const satisfies ServiceEnv;

/** apps/ingest/src/config.ts (both functions read the one schema). */
export const INGEST_ENV = {
  ...AWS_LOCATION,
  ...BUCKETS,
  IMAGES_TABLE: resource('imagesTable'),
  EVENTS_TABLE: resource('eventsTable'),
  EVENT_BUS_NAME: resource('eventBus'),
  ...INPUT_POLICY_ENV,
  UPLOAD_URL_TTL_SECONDS: KNOB,
  UPLOAD_HEAD_BYTES: KNOB,
  RENDITION_SET: KNOB,
  GRANTS_TABLE: resource('grantsTable'),
  UNDO_WINDOW_SECONDS: KNOB,
  CDN_DISTRIBUTION_ID: optionalResource('cdnDistribution'),
  RATE_LIMITS_TABLE: optionalResource('rateLimitsTable'),
  RATE_LIMIT_UPLOADS: KNOB,
  RATE_LIMIT_CHANGES: KNOB,
  RATE_LIMIT_READS: KNOB,
} as const satisfies ServiceEnv;

/** apps/metadata/src/config.ts (all five functions read the one schema). */
export const METADATA_ENV = {
  ...AWS_LOCATION,
  IMAGES_TABLE: resource('imagesTable'),
  EVENTS_TABLE: resource('eventsTable'),
  EVENT_BUS_NAME: resource('eventBus'),
  GRANTS_TABLE: optionalResource('grantsTable'),
  ...BUCKETS,
  UNDO_WINDOW_SECONDS: KNOB,
  RETENTION_DAYS: KNOB,
  METADATA_MAX_ATTEMPTS: KNOB,
  CDN_BASE_URL: optionalResource('cdnBaseUrl'),
  CDN_DISTRIBUTION_ID: optionalResource('cdnDistribution'),
  RECONCILE_AFTER_MINUTES: KNOB,
  RECONCILE_MAX_REDRIVES: KNOB,
} as const satisfies ServiceEnv;

/** apps/notify/src/config.ts. */
export const NOTIFY_ENV = {
  ...AWS_LOCATION,
  NOTIFY_TOPIC_ARN: resource('notifyTopic'),
  IDEMPOTENCY_TABLE: resource('idempotencyTable'),
  EVENTS_TABLE: optionalResource('eventsTable'),
  WEBHOOKS: KNOB,
  WEBHOOK_ALLOW_HTTP: KNOB,
  WEBHOOK_ALLOW_LOOPBACK: KNOB,
  WEBHOOKS_SECRET_ARN: optionalResource('webhooksSecret'),
  WEBHOOKS_SECRET_MAX_AGE_S: KNOB,
  WEBHOOK_TIMEOUT_MS: KNOB,
  WEBHOOK_MAX_RESPONSE_BYTES: KNOB,
} as const satisfies ServiceEnv;

/** Every service's declaration, by `POWERTOOLS_SERVICE_NAME`. */
export const SERVICE_ENV = {
  compress: COMPRESS_ENV,
  avif: AVIF_ENV,
  thumbnail: THUMBNAIL_ENV,
  ingest: INGEST_ENV,
  metadata: METADATA_ENV,
  notify: NOTIFY_ENV,
} as const;
export type ServiceName = keyof typeof SERVICE_ENV;

/** The platform's buckets and tables among {@link RESOURCE_ROLES}. */
export type BucketRole = Extract<ResourceRole, `${string}Bucket`>;
export type TableRole = Extract<ResourceRole, `${string}Table`>;

/** The names of `D`'s variables holding one of `R` (any name when `D` is no particular declaration). */
export type ResourceVar<D extends ServiceEnv, R extends ResourceRole = ResourceRole> = string extends keyof D
  ? string
  : { [K in keyof D]: D[K] extends { source: 'resource'; resource: R } ? K : never }[keyof D] & string;
/** The names of `D`'s knobs (any name when `D` is no particular declaration). */
export type KnobVar<D extends ServiceEnv> = string extends keyof D
  ? string
  : { [K in keyof D]: D[K] extends { source: 'knob' } ? K : never }[keyof D] & string;

/** The variables of `declaration` that must be set for its config to load, by who sets them. */
export function requiredVariables(declaration: ServiceEnv): string[] {
  return Object.entries(declaration).flatMap(([name, v]) => (v.required ? [name] : []));
}

type SameKeys<S extends z.ZodObject, D> = [Exclude<keyof S['shape'], keyof D>, Exclude<keyof D, keyof S['shape']>] extends [never, never]
  ? unknown
  : { readonly 'the schema and the declaration name different variables': { extra: Exclude<keyof S['shape'], keyof D>; missing: Exclude<keyof D, keyof S['shape']> } };

/** A declaration and a schema disagree (a programming error, found by any test that loads the config). */
export class EnvDeclarationMismatchError extends PlatformError<'EnvDeclarationMismatch'> {
  override readonly name = 'EnvDeclarationMismatchError';
  constructor(readonly problems: readonly string[]) {
    super({ code: 'EnvDeclarationMismatch', message: `environment declaration and schema differ: ${problems.join('; ')}`, retryable: false });
  }
}

/**
 * `schema`, once checked against `declaration`: the same variable names (else a compile
 * error), and a variable is required in the schema (no default, not optional) exactly when
 * the declaration says so (else it throws, at load).
 *
 * @example
 * export const compressEnvSchema = declaredEnvSchema(COMPRESS_ENV, platformConfigSchema.extend({ ... }));
 */
export function declaredEnvSchema<const D extends ServiceEnv, S extends z.ZodObject>(declaration: D, schema: S & SameKeys<S, D>): S {
  const shape = schema.shape as Record<string, z.ZodType>;
  const problems = [
    ...Object.keys(shape).filter((name) => !(name in declaration)).map((name) => `${name} is not declared`),
    ...Object.keys(declaration).filter((name) => !(name in shape)).map((name) => `${name} is declared but not read`),
    ...Object.entries(declaration).flatMap(([name, v]) => {
      const field = shape[name];
      if (!field) return [];
      const required = !field.safeParse(undefined).success;
      return required === v.required ? [] : [`${name} is ${required ? 'required by the schema but optional in the declaration' : 'optional in the schema but required by the declaration'}`];
    }),
  ];
  if (problems.length > 0) throw new EnvDeclarationMismatchError(problems);
  return schema;
}
