import { Duration } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { COMPRESSED_PREFIX, imageFunction, type InfraConfig, type InputLimitSettings, knobs, ServiceFunction } from '@imgpipe/infra-shared';
import { COMPRESS_ENV } from '@imgpipe/platform';

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
}

export interface CompressProps extends CompressSettings {
  readonly config: InfraConfig;
  readonly originals: IBucket;
  readonly processed: IBucket;
}

/**
 * Memory and timeout. A WebP encode of a 24 MP photo takes ~2 s on one core; Lambda gives
 * a full vCPU at 1769 MB, so 2048 MB buys one whole core (plus a little) and room for the
 * decoded raster (24 MP x 4 bytes ≈ 96 MB, several copies while encoding). The timeout is
 * the `Compress` task's `TimeoutSeconds` in libs/workflow/pipeline.asl.json (25 s, which
 * keeps a whole run inside the Express limit; infra/src/stacks/pipeline.stack.spec.ts holds
 * the two equal): over ten times a 24 MP WebP encode. Revisit both from the benchmark
 * (`npm run bench`) rather than by feel.
 */
export const COMPRESS_MEMORY_MB = 2048;
export const COMPRESS_TIMEOUT = Duration.seconds(25);

/**
 * The compress function (state machine task `Compress`): reads an original under `uploads/`,
 * writes web-optimised variants under `compressed/` of the processed bucket, nothing else.
 */
export class CompressService extends Construct {
  readonly fn: ServiceFunction<typeof COMPRESS_ENV>;

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
      environment: knobs(COMPRESS_ENV, {
        COMPRESS_FORMATS: props.formats?.join(','),
        COMPRESS_PROFILE: props.profile,
        WEBP_QUALITY: props.webpQuality,
      }),
      limits: props,
      originals: props.originals,
      processed: props.processed,
      writePrefix: COMPRESSED_PREFIX,
    });
  }
}
