import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  COMPRESSED_PREFIX,
  imageFunction,
  type InfraConfig,
  type InputLimitSettings,
  knobs,
  renditionKnobs,
  ServiceFunction,
  THUMBNAILS_PREFIX,
} from '@imgpipe/infra-shared';
import { AVIF_ENV, AVIF_STEP_TIMEOUT_SECONDS, COMPRESS_ENV } from '@imgpipe/platform';

/**
 * Output formats compress can write (image-ops' `COMPRESS_FORMATS`, spelled here because a
 * service's infra never imports image-ops: its changes would redeploy infra).
 */
export type CompressFormat = 'webp' | 'avif' | 'jpeg';

/** The compress service's knobs; each maps to one variable of apps/compress/src/config.ts. */
export interface CompressSettings extends InputLimitSettings {
  /** `COMPRESS_FORMATS` (image-ops' formats). @default the service default (apps/compress/src/config.ts: webp, jpeg) */
  readonly formats?: readonly CompressFormat[];
  /** `COMPRESS_PROFILE`. @default 'default' */
  readonly profile?: 'default' | 'fast';
  /** `WEBP_QUALITY`, 1-100. @default the service default (80) */
  readonly webpQuality?: number;
  /** `AVIF_ENABLED` of the AVIF step after `ImageProcessed` (apps/compress/src/avif.config.ts). @default the service default (true) */
  readonly avifEnabled?: boolean;
  /** `AVIF_EFFORT`, 0-9. @default the service default (`DEFAULT_AVIF_EFFORT`, 0: chosen from the bench) */
  readonly avifEffort?: number;
}

export interface CompressProps extends CompressSettings {
  readonly config: InfraConfig;
  readonly originals: IBucket;
  readonly processed: IBucket;
  /** The event store: the AVIF step reads an image's history (is the record still on the run?). */
  readonly eventsTable: ITable;
  /** Where the AVIF step publishes `ImageVariantAdded`. */
  readonly eventBus: IEventBus;
  /** The AVIF step's on-failure destination (EventBridge invokes it asynchronously). */
  readonly asyncInvokeFailures: IQueue;
}

/**
 * Memory and timeout. A 24 MP photo's WebP alone takes ~2.7 s at this size, ~4.6 s with the
 * default JPEG fallback and the rendition set's large renditions (docs/deploy.md, "Memory":
 * measured, and the open question of 4096 MB that figure raises); Lambda gives a full vCPU at 1769 MB, so 2048 MB buys one whole core (plus a little) and room for the
 * decoded raster (24 MP x 4 bytes ≈ 96 MB, several copies while encoding). The timeout is
 * the `Compress` task's `TimeoutSeconds` in libs/workflow/pipeline.asl.json (25 s, which
 * keeps a whole run inside the Express limit; infra/src/stacks/pipeline.stack.spec.ts holds
 * the two equal): over ten times a 24 MP WebP encode. Revisit both from the benchmark
 * (`npm run bench`) rather than by feel.
 */
export const COMPRESS_MEMORY_MB = 2048;
export const COMPRESS_TIMEOUT = Duration.seconds(25);

/**
 * The AVIF step (after `ImageProcessed`, off the pipeline's clock): the same one vCPU as
 * compress. At effort 0 with the perceptual search, a 13 MP AVIF costs about what its WebP
 * does (tools/bench/README.md, "Perceptual sections"); 120 s leaves room for a 24 MP original
 * on a slow core without letting a stuck encode hold the function for long.
 */
export const AVIF_MEMORY_MB = 2048;
export const AVIF_TIMEOUT = Duration.seconds(AVIF_STEP_TIMEOUT_SECONDS);

/**
 * The compress service: the function of state machine task `Compress` (reads an original
 * under `uploads/`, writes web-optimised variants under `compressed/` of the processed bucket
 * and the rendition set's large renditions, those past image-ops' `EARLY_RENDITION_MAX_SIDE`,
 * under `thumbnails/`, nothing else), and the AVIF step after `ImageProcessed`
 * ({@link CompressService.addAvifVariant}, `compressed/` only).
 */
export class CompressService extends Construct {
  readonly fn: ServiceFunction<typeof COMPRESS_ENV>;
  /**
   * The AVIF step (`createAvifHandler`, target of the rule `image-processed-to-avif`): reads
   * the original and the image's history, writes `compressed/.../full.avif` (and deletes it
   * again when a delete or reprocess landed meanwhile), publishes `ImageVariantAdded`.
   */
  readonly addAvifVariant: ServiceFunction<typeof AVIF_ENV>;

  constructor(scope: Construct, id: string, props: CompressProps) {
    super(scope, id);
    this.fn = imageFunction(this, 'CompressImage', {
      service: 'compress',
      env: COMPRESS_ENV,
      entry: 'apps/compress/src/handlers/compress-image.handler.ts',
      description: 'imgpipe compress: original -> web-optimised full-size variants',
      memorySize: COMPRESS_MEMORY_MB,
      timeout: COMPRESS_TIMEOUT,
      // The burst budget: a burst queues behind it (the state machine retries throttles with jitter).
      reservedConcurrency: props.config.capacity.compressReservedConcurrency,
      config: props.config,
      environment: {
        ...knobs(COMPRESS_ENV, {
          COMPRESS_FORMATS: props.formats?.join(','),
          COMPRESS_PROFILE: props.profile,
          WEBP_QUALITY: props.webpQuality,
        }),
        // The app's one rendition set, the thumbnail function's: compress makes its large renditions
        // (image-ops' splitRenditionSet) from its own full-size decode.
        ...renditionKnobs(props.config.renditions),
      },
      limits: props,
      originals: props.originals,
      processed: props.processed,
      // The full-size variants, and the set's large renditions beside the thumbnail task's.
      writePrefixes: [COMPRESSED_PREFIX, THUMBNAILS_PREFIX],
    });

    this.addAvifVariant = imageFunction(this, 'AddAvifVariant', {
      service: 'avif',
      env: AVIF_ENV,
      entry: 'apps/compress/src/handlers/add-avif-variant.handler.ts',
      description: 'imgpipe compress: AVIF variant after ImageProcessed (ImageVariantAdded)',
      memorySize: AVIF_MEMORY_MB,
      timeout: AVIF_TIMEOUT,
      config: props.config,
      environment: knobs(AVIF_ENV, {
        AVIF_ENABLED: props.avifEnabled === undefined ? undefined : String(props.avifEnabled),
        AVIF_EFFORT: props.avifEffort,
      }),
      limits: props,
      originals: props.originals,
      processed: props.processed,
      writePrefixes: [COMPRESSED_PREFIX],
    })
      // Deletes the full.avif it wrote when the image was deleted or reprocessed while it encoded.
      .bindBucket('PROCESSED_BUCKET', props.processed, ['delete'], { prefix: COMPRESSED_PREFIX })
      // Loads the image's history (Query): nothing else of the event store.
      .bindTableActions('EVENTS_TABLE', props.eventsTable, ['Query'])
      .bindEventBus('EVENT_BUS_NAME', props.eventBus)
      // EventBridge invokes it asynchronously: Lambda's retries, then the invocation record is kept.
      .deadLetterAsyncInvokes(props.asyncInvokeFailures);
  }
}
