import type { ThumbnailsGeneratedData } from '@imgpipe/contracts';
import { configureImageRuntime, isInvalidImageError } from '@imgpipe/image-ops';
import {
  createAwsClients,
  createPipelineTaskHandler,
  logger,
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
 * data and the run's correlation id in, `ThumbnailsGenerated` data out) with Powertools
 * applied; the image id and the correlation id are on every log line of the run. A failure
 * carries the stage `thumbnail` in its cause, as the state machine's branch names it too
 * (`ThumbnailCaught`, which also covers a timeout, where no code ran to say so).
 */
export function createThumbnailHandler(ports: ThumbnailPorts, config: ThumbnailConfig): InstrumentedHandler<unknown, ThumbnailsGeneratedData> {
  return createPipelineTaskHandler({
    name: 'thumbnail',
    stage: 'thumbnail',
    input: ProcessTaskInputSchema,
    isInvalidInput: isInvalidImageError,
    imageContext: (input) => ({ imageId: input.uploaded.imageId, correlationId: input.correlationId }),
    coldStart: () => {
      configureImageRuntime();
      const run = createGenerateThumbnails({ store: ports.store, ...config });
      return async (input) => {
        const started = performance.now();
        const result = await run(input.uploaded);
        // With the run's imageId and correlationId, as every line of the task (createTaskHandler's imageContext).
        logger.info('thumbnails generated', { ms: Math.round(performance.now() - started) });
        return result;
      };
    },
  });
}
