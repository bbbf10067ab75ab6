import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  INPUT_POLICY_ENV,
  metricsNamespace,
  type BucketRole,
  type KnobVar,
  type ResourceVar,
  type ServiceEnv,
  type TableRole,
} from '@imgpipe/platform';
import { SHARP_ALLOCATOR_ENV } from '@imgpipe/platform/sharp-allocator-env';
import { readInfraConfig, type LogLevel } from '../config';
import { acknowledgeWildcardResources } from '../nag/acknowledgements';

/** The repository root: entries are given relative to it, and it is esbuild's project root. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');


/**
 * How Lambda retries an asynchronous invoke before sending it to the on-failure destination:
 * twice (its maximum), and an event at most 6 hours old (a throttled event waits in Lambda's
 * queue; after a long outage the destination, not silence, receives it).
 */
export const ASYNC_INVOKE_RETRY = { retryAttempts: 2, maxEventAge: Duration.hours(6) } as const;

/** Native modules esbuild cannot inline; they are installed into the asset for linux-arm64. */
export type NativeModule = 'sharp';

/**
 * What a function may do with the objects under one prefix of a bucket. The `*-version`
 * accesses are for versioned buckets: `read-version` reads (GET/HEAD) a given version,
 * `delete-version` erases a given version for good, `list-versions` lists the versions.
 */
export type BucketAccess = 'read' | 'write' | 'delete' | 'list' | 'read-version' | 'delete-version' | 'list-versions';

/** What a function may do with a table's items (and its indexes, for reads). */
export type TableAccess = 'read' | 'write' | 'read-write';

/** Single DynamoDB item actions, for a grant narrower than {@link TableAccess}. */
export const TABLE_ITEM_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'] as const;
export type TableItemAction = (typeof TABLE_ITEM_ACTIONS)[number];

/**
 * The allocator of a function that runs sharp (libvips): two malloc arenas and a fixed 1 MiB
 * mmap threshold, declared once in `@imgpipe/platform/sharp-allocator-env` (why, and what it saves:
 * tools/local/README.md, "Memory"), where `npm start` and `npm run imgpipe` are held to the same
 * values. Lambda starts Node with the function's environment, so glibc reads it at process
 * start as it must.
 */
export { SHARP_ALLOCATOR_ENV };

/** `npm ci` inside the asset installs the linux-arm64 glibc build of native modules, no Docker. */
export const LINUX_ARM64_NPM_ENV = {
  npm_config_os: 'linux',
  npm_config_cpu: 'arm64',
  npm_config_libc: 'glibc',
} as const;

export interface ImgpipeFunctionProps {
  /** The service name: `POWERTOOLS_SERVICE_NAME`, and the prefix of the description. */
  readonly service: string;
  /** Handler file, relative to the repository root (`apps/compress/src/handlers/...handler.ts`). */
  readonly entry: string;
  /** Exported handler name. @default 'handler' */
  readonly handler?: string;
  readonly description: string;
  /** MB. Lambda gives one full vCPU at 1769 MB, proportionally less below. */
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  /** Native modules to install into the asset instead of bundling. @default none */
  readonly nativeModules?: readonly NativeModule[];
  /**
   * Reserved concurrency: the most instances this function may run, and as many kept from the
   * account's pool for it. Set on the API (so a processing burst cannot starve it) and on the
   * burst-heavy workers (so they cannot take the whole account). @default none (unreserved pool)
   */
  readonly reservedConcurrency?: number;
  /** Extra environment (service knobs, see {@link knobs}); resource names come through the `bind*` helpers. */
  readonly environment?: Readonly<Record<string, string>>;
}

type KnobValues<K extends string> = Readonly<Partial<Record<K, string | number | undefined>>>;

