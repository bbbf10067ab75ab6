import { Duration, Stack } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  COMPRESSED_PREFIX,
  ServiceFunction,
  type InfraConfig,
  inputLimitKnobs,
  type InputLimitSettings,
  knobs,
  ORIGINALS_PREFIX,
  type PlatformTables,
  THUMBNAILS_PREFIX,
} from '@imgpipe/infra-shared';
import { INGEST_ENV } from '@imgpipe/platform';

/** The ingest service's knobs; each maps to one variable of apps/ingest/src/config.ts. */
export interface IngestSettings extends InputLimitSettings {
  /** `UPLOAD_URL_TTL_SECONDS`: how long a presigned POST is valid. @default the service default (900) */
  readonly uploadUrlTtlSeconds?: number;
  /** `UPLOAD_HEAD_BYTES`: bytes of an upload read to check its real type. @default the service default */
  readonly uploadHeadBytes?: number;
  /**
   * `RATE_LIMIT_UPLOADS` / `RATE_LIMIT_CHANGES` / `RATE_LIMIT_READS`: each user's limit of
   * `POST /uploads`, of `DELETE` and restore, and of reads: `<requests>/<seconds>s` or `off`.
   * @default the service defaults (`120/60s`, `30/60s`, `200/10s`; docs/deploy.md, "Per-user limits")
   */
  readonly rateLimits?: { readonly uploads?: string; readonly changes?: string; readonly reads?: string };
}

export interface IngestProps extends IngestSettings {
  readonly config: InfraConfig;
  readonly originals: IBucket;
  readonly processed: IBucket;
  readonly tables: Pick<PlatformTables, 'imageMetadata' | 'imageEvents' | 'uploadGrants' | 'rateLimits'>;
  readonly eventBus: IEventBus;
  /** The CDN in front of the processed bucket: a delete invalidates the image's paths there. */
  readonly distribution: IDistribution;
  /** The on-failure destination of the upload validator (invoked asynchronously by EventBridge). */
  readonly asyncInvokeFailures: IQueue;
}

/**
 * Memory and timeout. Neither function touches pixels: the API signs, queries DynamoDB and
 * deletes a handful of objects; the validator reads a HEAD and the first bytes (at most
 * `UPLOAD_HEAD_BYTES`, 1 MiB) of an upload. Both are network-bound, so 512 MB (a third of a
 * vCPU, which is enough for JSON and a header parse) rather than the image services' 2048.
 * The API's 10 s stays well inside API Gateway's 30 s integration timeout; the validator's
 * 30 s covers a slow S3 range read and EventBridge retries of its own `PutEvents`.
 */
export const INGEST_API_MEMORY_MB = 512;
export const INGEST_API_TIMEOUT = Duration.seconds(10);
export const INGEST_VALIDATOR_MEMORY_MB = 512;
export const INGEST_VALIDATOR_TIMEOUT = Duration.seconds(30);

/**
 * The ingest service as two functions, so each holds only the grants its own handler uses:
 * - `httpApi` (`POST /uploads`, `GET /images`, `GET /images/{id}`, `DELETE /images/{id}`,
 *   `POST /images/{id}/restore`): counts each user's requests first (`UpdateItem` on the
 *   rate-limits table only, the per-user limits); the only function that can presign an upload, hence
 *   `s3:PutObject` on originals `uploads/*` (a presigned POST is authorised by the signer's
 *   own permissions), and writes the upload grant first (`PutItem`, never overwriting; `GetItem`);
 *   reads both tables; reads (HEAD) an original to check a restore still has one; lists and
 *   deletes derivatives under `compressed/` and `thumbnails/` of the processed bucket and
 *   invalidates the image's paths on the CDN (`cloudfront:CreateInvalidation` on that one
 *   distribution) on DELETE; publishes `ImageDeleted` and `ImageRestored`. It never deletes an
 *   original: that is metadata's purge, after the undo window.
 * - `onObjectCreated` (the S3 "Object Created" rule target): reads originals `uploads/*`
 *   (HEAD and a ranged GET of the first bytes, of the notified version), claims the upload's
 *   grant (`GetItem`, conditional `UpdateItem`), and refuses an object no grant covers, or the
 *   second object of a used grant, by erasing that version (`s3:DeleteObjectVersion`: the first
 *   upload stays current); publishes `ImageUploaded`, `UploadRefused` or `ImageProcessingFailed`.
 *
 * No sharp in either asset: ingest imports only `@imgpipe/image-ops/checks` (sniffing,
 * header dimensions, rendition-set versions), which never loads it; `npm run synth-all`
 * fails a bundle that would `require("sharp")` without shipping it.
 */
