import { Duration } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  COMPRESSED_PREFIX,
  ServiceFunction,
  type InfraConfig,
  inputLimitKnobs,
  type InputLimitSettings,
  knobs,
  ORIGINALS_PREFIX,
} from '@imgpipe/infra-shared';
import { COMPRESS_ENV } from '@imgpipe/platform';

/** Output formats compress can write (`COMPRESS_FORMATS` of apps/compress/src/config.ts). */
export type CompressFormat = 'webp' | 'avif' | 'jpeg';

/** What compress writes when `COMPRESS_FORMATS` is unset (apps/compress/src/config.ts). */
export const COMPRESS_DEFAULT_FORMATS: readonly CompressFormat[] = ['webp'];

/** The compress service's knobs; each maps to one variable of apps/compress/src/config.ts. */
export interface CompressSettings extends InputLimitSettings {
  /** `COMPRESS_FORMATS`. @default the service default (webp) */
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
  /** The full-size formats this function writes: the only ones the CDN may negotiate. */
  readonly formats: readonly CompressFormat[];

  constructor(scope: Construct, id: string, props: CompressProps) {
    super(scope, id);
    this.formats = props.formats ?? COMPRESS_DEFAULT_FORMATS;
    const environment = {
      ...knobs(COMPRESS_ENV, {
        COMPRESS_FORMATS: props.formats?.join(','),
        COMPRESS_PROFILE: props.profile,
        WEBP_QUALITY: props.webpQuality,
      }),
      ...inputLimitKnobs(props),
    };

    this.fn = new ServiceFunction(this, 'CompressImage', {
      service: 'compress',
      env: COMPRESS_ENV,
      entry: 'apps/compress/src/handlers/compress-image.handler.ts',
      description: 'imgpipe compress: original -> web-optimised full-size variants',
      memorySize: COMPRESS_MEMORY_MB,
      timeout: COMPRESS_TIMEOUT,
      // The burst budget: a burst queues behind it (the state machine retries throttles with jitter).
      reservedConcurrency: props.config.capacity.compressReservedConcurrency,
      logRetention: props.config.logRetention,
      logLevel: props.config.logLevel,
      nativeModules: ['sharp'],
      environment,
    })
      .bindBucket('ORIGINALS_BUCKET', props.originals, ['read'], { prefix: ORIGINALS_PREFIX })
      .bindBucket('PROCESSED_BUCKET', props.processed, ['write'], { prefix: COMPRESSED_PREFIX });
  }
}