/**
 * A service's knobs as environment variables: unset ones are left out, so the service's own
 * default (in its `config.ts`) applies rather than a second copy of it here. Given the
 * service's declaration first, a name it does not declare as a knob fails to compile.
 *
 * @example
 * knobs(COMPRESS_ENV, { WEBP_QUALITY: props.webpQuality, COMPRESS_FORMATS: props.formats?.join(',') });
 */
export function knobs<D extends ServiceEnv>(declaration: D, values: KnobValues<KnobVar<D>>): Partial<Record<KnobVar<D>, string>>;
export function knobs(values: KnobValues<string>): Record<string, string>;
export function knobs(first: ServiceEnv | KnobValues<string>, second?: KnobValues<string>): Record<string, string> {
  const values = second ?? (first as KnobValues<string>);
  return Object.fromEntries(
    Object.entries(values).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])),
  );
}

const APPLICATION_LOG_LEVELS: Record<LogLevel, ApplicationLogLevel> = {
  DEBUG: ApplicationLogLevel.DEBUG,
  INFO: ApplicationLogLevel.INFO,
  WARN: ApplicationLogLevel.WARN,
  ERROR: ApplicationLogLevel.ERROR,
};

/** The exact version of `name` the workspace pins in the root package.json (one source of truth). */
export function pinnedVersion(name: NativeModule): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const version = pkg.dependencies?.[name];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`${name} must be pinned to an exact version in the root package.json dependencies (found ${version ?? 'nothing'})`);
  }
  return version;
}

/**
 * The shell command that installs native modules into a bundle directory for linux-arm64.
 * It writes its own package.json first and passes `--prefix`, so npm can never walk up into
 * the workspace (and touch its node_modules) from inside cdk.out.
 */
export function installNativeModulesCommand(outputDir: string, nativeModules: readonly NativeModule[]): string {
  const dependencies = Object.fromEntries(nativeModules.map((name) => [name, pinnedVersion(name)]));
  const packageJson = JSON.stringify({ private: true, dependencies });
  return [
    `cd "${outputDir}"`,
    `printf '%s' '${packageJson}' > package.json`,
    `npm install --prefix "${outputDir}" --omit=dev --no-package-lock --no-audit --no-fund --ignore-scripts`,
  ].join(' && ');
}

/**
 * The esbuild settings of every function. The AWS SDK v3 is bundled rather than taken from
 * the runtime, so the SDK version that runs is the one the tests ran against.
 *
 * Native modules (sharp) are left out of the bundle and installed next to it by npm with
 * `npm_config_os/cpu/libc` set to linux/arm64/glibc, which picks sharp's prebuilt
 * `@img/sharp-linux-arm64` binaries on any build host, no Docker. This is what
 * `bundling.nodeModules` does, done by hand because `nodeModules` cannot work here: it reads
 * the version from the entry's package.json (apps never depend on sharp; image-ops does) or
 * from `sharp/package.json` (not in sharp's `exports`), and then runs `npm ci` against the
 * workspace lock file, which does not match the one-dependency package.json it generates.
 */
export function bundlingFor(nativeModules: readonly NativeModule[] = []): BundlingOptions {
  const base: BundlingOptions = {
    format: OutputFormat.CJS,
    target: 'node22',
    minify: true,
    // No source maps in production bundles: measured with esbuild on this code, a map is
    // 6.8-8.8 MB next to a 1.8-3.8 MB bundle (compress 3.76 MB + 8.81 MB, the API 1.93 + 7.27,
    // notify 1.80 + 6.83), and `--enable-source-maps` parses it at every cold start. Function
    // and class names survive minification instead (`keepNames`), so stack traces stay readable.
    sourceMap: false,
    keepNames: true,
    externalModules: [],
  };
  if (nativeModules.length === 0) return base;
  return {
    ...base,
    externalModules: [...nativeModules],
    environment: { ...LINUX_ARM64_NPM_ENV },
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => [installNativeModulesCommand(outputDir, nativeModules)],
    },
  };
}

