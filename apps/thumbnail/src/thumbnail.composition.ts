import type { ThumbnailsGeneratedData } from '@imgpipe/contracts';
import { configureImageRuntime, isInvalidImageError } from '@imgpipe/image-ops';
import {
  createAwsClients,
  createPipelineTaskHandler,
  S3ObjectStore,
  tracer,
  type AwsClients,
  type InstrumentedHandler,
  type ObjectStore,
} from '@imgpipe/platform';
import { ProcessTaskInputSchema } from '@imgpipe/workflow/task-io';
import { createGenerateThumbnails } from './generate-thumbnails.use-case';
import type { ThumbnailConfig } from './config';

/** The ports the thumbnail task stands on. */
export interface ThumbnailPorts {
  /** Reads the original, writes the renditions. */
  readonly store: ObjectStore;
}

/** S3 on the SDK (traced in Lambda); the local runtime passes its own `clients`. */
export function awsThumbnailPorts(
  _config: ThumbnailConfig,
  clients: Pick<AwsClients, 's3'> = createAwsClients(undefined, { tracer }),
): ThumbnailPorts {
  return { store: new S3ObjectStore(clients.s3) };
}

/**
 * The thumbnail service's composition root: state machine task `Thumbnail` (`ImageUploaded`
 * data in, `ThumbnailsGenerated` data out) with Powertools applied. A failure carries the
 * stage `thumbnail` in its cause, so `RecordFailure` attributes it to this branch of the
 * Parallel state (whose Catch cannot tell its branches apart).
 */
export function createThumbnailHandler(ports: ThumbnailPorts, config: ThumbnailConfig): InstrumentedHandler<unknown, ThumbnailsGeneratedData> {
  return createPipelineTaskHandler({
    name: 'thumbnail',
    stage: 'thumbnail',
    input: ProcessTaskInputSchema,
    isInvalidInput: isInvalidImageError,
    imageContext: (input) => ({ imageId: input.imageId }),
    coldStart: () => {
      configureImageRuntime();
      return createGenerateThumbnails({ store: ports.store, ...config });
    },
  });
}
