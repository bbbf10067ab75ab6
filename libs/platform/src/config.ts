import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors';

/** The environment as `process.env` gives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment with `schema`, once, at cold start. Empty variables count as unset
 * (so `FOO=` falls back to a default, or is reported missing). On failure it throws a
 * {@link ConfigError} naming every variable at fault; values are never echoed, since
 * some are secrets.
 *
 * @example
 * const schema = platformConfigSchema.extend({ MAX_UPLOAD_BYTES: envInt().default(25 * 1024 * 1024) });
 * export const config = loadConfig(schema); // throws: "invalid configuration: ORIGINALS_BUCKET is not set"
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)';
    const missing = issue.path.length > 0 && present[String(issue.path[0])] === undefined;
    return { variable, problem: missing ? 'is not set' : `is invalid: ${issue.message}` };
  });
  throw new ConfigError(problems);
}

/** A positive integer variable, e.g. `envInt().default(25_000_000)`. */
export const envInt = () => z.coerce.number().int().positive();

/** `true` or `false`, nothing else (no "Yes"/"No" flags). */
export const envBoolean = () => z.enum(['true', 'false']).transform((value) => value === 'true');

/** An http(s) URL, e.g. an endpoint override. */
const envUrl = () => z.url({ protocol: /^https?$/ });

const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 of a-z, 0-9, . and -)');
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a valid DynamoDB table name');

/**
 * Where the AWS clients go. `IMGPIPE_AWS_ENDPOINT` sends every client to one endpoint
 * (a local stack); `IMGPIPE_<SERVICE>_ENDPOINT` overrides it for one service (the local
 * runtime runs S3 and DynamoDB on different ports).
 */
export const awsConfigSchema = z.object({
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1'),
  IMGPIPE_AWS_ENDPOINT: envUrl().optional(),
  IMGPIPE_S3_ENDPOINT: envUrl().optional(),
  IMGPIPE_DYNAMODB_ENDPOINT: envUrl().optional(),
  IMGPIPE_EVENTBRIDGE_ENDPOINT: envUrl().optional(),
  IMGPIPE_SNS_ENDPOINT: envUrl().optional(),
});
export type AwsEnv = z.output<typeof awsConfigSchema>;

/** What every service gets: the AWS location and both buckets. Services `extend` it. */
export const platformConfigSchema = awsConfigSchema.extend({
  ORIGINALS_BUCKET: bucketName,
  PROCESSED_BUCKET: bucketName,
});
export type PlatformEnv = z.output<typeof platformConfigSchema>;

/** The platform's tables and bus; services `pick` the ones they use. */
export const resourcesConfigSchema = z.object({
  IMAGES_TABLE: tableName,
  EVENTS_TABLE: tableName,
  IDEMPOTENCY_TABLE: tableName,
  EVENT_BUS_NAME: z.string().regex(/^[A-Za-z0-9._/-]{1,256}$/, 'must be an EventBridge bus name'),
});
export type ResourcesEnv = z.output<typeof resourcesConfigSchema>;

/** The AWS services the platform talks to. */
export const AWS_SERVICES = ['s3', 'dynamodb', 'eventbridge', 'sns'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/** Everything the client factory needs; no SDK types, so config stays SDK-free. */
export interface AwsClientsConfig {
  readonly region: string;
  /** Every client's endpoint (a local stack). */
  readonly endpoint?: string;
  /** One service's endpoint; wins over `endpoint`. */
  readonly endpoints?: Partial<Record<AwsService, string>>;
  /** Static credentials (local servers); the default provider chain when absent. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The client factory's input from the parsed environment. */
export function toAwsClientsConfig(env: AwsEnv): AwsClientsConfig {
  const endpoints: Partial<Record<AwsService, string>> = {};
  if (env.IMGPIPE_S3_ENDPOINT) endpoints.s3 = env.IMGPIPE_S3_ENDPOINT;
  if (env.IMGPIPE_DYNAMODB_ENDPOINT) endpoints.dynamodb = env.IMGPIPE_DYNAMODB_ENDPOINT;
  if (env.IMGPIPE_EVENTBRIDGE_ENDPOINT) endpoints.eventbridge = env.IMGPIPE_EVENTBRIDGE_ENDPOINT;
  if (env.IMGPIPE_SNS_ENDPOINT) endpoints.sns = env.IMGPIPE_SNS_ENDPOINT;
  return {
    region: env.AWS_REGION,
    ...(env.IMGPIPE_AWS_ENDPOINT ? { endpoint: env.IMGPIPE_AWS_ENDPOINT } : {}),
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
  };
}
