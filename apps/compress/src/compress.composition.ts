import type { ImageCompressedData } from '@imgpipe/contracts';
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
import { createCompressImage } from './compress-image.use-case';
import type { CompressConfig } from './config';

/** The ports the compress task stands on. */
export interface CompressPorts {
  /** Reads the original, writes the variants. */
  readonly store: ObjectStore;
}

/** S3 on the SDK (traced in Lambda); the local runtime passes its own `clients`. */
export function awsCompressPorts(
  _config: CompressConfig,
  clients: Pick<AwsClients, 's3'> = createAwsClients(undefined, { tracer }),
): CompressPorts {
  return { store: new S3ObjectStore(clients.s3) };
}

/**
 * The compress service's composition root: state machine task `Compress` (`ImageUploaded`
 * data and the run's correlation id in, `ImageCompressed` data out) with Powertools
 * applied; the image id and the correlation id are on every log line of the run. A failure
 * carries the stage `compress` in its cause, as the state machine's branch names it too
 * (`CompressCaught`, which also covers a timeout, where no code ran to say so).
 */
export function createCompressHandler(ports: CompressPorts, config: CompressConfig): InstrumentedHandler<unknown, ImageCompressedData> {
  return createPipelineTaskHandler({
    name: 'compress',
    stage: 'compress',
    input: ProcessTaskInputSchema,
    isInvalidInput: isInvalidImageError,
    imageContext: (input) => ({ imageId: input.uploaded.imageId, correlationId: input.correlationId }),
    coldStart: () => {
      configureImageRuntime();
      const run = createCompressImage({ store: ports.store, ...config });
      return async (input) => {
        const started = performance.now();
        const result = await run(input.uploaded);
        // With the run's imageId and correlationId, as every line of the task (createTaskHandler's imageContext).
        logger.info('image compressed', { ms: Math.round(performance.now() - started) });
        return result;
      };
    },
  });
}
