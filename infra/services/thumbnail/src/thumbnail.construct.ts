import { Duration } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { imageFunction, type InfraConfig, type InputLimitSettings, renditionKnobs, ServiceFunction, THUMBNAILS_PREFIX } from '@imgpipe/infra-shared';
import { THUMBNAIL_ENV } from '@imgpipe/platform';

/**
 * The thumbnail service's own knobs (the input limits). Its rendition set (`RENDITION_SET`,
 * `THUMBNAIL_BACKGROUND`) is not one of them: it is the app's, `imgpipe:renditionSet` and
 * `imgpipe:thumbnailBackground` (`config.renditions`), handed alike to compress and ingest.
 */
export type ThumbnailSettings = InputLimitSettings;

export interface ThumbnailProps extends ThumbnailSettings {
  readonly config: InfraConfig;
  readonly originals: IBucket;
  readonly processed: IBucket;
}

/**
 * Memory and timeout: one decode of the original, at 1/4 or 1/8 scale for a JPEG (the set's
 * renditions up to image-ops' `EARLY_RENDITION_MAX_SIDE`; compress makes the larger ones), then
 * several small resizes and encodes — the gallery set's eight early files, 0.48 s at 2048 MB for
 * 24 MP (docs/deploy.md, "Memory": the cheapest of the sizes compared), so the same full vCPU as
 * compress (2048 MB, above the 1769 MB mark). The timeout is the `Thumbnail` task's `TimeoutSeconds` in
 * libs/workflow/pipeline.asl.json (25 s; infra/src/stacks/pipeline.stack.spec.ts holds the
 * two equal). Revisit from the benchmark.
 */
export const THUMBNAIL_MEMORY_MB = 2048;
export const THUMBNAIL_TIMEOUT = Duration.seconds(25);

/**
 * The thumbnail function (state machine task `Thumbnail`): reads an original under
 * `uploads/`, writes the rendition set's early (small) renditions under `thumbnails/` of the
 * processed bucket; compress writes the large ones there too.
 */
export class ThumbnailService extends Construct {
  readonly fn: ServiceFunction<typeof THUMBNAIL_ENV>;

  constructor(scope: Construct, id: string, props: ThumbnailProps) {
    super(scope, id);
    this.fn = imageFunction(this, 'GenerateThumbnails', {
      service: 'thumbnail',
      env: THUMBNAIL_ENV,
      entry: 'apps/thumbnail/src/handlers/generate-thumbnails.handler.ts',
      description: 'imgpipe thumbnail: original -> rendition set',
      memorySize: THUMBNAIL_MEMORY_MB,
      timeout: THUMBNAIL_TIMEOUT,
      // The burst budget: a burst queues behind it (the state machine retries throttles with jitter).
      reservedConcurrency: props.config.capacity.thumbnailReservedConcurrency,
      config: props.config,
      // The app's one rendition set: this function makes its small renditions, compress the large ones.
      environment: renditionKnobs(props.config.renditions),
      limits: props,
      originals: props.originals,
      processed: props.processed,
      writePrefixes: [THUMBNAILS_PREFIX],
    });
  }
}
