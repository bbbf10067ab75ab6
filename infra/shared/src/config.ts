import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { DEFAULT_UNDO_WINDOW_SECONDS, MAX_UNDO_WINDOW_SECONDS } from '@imgpipe/contracts';
// image-ops' sharp-free entry: which rendition sets and backgrounds the functions accept is its
// rule, applied here at synth. infra-shared's package.json removes the Nx edge to image-ops
// (`implicitDependencies: ["!image-ops"]`): this check changes no template, so an image-ops
// change still redeploys only the services that bundle it (infra/src/config.spec.ts holds this
// file's `/checks` import to being infra's only one).
import { RENDITION_SET_PRESET_NAMES, renditionEnvShape, resolveRenditionSet } from '@imgpipe/image-ops/checks';

/** Powertools / Lambda application log levels the functions accept. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Step Functions log levels allowed (`ERROR`: failed executions only; `ALL`: every state
 * transition). Not FATAL or OFF: the `FailureNotRecorded` alarm reads failed executions from the log.
 */
export const STATE_MACHINE_LOG_LEVELS = ['ERROR', 'ALL'] as const;
export type StateMachineLogLevel = (typeof STATE_MACHINE_LOG_LEVELS)[number];

/**
 * Capacity defaults, sized for the design's numbers (1M images a day, bursts of 1,000
 * concurrent uploads) and for an account at Lambda's default 1,000 concurrent executions:
 * the three reservations leave 216 unreserved (Lambda refuses a deploy leaving under 100).
 * `npm run capacity -w infra` prints what they give; docs/deploy.md has the table.
 */
export const CAPACITY_DEFAULTS = {
  apiRateLimit: 500,
  apiBurstLimit: 1000,
  /** `POST /uploads` alone: a burst of grants cannot use the whole stage (reads keep working). */
  uploadsRouteRateLimit: 400,
  uploadsRouteBurstLimit: 1000,
  apiReservedConcurrency: 200,
  /** 1,000 uploads at compress's measured 4.6 s (24 MP, infra/src/capacity.ts) in three waves: 13.8 s, within the throttle retries' ~15.5 s. */
  compressReservedConcurrency: 334,
  thumbnailReservedConcurrency: 250,
} as const;

const positiveInt = z.coerce.number().int().positive();