/**
 * Every imgpipe Lambda: arm64, Node.js 22, active X-Ray tracing, JSON logs into its own log
 * group with a retention, Powertools environment, and a role of its own that starts with
 * nothing but writing to that log group. Resources are attached with the `bind*` helpers,
 * so an environment variable and the IAM grant it needs are one call and cannot drift.
 *
 * @example
 * const fn = new ImgpipeFunction(this, 'Compress', { service: 'compress', entry: 'apps/compress/src/handlers/compress-image.handler.ts', ... });
 * fn.bindBucket('ORIGINALS_BUCKET', originals, ['read'], { prefix: 'uploads/' });
 */
export class ImgpipeFunction extends NodejsFunction {
  /** The log group the function writes to (retention set, retained on delete for audit). */
  readonly logGroupOwned: LogGroup;
  /** Object-key prefixes granted through {@link bindBucket}: their `prefix*` wildcards are intended. */
  private readonly scopedPrefixes = new Set<string>();

  constructor(scope: Construct, id: string, props: ImgpipeFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of the default one: no AWS managed policy (AWSLambdaBasicExecutionRole
    // would allow writing to any log group), only this function's log group.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the imgpipe ${props.service} function ${id}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: join(REPO_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      description: props.description,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: APPLICATION_LOG_LEVELS[props.logLevel],
      // INFO keeps Lambda's START/END/REPORT lines (duration, max memory used, init duration):
      // what memory tuning and cold-start figures are read from.
      systemLogLevelV2: SystemLogLevel.INFO,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      bundling: bundlingFor(props.nativeModules),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.service,
        // The stage's own namespace, so two stages in one account keep their metrics apart.
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(readInfraConfig(scope.node).stage),
        // Same level as the Lambda log-level filter above, so neither silently drops lines.
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...(props.nativeModules?.includes('sharp') ? SHARP_ALLOCATOR_ENV : {}),
        ...props.environment,
      },
    });
    this.logGroupOwned = logGroup;

    acknowledgeWildcardResources(role, (resource) => [...this.scopedPrefixes].some((p) => resource.endsWith(`/${p}*`)), {
      reason:
        'Object access is scoped to one key prefix of one bucket (bindBucket): keys below it are per user and image, so a prefix wildcard is the narrowest grant that works.',
    });
    acknowledgeWildcardResources(role, (resource) => resource.endsWith('/index/*'), {
      reason:
        'Table grants (bindTable) cover the table and its indexes: DynamoDB names indexes "<table ARN>/index/<name>", and the tables\' GSIs (user-id-index) are queried; the wildcard cannot reach another table.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: it is the LTS line the handlers are built (esbuild target node22) and tested for; a runtime major is upgraded deliberately with its tests, not by a lint rule.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (AWS service authorization reference), so the resource must be "*".',
    });
  }

  /**
   * Sets `envName` to a resource's name with no grant: for a variable the service's config
   * requires (one schema serves several functions) that this function never calls.
   */
  nameResource(envName: string, name: string): this {
    this.addEnvironment(envName, name);
    return this;
  }

  /**
   * For a function invoked asynchronously (an EventBridge target, S3): Lambda's own retries
   * ({@link ASYNC_INVOKE_RETRY}) and, once they are spent or the event is too old, the
   * invocation record (request payload, error) goes to `queue` instead of being dropped.
   * Redrive: docs/deploy.md, "Async-invoke failures".
   */
  deadLetterAsyncInvokes(queue: IQueue): this {
    // Not `SqsDestination`, whose grant adds sqs:GetQueueAttributes and GetQueueUrl: Lambda
    // needs sqs:SendMessage on the queue and nothing else to deliver an invocation record.
    this.configureAsyncInvoke({ ...ASYNC_INVOKE_RETRY, onFailure: { bind: () => ({ destination: queue.queueArn }) } });
    this.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    return this;
  }

  /**
   * Grants `access` to the objects under `prefix` of `bucket` and sets `envName` to its name.
   * `read` is `s3:GetObject`, `write` `s3:PutObject`, `delete` `s3:DeleteObject`,
   * `read-version` `s3:GetObjectVersion`, `delete-version` `s3:DeleteObjectVersion`; `list`
   * (`s3:ListBucket`) and `list-versions` (`s3:ListBucketVersions`) are limited to keys under the
   * prefix. Pass `prefix: ''` for the whole bucket, on purpose.
   */
  bindBucket(
    envName: string,
    bucket: IBucket,
    access: readonly BucketAccess[],
    options: { readonly prefix: string },
  ): this {
    this.addEnvironment(envName, bucket.bucketName);
    const objectActions = access.flatMap((a) => {
      switch (a) {
        case 'read':
          return ['s3:GetObject'];
        case 'write':
          return ['s3:PutObject'];
        case 'delete':
          return ['s3:DeleteObject'];
        case 'read-version':
          return ['s3:GetObjectVersion'];
        case 'delete-version':
          return ['s3:DeleteObjectVersion'];
        case 'list':
        case 'list-versions':
          return [];
      }
    });
    const listActions = [
      ...(access.includes('list') ? ['s3:ListBucket'] : []),
      ...(access.includes('list-versions') ? ['s3:ListBucketVersions'] : []),
    ];
    if (options.prefix) this.scopedPrefixes.add(options.prefix);
    if (objectActions.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: objectActions,
          resources: [bucket.arnForObjects(`${options.prefix}*`)],
        }),
      );
    }
    if (listActions.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: listActions,
          resources: [bucket.bucketArn],
          ...(options.prefix ? { conditions: { StringLike: { 's3:prefix': [`${options.prefix}*`] } } } : {}),
        }),
      );
    }
    // SSE-KMS buckets need the key too; the platform's buckets use SSE-S3, so this is usually a no-op.
    if (bucket.encryptionKey) {
      if (access.includes('read') || access.includes('read-version')) bucket.encryptionKey.grantDecrypt(this);
      if (access.includes('write')) bucket.encryptionKey.grantEncrypt(this);
    }
    return this;
  }

  /** Grants item-level `access` to `table` (and its indexes) and sets `envName` to its name. */
  bindTable(envName: string, table: ITable, access: TableAccess): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else if (access === 'write') table.grantWriteData(this);
    else table.grantReadWriteData(this);
    return this;
  }

  /**
   * Grants exactly `actions` on `table`'s items (and its indexes) and sets `envName` to its
   * name: for a function that needs less than {@link bindTable}'s read or write sets.
   *
   * @example
   * fn.bindTableActions('GRANTS_TABLE', tables.uploadGrants, ['GetItem', 'UpdateItem']);
   */
  bindTableActions(envName: string, table: ITable, actions: readonly TableItemAction[]): this {
    this.addEnvironment(envName, table.tableName);
    table.grant(this, ...actions.map((action) => `dynamodb:${action}`));
    return this;
  }

  /** Grants `events:PutEvents` on `bus` and sets `envName` to its name. */
  bindEventBus(envName: string, bus: IEventBus): this {
    this.addEnvironment(envName, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }

  /** Grants `sns:Publish` on `topic` (and its key) and sets `envName` to its ARN. */
  bindTopic(envName: string, topic: ITopic): this {
    this.addEnvironment(envName, topic.topicArn);
    topic.grantPublish(this);
    if (topic.masterKey && this.role) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to a KMS-encrypted topic needs a data key; the grant (kms:GenerateDataKey*, CDK\'s topic.grantPublish) is limited to the ARN of the topic\'s own key, so it reaches no other key.',
      });
    }
    return this;
  }

  /**
   * Grants `secretsmanager:GetSecretValue` (and `DescribeSecret`) on `secret` alone and sets
   * `envName` to its ARN: the function reads the value at run time, so it never appears in
   * the function's configuration or the template.
   */
  bindSecret(envName: string, secret: ISecret): this {
    this.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this);
    return this;
  }
}

