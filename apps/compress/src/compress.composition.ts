import type { ImageCompressedData } from '@imgpipe/contracts';
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
 * data in, `ImageCompressed` data out) with Powertools applied. A failure carries the stage
 * `compress` in its cause, so `RecordFailure` attributes it to this branch of the Parallel state.
 */
export function createCompressHandler(ports: CompressPorts, config: CompressConfig): InstrumentedHandler<unknown, ImageCompressedData> {
  return createPipelineTaskHandler({
    name: 'compress',
    stage: 'compress',
    input: ProcessTaskInputSchema,
    isInvalidInput: isInvalidImageError,
    imageContext: (input) => ({ imageId: input.imageId }),
    coldStart: () => {
      configureImageRuntime();
      return createCompressImage({ store: ports.store, ...config });
    },
  });
}
