import type { ImageCompressedData } from '@imgpipe/contracts';
import type { Ssimulacra2Scorer } from '@imgpipe/image-ops/scorer';
import { awsImageTaskPorts, createImageTaskHandler, type ImageTaskPorts } from '@imgpipe/image-ops/task';
import type { AwsClients, InstrumentedHandler } from '@imgpipe/platform';
import { createCompressImage } from './compress-image.use-case';
import type { CompressConfig } from './config';

/**
 * The ports the compress task stands on: one object store (image-ops' {@link ImageTaskPorts}),
 * and where `COMPRESS_QUALITY=auto` scores SSIMULACRA2 (absent, as in Lambda: on the calling
 * thread; the local runtime passes a worker thread's).
 */
export type CompressPorts = ImageTaskPorts & { readonly scorer?: Ssimulacra2Scorer };

/** S3 on the SDK (traced in Lambda); the local runtime passes its own `clients`. */
export function awsCompressPorts(_config: CompressConfig, clients?: Pick<AwsClients, 's3'>): CompressPorts {
  return awsImageTaskPorts(clients);
}

/** The line the compress task logs when its work is done (with its `ms`); the local latency bench reads it. */
export const COMPRESS_DONE_MESSAGE = 'image compressed';

/**
 * The compress service's composition root: state machine task `Compress` (`ImageUploaded`
 * data and the run's correlation id in, `ImageCompressed` data out) with Powertools
 * applied; the image id and the correlation id are on every log line of the run. A failure
 * carries the stage `compress` in its cause, as the state machine's branch names it too
 * (`CompressCaught`, which also covers a timeout, where no code ran to say so).
 */
export function createCompressHandler(ports: CompressPorts, config: CompressConfig): InstrumentedHandler<unknown, ImageCompressedData> {
  return createImageTaskHandler({
    stage: 'compress',
    doneMessage: COMPRESS_DONE_MESSAGE,
    start: () =>
      createCompressImage({ store: ports.store, ...config, ...(ports.scorer ? { options: { ...config.options, scorer: ports.scorer } } : {}) }),
  });
}
