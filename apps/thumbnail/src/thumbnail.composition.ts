import type { ThumbnailsGeneratedData } from '@imgpipe/contracts';
import { awsImageTaskPorts, createImageTaskHandler, type ImageTaskPorts } from '@imgpipe/image-ops/task';
import { logger, type AwsClients, type InstrumentedHandler } from '@imgpipe/platform';
import { createGenerateThumbnails } from './generate-thumbnails.use-case';
import type { ThumbnailConfig } from './config';

/** The ports the thumbnail task stands on: one object store (image-ops' {@link ImageTaskPorts}). */
export type ThumbnailPorts = ImageTaskPorts;

/** S3 on the SDK (traced in Lambda); the local runtime passes its own `clients`. */
export function awsThumbnailPorts(_config: ThumbnailConfig, clients?: Pick<AwsClients, 's3'>): ThumbnailPorts {
  return awsImageTaskPorts(clients);
}

/** The line the thumbnail task logs when its work is done (with its `ms`); the local latency bench reads it. */
export const THUMBNAIL_DONE_MESSAGE = 'thumbnails generated';

/**
 * The thumbnail service's composition root: state machine task `Thumbnail` (`ImageUploaded`
 * data and the run's correlation id in, `ThumbnailsGenerated` data out) with Powertools
 * applied; the image id and the correlation id are on every log line of the run. A failure
 * carries the stage `thumbnail` in its cause, as the state machine's branch names it too
 * (`ThumbnailCaught`, which also covers a timeout, where no code ran to say so).
 */
export function createThumbnailHandler(ports: ThumbnailPorts, config: ThumbnailConfig): InstrumentedHandler<unknown, ThumbnailsGeneratedData> {
  return createImageTaskHandler({
    stage: 'thumbnail',
    doneMessage: THUMBNAIL_DONE_MESSAGE,
    // Where each image's time went, beside the done line (with the run's imageId and correlationId).
    start: () => createGenerateThumbnails({ store: ports.store, ...config, onTimings: (timings) => logger.info('thumbnail timings', { ...timings }) }),
  });
}