/** {@link ImgpipeFunctionProps} of a function bound by its service's environment declaration. */
export interface ServiceFunctionProps<D extends ServiceEnv> extends Omit<ImgpipeFunctionProps, 'environment'> {
  /**
   * The service's environment declaration (`SERVICE_ENV` of `@imgpipe/platform`, e.g.
   * `COMPRESS_ENV`, the one its `config.ts` schema is checked against).
   */
  readonly env: D;
  /** The service's knobs ({@link knobs} with the same declaration). */
  readonly environment?: Readonly<Partial<Record<KnobVar<D>, string>>>;
}

/**
 * An {@link ImgpipeFunction} whose environment is typed by its service's declaration: the
 * `bind*` helpers, {@link ImgpipeFunction.nameResource} and the knobs accept only the names
 * it declares for that kind of resource, so a misspelt or foreign name fails to compile.
 * infra/src/stacks/service-env.spec.ts checks each function's template against it.
 *
 * @example
 * new ServiceFunction(this, 'Compress', { env: COMPRESS_ENV, ... }).bindBucket('ORIGINALS_BUCKET', originals, ['read'], { prefix: 'uploads/' });
 */
export class ServiceFunction<D extends ServiceEnv> extends ImgpipeFunction {
  /** The declaration the function is bound by. */
  readonly envDeclaration: D;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps<D>) {
    const environment = Object.fromEntries(
      Object.entries(props.environment ?? {}).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
    );
    super(scope, id, { ...props, environment });
    this.envDeclaration = props.env;
  }

  // The helpers of ImgpipeFunction, narrowed to the declaration's names of each kind.
  override nameResource(envName: ResourceVar<D>, name: string): this {
    return super.nameResource(envName, name);
  }
  override bindBucket(
    envName: ResourceVar<D, BucketRole>,
    bucket: IBucket,
    access: readonly BucketAccess[],
    options: { readonly prefix: string },
  ): this {
    return super.bindBucket(envName, bucket, access, options);
  }
  override bindTable(envName: ResourceVar<D, TableRole>, table: ITable, access: TableAccess): this {
    return super.bindTable(envName, table, access);
  }
  override bindTableActions(envName: ResourceVar<D, TableRole>, table: ITable, actions: readonly TableItemAction[]): this {
    return super.bindTableActions(envName, table, actions);
  }
  override bindEventBus(envName: ResourceVar<D, 'eventBus'>, bus: IEventBus): this {
    return super.bindEventBus(envName, bus);
  }
  override bindTopic(envName: ResourceVar<D, 'notifyTopic'>, topic: ITopic): this {
    return super.bindTopic(envName, topic);
  }
  override bindSecret(envName: ResourceVar<D, 'webhooksSecret'>, secret: ISecret): this {
    return super.bindSecret(envName, secret);
  }
}


/**
 * The input limits every service that reads originals applies (ingest, compress, thumbnail):
 * one set of knobs, mapped to the variables of image-ops' `inputPolicyEnvShape`.
 */
export interface InputLimitSettings {
  /** `MAX_UPLOAD_BYTES`. @default image-ops' default (25 MiB) */
  readonly maxUploadBytes?: number;
  /** `MAX_PIXELS`. @default image-ops' default */
  readonly maxPixels?: number;
  /** `MAX_FRAMES`. @default image-ops' default */
  readonly maxFrames?: number;
}

/** The environment variables of {@link InputLimitSettings}; unset ones are left out. */
export function inputLimitKnobs(settings: InputLimitSettings): Partial<Record<KnobVar<typeof INPUT_POLICY_ENV>, string>> {
  return knobs(INPUT_POLICY_ENV, {
    MAX_UPLOAD_BYTES: settings.maxUploadBytes,
    MAX_PIXELS: settings.maxPixels,
    MAX_FRAMES: settings.maxFrames,
  });
}
