import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  COMPRESSED_PREFIX,
  ImgpipeFunction,
  type InfraConfig,
  inputLimitKnobs,
  type InputLimitSettings,
  knobs,
  ORIGINALS_PREFIX,
  type PlatformTables,
  THUMBNAILS_PREFIX,
} from '@imgpipe/infra-shared';

/** The ingest service's knobs; each maps to one variable of apps/ingest/src/config.ts. */
export interface IngestSettings extends InputLimitSettings {
  /** `UPLOAD_URL_TTL_SECONDS`: how long a presigned POST is valid. @default the service default (900) */
  readonly uploadUrlTtlSeconds?: number;
  /** `UPLOAD_HEAD_BYTES`: bytes of an upload read to check its real type. @default the service default */
  readonly uploadHeadBytes?: number;
  /** `RENDITION_SET`: must name the thumbnail service's set, so `ImageUploaded` carries its version. */
  readonly renditionSet?: string;
}

export interface IngestProps extends IngestSettings {
  readonly config: InfraConfig;
  readonly originals: IBucket;
  readonly processed: IBucket;
  readonly tables: Pick<PlatformTables, 'imageMetadata' | 'imageEvents'>;
  readonly eventBus: IEventBus;
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
 * - `httpApi` (`POST /uploads`, `GET /images`, `GET /images/{id}`, `DELETE /images/{id}`):
 *   the only function that can presign an upload, hence `s3:PutObject` on originals
 *   `uploads/*` (a presigned POST is authorised by the signer's own permissions); reads both
 *   tables; lists and deletes derivatives under `compressed/` and `thumbnails/` of the
 *   processed bucket (DELETE); publishes `ImageDeleted`.
 * - `onObjectCreated` (the S3 "Object Created" rule target): reads originals `uploads/*`
 *   (HEAD and a ranged GET of the first bytes) and publishes `ImageUploaded` or
 *   `ImageProcessingFailed`; it cannot write anything to S3 or DynamoDB.
 *
 * No sharp in either asset: ingest imports only `@imgpipe/image-ops/checks` (sniffing,
 * header dimensions, rendition-set versions), which never loads it; `npm run synth-all`
 * fails a bundle that would `require("sharp")` without shipping it.
 */
export class IngestService extends Construct {
  readonly httpApi: ImgpipeFunction;
  readonly onObjectCreated: ImgpipeFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const { config, originals, processed, tables, eventBus } = props;
    const environment = {
      ...knobs({
        UPLOAD_URL_TTL_SECONDS: props.uploadUrlTtlSeconds,
        UPLOAD_HEAD_BYTES: props.uploadHeadBytes,
        RENDITION_SET: props.renditionSet,
      }),
      ...inputLimitKnobs(props),
    };
    const common = {
      service: 'ingest',
      logRetention: config.logRetention,
      logLevel: config.logLevel,
      environment,
    };

    this.httpApi = new ImgpipeFunction(this, 'HttpApi', {
      ...common,
      entry: 'apps/ingest/src/handlers/http-api.handler.ts',
      description: 'imgpipe ingest: upload API (presigned POST, list/get/delete my images)',
      memorySize: INGEST_API_MEMORY_MB,
      timeout: INGEST_API_TIMEOUT,
    })
      .bindBucket('ORIGINALS_BUCKET', originals, ['write'], { prefix: ORIGINALS_PREFIX })
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'list'], { prefix: COMPRESSED_PREFIX })
      .bindBucket('PROCESSED_BUCKET', processed, ['delete', 'list'], { prefix: THUMBNAILS_PREFIX })
      .bindTable('IMAGES_TABLE', tables.imageMetadata, 'read')
      .bindTable('EVENTS_TABLE', tables.imageEvents, 'read')
      .bindEventBus('EVENT_BUS_NAME', eventBus);

    this.onObjectCreated = new ImgpipeFunction(this, 'OnObjectCreated', {
      ...common,
      entry: 'apps/ingest/src/handlers/on-object-created.handler.ts',
      description: 'imgpipe ingest: checks an uploaded original, announces ImageUploaded',
      memorySize: INGEST_VALIDATOR_MEMORY_MB,
      timeout: INGEST_VALIDATOR_TIMEOUT,
    })
      .bindBucket('ORIGINALS_BUCKET', originals, ['read'], { prefix: ORIGINALS_PREFIX })
      .bindEventBus('EVENT_BUS_NAME', eventBus);
    // The ingest config requires these names (one schema serves both handlers), but the
    // validator never calls them: names only, no grant.
    this.onObjectCreated.addEnvironment('PROCESSED_BUCKET', processed.bucketName);
    this.onObjectCreated.addEnvironment('IMAGES_TABLE', tables.imageMetadata.tableName);
    this.onObjectCreated.addEnvironment('EVENTS_TABLE', tables.imageEvents.tableName);
  }
}