export class IngestService extends Construct {
  readonly httpApi: ServiceFunction<typeof INGEST_ENV>;
  readonly onObjectCreated: ServiceFunction<typeof INGEST_ENV>;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const { config, originals, processed, tables, eventBus, distribution } = props;
    const environment = {
      ...knobs(INGEST_ENV, {
        UPLOAD_URL_TTL_SECONDS: props.uploadUrlTtlSeconds,
        UPLOAD_HEAD_BYTES: props.uploadHeadBytes,
        // The app's one rendition set (the thumbnail and compress functions'), so `ImageUploaded` carries its version.
        RENDITION_SET: config.renditions.renditionSet,
        // The one window of the app (CDK context), the same value metadata's purge reads.
        UNDO_WINDOW_SECONDS: config.undoWindowSeconds,
        RATE_LIMIT_UPLOADS: props.rateLimits?.uploads,
        RATE_LIMIT_CHANGES: props.rateLimits?.changes,
        RATE_LIMIT_READS: props.rateLimits?.reads,
      }),
      ...inputLimitKnobs(props),
    };
    const common = {
      service: 'ingest',
      env: INGEST_ENV,
      logRetention: config.logRetention,
      logLevel: config.logLevel,
      environment,
    };

    this.httpApi = new ServiceFunction(this, 'HttpApi', {
      ...common,
      entry: 'apps/ingest/src/handlers/http-api.handler.ts',
      description: 'imgpipe ingest: upload API (presigned POST, list/get/delete my images)',
      memorySize: INGEST_API_MEMORY_MB,
      timeout: INGEST_API_TIMEOUT,
      // Kept for the API whatever the pipeline does: a processing burst cannot starve uploads.
      reservedConcurrency: config.capacity.apiReservedConcurrency,
    })
      .bindBucket('ORIGINALS_BUCKET', originals, ['read', 'write'], { prefix: ORIGINALS_PREFIX })
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'list'], { prefix: COMPRESSED_PREFIX })
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'list'], { prefix: THUMBNAILS_PREFIX })
      .bindTable('IMAGES_TABLE', tables.imageMetadata, 'read')
      .bindTable('EVENTS_TABLE', tables.imageEvents, 'read')
      .bindTableActions('GRANTS_TABLE', tables.uploadGrants, ['PutItem', 'GetItem'])
      // Per-user limits: one conditional UpdateItem per request, and nothing else, on the counters only.
      .bindTableActions('RATE_LIMITS_TABLE', tables.rateLimits, ['UpdateItem'])
      .bindEventBus('EVENT_BUS_NAME', eventBus);
    // A delete invalidates the image's paths at once, on this distribution only. Written out
    // rather than `distribution.grantCreateInvalidation`, which builds the ARN in the Delivery
    // stack's scope; here it is built from this stack's account, the distribution's id crossing
    // over as a stack output (so Delivery is deployed before Ingest; Delivery reads nothing of Ingest).
    this.httpApi.nameResource('CDN_DISTRIBUTION_ID', distribution.distributionId);
    this.httpApi.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['cloudfront:CreateInvalidation'],
        resources: [
          Stack.of(this).formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: distribution.distributionId }),
        ],
      }),
    );

    this.onObjectCreated = new ServiceFunction(this, 'OnObjectCreated', {
      ...common,
      entry: 'apps/ingest/src/handlers/on-object-created.handler.ts',
      description: 'imgpipe ingest: checks an uploaded original, announces ImageUploaded',
      memorySize: INGEST_VALIDATOR_MEMORY_MB,
      timeout: INGEST_VALIDATOR_TIMEOUT,
    })
      // By version only, no s3:DeleteObject: on the versioned bucket a delete without a version id
      // would put a delete marker over the first, accepted upload instead of erasing the refused one.
      .bindBucket('ORIGINALS_BUCKET', originals, ['read', 'read-version', 'delete-version'], { prefix: ORIGINALS_PREFIX })
      .bindTableActions('GRANTS_TABLE', tables.uploadGrants, ['GetItem', 'UpdateItem'])
      .bindEventBus('EVENT_BUS_NAME', eventBus);
    // The ingest config requires these names (one schema serves both handlers), but the
    // validator never calls them: names only, no grant.
    // EventBridge invokes the validator asynchronously: an ImageUploaded Lambda gave up on is kept.
    this.onObjectCreated.deadLetterAsyncInvokes(props.asyncInvokeFailures);
    this.onObjectCreated
      .nameResource('PROCESSED_BUCKET', processed.bucketName)
      .nameResource('IMAGES_TABLE', tables.imageMetadata.tableName)
      .nameResource('EVENTS_TABLE', tables.imageEvents.tableName);
  }
}