/** A context value as its error message quotes it: JSON-quoted, an inline set cut at 120 characters. */
function quoted(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Zod issues as one line: `renditions.tile.fit: Invalid option: ...; ...`. */
function issuesOf(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/**
 * What is wrong with `imgpipe:renditionSet`, or nothing: the value must be what the functions'
 * `readRenditionSet` reads without a file, a preset name or an inline JSON set that image-ops'
 * `resolveRenditionSet` accepts. A file path is refused whatever it names: the functions would
 * read it at cold start from a bundle that does not hold it, and every one of them would fail.
 */
function renditionSetProblem(value: string): string | undefined {
  if ((RENDITION_SET_PRESET_NAMES as readonly string[]).includes(value)) return undefined;
  const presets = RENDITION_SET_PRESET_NAMES.join(', ');
  if (!value.trimStart().startsWith('{')) {
    return `${quoted(value)} is neither a rendition set preset (${presets}) nor a JSON rendition set ({...}); a file path is not in the functions' bundles`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return `${quoted(value)} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    resolveRenditionSet(parsed);
    return undefined;
  } catch (error) {
    if (error instanceof z.ZodError) return `${quoted(value)} is not a valid rendition set: ${issuesOf(error)}`;
    throw error;
  }
}

const booleanKnob = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** CloudWatch Logs retention periods that exist (the API rejects any other day count). */
const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/**
 * How long the bus archive may keep events after an image's undo window has run out: a week
 * to notice a bad deploy and replay its events. Past it, archived events would keep the
 * filenames of purged images (an EventBridge archive can only expire events, not edit them).
 */
export const ARCHIVE_REPLAY_MARGIN_DAYS = 7;

/** The longest archive retention allowed with an undo window of `undoWindowSeconds`. */
export function maxArchiveRetentionDays(undoWindowSeconds: number): number {
  return Math.ceil(undoWindowSeconds / 86_400) + ARCHIVE_REPLAY_MARGIN_DAYS;
}

/**
 * The deploy-time knobs, read from CDK context (`cdk.json` or `-c key=value`). Every key has
 * a default so `cdk synth` works with no context at all.
 */
export const infraContextSchema = z.object({
  /**
   * The stage (`dev`, `prod`, ...): every named resource carries it (the bus `imgpipe-<stage>`,
   * alarms and dashboards `imgpipe-<stage>-...`, the sign-in domain `imgpipe-<stage>-<account>`,
   * the CloudFormation stacks `imgpipe-<stage>-<role>`), so two stages can share an account.
   */
  'imgpipe:stage': z.string().regex(/^[a-z][a-z0-9]{0,11}$/, 'must be 1-12 lowercase letters and digits, starting with a letter').default('dev'),
  /** Name of the custom event bus before its stage suffix (DESIGN.md: `imgpipe`). */
  'imgpipe:eventBusName': z.string().regex(/^[A-Za-z0-9._-]{1,256}$/).default('imgpipe'),
  /**
   * How long the bus archive keeps events for replay. Archived events carry personal data (an
   * upload's key holds its filename) and an EventBridge archive cannot be edited, so it is
   * refused above the undo window plus {@link ARCHIVE_REPLAY_MARGIN_DAYS}. Unset: exactly that.
   */
  'imgpipe:archiveRetentionDays': z.coerce.number().int().positive().optional(),
  /**
   * `UNDO_WINDOW_SECONDS` of ingest and metadata: how long a deleted image can be restored
   * before its original is purged. Unset: the services' default (`DEFAULT_UNDO_WINDOW_SECONDS`).
   */
  'imgpipe:undoWindowSeconds': z.coerce.number().int().positive().max(MAX_UNDO_WINDOW_SECONDS).optional(),
  /**
   * How often metadata's purge runs (an EventBridge schedule), in minutes: at most 12 hours
   * (its missed-run alarm watches two intervals, and a CloudWatch period is at most a day).
   */
  'imgpipe:purgeIntervalMinutes': z.coerce.number().int().min(1).max(720).default(60),
  /** Retention of every function's log group; must be a value CloudWatch Logs offers. */
  'imgpipe:logRetentionDays': z.coerce
    .number()
    .int()
    .refine((days) => RETENTION_DAYS.has(days), 'must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)')
    .default(30),
  'imgpipe:logLevel': z.enum(LOG_LEVELS).default('INFO'),
  /**
   * The state machine's log level. ERROR (failed executions only) by default: ALL logs every
   * transition, tens of GB a day at 1M images. Raise it to debug, for a while.
   */
  'imgpipe:stateMachineLogLevel': z.enum(STATE_MACHINE_LOG_LEVELS).default('ERROR'),
  /** Whether state machine logs carry execution input and output (user data: filenames, user ids). */
  'imgpipe:stateMachineLogExecutionData': booleanKnob.default(false),
  /** The HTTP API stage's steady requests per second, all callers together. */
  'imgpipe:apiRateLimit': positiveInt.default(CAPACITY_DEFAULTS.apiRateLimit),
  /** The HTTP API stage's burst (token bucket size). */
  'imgpipe:apiBurstLimit': positiveInt.default(CAPACITY_DEFAULTS.apiBurstLimit),
  /** `POST /uploads`'s own rate, below the stage's, so a burst of uploads leaves room for reads. */
  'imgpipe:uploadsRouteRateLimit': positiveInt.default(CAPACITY_DEFAULTS.uploadsRouteRateLimit),
  'imgpipe:uploadsRouteBurstLimit': positiveInt.default(CAPACITY_DEFAULTS.uploadsRouteBurstLimit),
  /** Reserved concurrency of the API function: kept for it whatever the pipeline does. */
  'imgpipe:apiReservedConcurrency': positiveInt.default(CAPACITY_DEFAULTS.apiReservedConcurrency),
  /** Reserved concurrency (the cap) of compress: a burst queues behind it (the state machine retries throttles). */
  'imgpipe:compressReservedConcurrency': positiveInt.default(CAPACITY_DEFAULTS.compressReservedConcurrency),
  'imgpipe:thumbnailReservedConcurrency': positiveInt.default(CAPACITY_DEFAULTS.thumbnailReservedConcurrency),
  /** Origins allowed to POST a presigned upload straight to the originals bucket. */
  'imgpipe:uploadCorsOrigins': z
    .union([z.array(z.string().min(1)).min(1), z.string().transform((csv) => csv.split(',').map((s) => s.trim()))])
    .default(['*']),
  /**
   * Origins the web UI is served from: the HTTP API's CORS allow-list. Unset: the UI's own
   * distribution (`https://<id>.cloudfront.net`), which is where the deployed UI runs.
   */
  'imgpipe:webOrigins': z
    .union([z.array(z.string().min(1)).min(1), z.string().transform((csv) => csv.split(',').map((s) => s.trim()))])
    .optional(),
  /**
   * The Cognito hosted sign-in's domain prefix (`<prefix>.auth.<region>.amazoncognito.com`),
   * unique in the region. Unset: `imgpipe-<stage>-<account id>`.
   */
  'imgpipe:signInDomainPrefix': z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits and inner hyphens')
    .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'may not contain aws, amazon or cognito (Cognito refuses them)')
    .optional(),
  /**
   * More sign-in callback (and sign-out) URLs the user pool's web client accepts besides the
   * distribution's own, e.g. `http://localhost:3000/` to run a UI build against this API.
   */
  'imgpipe:signInCallbackUrls': z
    .union([z.array(z.url()), z.string().transform((csv) => csv.split(',').map((s) => s.trim()).filter(Boolean))])
    .pipe(z.array(z.url()))
    .default([]),
  /**
   * An OIDC issuer whose JWTs the API accepts (`https://...`), instead of the Cognito user
   * pool the API stack otherwise creates. Needs `imgpipe:jwtAudience`.
   */
  'imgpipe:jwtIssuer': z.url({ protocol: /^https$/ }).optional(),
  /**
   * The address Cognito sends sign-up and password-reset email from, through Amazon SES (a
   * verified identity in this region, out of the SES sandbox). Unset: Cognito's own sender,
   * which allows 50 emails a day: enough for a trial, not for production.
   */
  'imgpipe:cognitoSesFromEmail': z.email().optional(),
  /**
   * `RENDITION_SET` of the thumbnail and compress functions (each makes its share of the set:
   * thumbnail the small renditions, compress the large ones from its full-size decode) and of
   * ingest (whose `ImageUploaded` carries the set's version, which the record checks both shares
   * against): one value for all three, so they can never name different sets. A preset name
   * (`gallery`, `default`, `marketplace`) or a JSON rendition set inline (`{...}`); not a file
   * path, which the functions would read at cold start from a bundle that does not hold it.
   * Which names and sets are valid is image-ops' (`RENDITION_SET_PRESET_NAMES`, `resolveRenditionSet`),
   * checked here at synth ({@link renditionSetProblem}) as the functions check it at cold start, so
   * a typo fails the deploy, not every function. Unset: the services' default (`gallery`).
   */
  'imgpipe:renditionSet': z
    .string()
    .superRefine((value, ctx) => {
      const problem = renditionSetProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /**
   * `THUMBNAIL_BACKGROUND` of the thumbnail and compress functions (the fill of `contain` and of
   * alpha flattened into a JPEG rendition), `#rrggbb`: one value for both shares of the set.
   * Its format is image-ops' rule (`renditionEnvShape.THUMBNAIL_BACKGROUND`), applied here at synth
   * as the functions apply it at cold start. Unset: the services' default (white).
   */
  'imgpipe:thumbnailBackground': z
    .string()
    .superRefine((value, ctx) => {
      const checked = renditionEnvShape.THUMBNAIL_BACKGROUND.safeParse(value);
      if (!checked.success) ctx.addIssue({ code: 'custom', message: `${quoted(value)} is not a #rrggbb colour: ${issuesOf(checked.error)}` });
    })
    .optional(),
  /** The audiences (client ids) a token of `imgpipe:jwtIssuer` must carry. */
  'imgpipe:jwtAudience': z
    .union([z.array(z.string().min(1)).min(1), z.string().transform((csv) => csv.split(',').map((s) => s.trim()))])
    .optional(),
})
  .refine(
    (c) =>
      c['imgpipe:archiveRetentionDays'] === undefined ||
      c['imgpipe:archiveRetentionDays'] <= maxArchiveRetentionDays(c['imgpipe:undoWindowSeconds'] ?? DEFAULT_UNDO_WINDOW_SECONDS),
    {
      path: ['imgpipe:archiveRetentionDays'],
      message: `may not exceed the undo window (imgpipe:undoWindowSeconds, in days, rounded up) plus ${ARCHIVE_REPLAY_MARGIN_DAYS} days: archived events keep the filenames a purge erases everywhere else`,
    },
  )
  .refine((c) => c['imgpipe:uploadsRouteRateLimit'] <= c['imgpipe:apiRateLimit'], {
    path: ['imgpipe:uploadsRouteRateLimit'],
    message: 'may not exceed imgpipe:apiRateLimit (the stage limit caps every route anyway)',
  })
  .refine((c) => (c['imgpipe:jwtIssuer'] === undefined) === (c['imgpipe:jwtAudience'] === undefined), {
    path: ['imgpipe:jwtAudience'],
    message: 'imgpipe:jwtIssuer and imgpipe:jwtAudience go together (or neither: a Cognito user pool is created)',
  });

/** Who signs the API's bearer tokens: an external OIDC issuer, or a user pool the API stack creates. */
export type JwtIssuerConfig =
  | { readonly kind: 'cognito' }
  | { readonly kind: 'external'; readonly issuer: string; readonly audience: readonly string[] };

/** The parsed deploy-time settings. */
export interface InfraConfig {
  /** `imgpipe:stage`. */
  readonly stage: string;
  /** `imgpipe:eventBusName` with the stage: `imgpipe-dev`. */
  readonly eventBusName: string;
  /** At most {@link maxArchiveRetentionDays} of the undo window. */
  readonly archiveRetentionDays: number;
  /** Set only when configured: unset, the services' own default applies (`DEFAULT_UNDO_WINDOW_SECONDS`). */
  readonly undoWindowSeconds?: number;
  readonly purgeIntervalMinutes: number;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  readonly uploadCorsOrigins: readonly string[];
  /** Unset: the UI's own distribution. */
  readonly webOrigins?: readonly string[];
  readonly signInDomainPrefix?: string;
  /** Unset: Cognito's own sender (50 emails a day). */
  readonly cognitoSesFromEmail?: string;
  readonly extraSignInCallbackUrls: readonly string[];
  readonly jwt: JwtIssuerConfig;
  readonly stateMachineLogs: { readonly level: StateMachineLogLevel; readonly includeExecutionData: boolean };
  readonly capacity: CapacityConfig;
  /** `imgpipe:renditionSet` and `imgpipe:thumbnailBackground`: the one rendition set of thumbnail, compress and ingest. */
  readonly renditions: RenditionSettings;
}

/**
 * The rendition set the pipeline makes, one setting for every function that names it
 * ({@link renditionKnobs}). Unset fields leave the services' own defaults.
 */
export interface RenditionSettings {
  /** `RENDITION_SET`: a preset name or an inline JSON rendition set. */
  readonly renditionSet?: string;
  /** `THUMBNAIL_BACKGROUND`, `#rrggbb`. */
  readonly background?: string;
}

/** Throttles and reserved concurrency: what the capacity table (infra/scripts/capacity.ts) is derived from. */
export interface CapacityConfig {
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  readonly uploadsRouteRateLimit: number;
  readonly uploadsRouteBurstLimit: number;
  readonly apiReservedConcurrency: number;
  readonly compressReservedConcurrency: number;
  readonly thumbnailReservedConcurrency: number;
}

/** A named resource of `stage`: `imgpipe-<stage>-<name>` (alarms, dashboards). */
export function stagedName(stage: string, name: string): string {
  return `imgpipe-${stage}-${name}`;
}

/**
 * Reads {@link infraContextSchema} from a construct's context and fails synth with every bad
 * key named.
 *
 * @example
 * const config = readInfraConfig(app.node); // npx cdk synth -c imgpipe:undoWindowSeconds=1209600
 */
export function readInfraConfig(node: Node): InfraConfig {
  const raw = Object.fromEntries(
    Object.keys(infraContextSchema.shape).map((key) => [key, node.tryGetContext(key) as unknown]),
  );
  const parsed = infraContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid CDK context: ${problems}`);
  }
  const c = parsed.data;
  return {
    stage: c['imgpipe:stage'],
    eventBusName: `${c['imgpipe:eventBusName']}-${c['imgpipe:stage']}`,
    archiveRetentionDays:
      c['imgpipe:archiveRetentionDays'] ?? maxArchiveRetentionDays(c['imgpipe:undoWindowSeconds'] ?? DEFAULT_UNDO_WINDOW_SECONDS),
    ...(c['imgpipe:undoWindowSeconds'] !== undefined ? { undoWindowSeconds: c['imgpipe:undoWindowSeconds'] } : {}),
    purgeIntervalMinutes: c['imgpipe:purgeIntervalMinutes'],
    logRetention: c['imgpipe:logRetentionDays'] as RetentionDays,
    logLevel: c['imgpipe:logLevel'],
    uploadCorsOrigins: c['imgpipe:uploadCorsOrigins'],
    ...(c['imgpipe:webOrigins'] !== undefined ? { webOrigins: c['imgpipe:webOrigins'] } : {}),
    ...(c['imgpipe:signInDomainPrefix'] !== undefined ? { signInDomainPrefix: c['imgpipe:signInDomainPrefix'] } : {}),
    extraSignInCallbackUrls: c['imgpipe:signInCallbackUrls'],
    ...(c['imgpipe:cognitoSesFromEmail'] !== undefined ? { cognitoSesFromEmail: c['imgpipe:cognitoSesFromEmail'] } : {}),
    jwt:
      c['imgpipe:jwtIssuer'] !== undefined && c['imgpipe:jwtAudience'] !== undefined
        ? { kind: 'external', issuer: c['imgpipe:jwtIssuer'], audience: c['imgpipe:jwtAudience'] }
        : { kind: 'cognito' },
    stateMachineLogs: { level: c['imgpipe:stateMachineLogLevel'], includeExecutionData: c['imgpipe:stateMachineLogExecutionData'] },
    capacity: {
      apiRateLimit: c['imgpipe:apiRateLimit'],
      apiBurstLimit: c['imgpipe:apiBurstLimit'],
      uploadsRouteRateLimit: c['imgpipe:uploadsRouteRateLimit'],
      uploadsRouteBurstLimit: c['imgpipe:uploadsRouteBurstLimit'],
      apiReservedConcurrency: c['imgpipe:apiReservedConcurrency'],
      compressReservedConcurrency: c['imgpipe:compressReservedConcurrency'],
      thumbnailReservedConcurrency: c['imgpipe:thumbnailReservedConcurrency'],
    },
    renditions: {
      ...(c['imgpipe:renditionSet'] !== undefined ? { renditionSet: c['imgpipe:renditionSet'] } : {}),
      ...(c['imgpipe:thumbnailBackground'] !== undefined ? { background: c['imgpipe:thumbnailBackground'] } : {}),
    },
  };
}
