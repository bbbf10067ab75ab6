/**
 * `@imgpipe/image-ops/task`: the one state machine task wrapper of the services that read an
 * original with image-ops (compress and thumbnail, the `ProcessImage` Parallel state's two
 * branches). Kept out of image-ops' barrel: the barrel is pure image work, this entry adds
 * the Lambda side (Powertools, the task input contract) for the two apps that run it.
 *
 * What it fixes for both, once:
 * - the input is `ProcessTaskInputSchema` (`{ uploaded, correlationId }`);
 * - an {@link InvalidImageError} is the image's fault (`InvalidImage`, never retried);
 * - the image id and the run's correlation id are on every log line of the call;
 * - libvips is configured at cold start ({@link configureImageRuntime}), before the use case
 *   is built;
 * - one timed log line when the work is done;
 * - the memory the image's work freed goes back to the system ({@link releaseFreedMemory});
 * - every failure carries the task's stage, as the state machine's branch names it too.
 */
import type { FailureStage, ImageUploadedData, RenditionObject } from '@imgpipe/contracts';
import {
  createAwsClients,
  createPipelineTaskHandler,
  IMMUTABLE_CACHE_CONTROL,
  logger,
  S3ObjectStore,
  tracer,
  type AwsClients,
  type InstrumentedHandler,
  type ObjectStore,
} from '@imgpipe/platform';
import { ProcessTaskInputSchema } from '@imgpipe/workflow/task-io';
import { isInvalidImageError } from './errors';
import type { RenditionResult } from './renditions';
import { configureImageRuntime, releaseFreedMemoryInBackground } from './runtime';

/** The ports an image task stands on: the store it reads the original from and writes its files to. */
export interface ImageTaskPorts {
  readonly store: ObjectStore;
}

/** S3 on the SDK (traced in Lambda); the local runtime passes its own `clients`. */
export function awsImageTaskPorts(clients: Pick<AwsClients, 's3'> = createAwsClients(undefined, { tracer })): ImageTaskPorts {
  return { store: new S3ObjectStore(clients.s3) };
}

export interface ImageTaskOptions<O> {
  /** The Parallel branch this task is: its name on every failure and in Powertools' context. */
  readonly stage: Extract<FailureStage, 'compress' | 'thumbnail'>;
  /** Builds the use case once per cold start, after libvips is configured. */
  readonly start: () => (uploaded: ImageUploadedData) => Promise<O>;
  /** The log line written when the work is done, with its `ms`: `image compressed`. */
  readonly doneMessage: string;
}

/**
 * A compress or thumbnail task as an instrumented Lambda handler (the local runtime calls the
 * same factory with its own ports).
 *
 * @example
 * createImageTaskHandler({ stage: 'compress', doneMessage: 'image compressed',
 *   start: () => createCompressImage({ store, ...config }) });
 */
export function createImageTaskHandler<O>(options: ImageTaskOptions<O>): InstrumentedHandler<unknown, O> {
  return createPipelineTaskHandler({
    name: options.stage,
    stage: options.stage,
    input: ProcessTaskInputSchema,
    isInvalidInput: isInvalidImageError,
    imageContext: (input) => ({ imageId: input.uploaded.imageId, correlationId: input.correlationId }),
    coldStart: () => {
      configureImageRuntime();
      const run = options.start();
      return async (input) => {
        const started = performance.now();
        try {
          const result = await run(input.uploaded);
          // With the run's imageId and correlationId, as every line of the task (createTaskHandler's imageContext).
          logger.info(options.doneMessage, { ms: Math.round(performance.now() - started) });
          return result;
        } finally {
          // The image's pixel buffers are freed now: give glibc's free pages back (a no-op off
          // glibc), on a thread of libuv's pool, so the next state does not wait for the trim.
          void releaseFreedMemoryInBackground();
        }
      };
    },
  });
}

/**
 * A rendition as the events list it (the contracts' `RenditionObject`): where it was written and
 * what it is. The one mapping for both tasks that make renditions (issue 13: the thumbnail task
 * its share of the set, compress the large ones).
 */
export function renditionObject(rendition: RenditionResult, location: { readonly bucket: string; readonly key: string }): RenditionObject {
  const { name, format, contentType, size, width, height } = rendition;
  return { ...location, name, format, contentType, size, width, height };
}

/**
 * Writes one rendition where it goes: immutable (its key carries its run's version), tagged with
 * its image and the rendition set it belongs to. The one write for both tasks that make renditions.
 */
export function putRendition(
  store: ObjectStore,
  rendition: RenditionResult,
  location: { readonly bucket: string; readonly key: string },
  tags: { readonly imageId: string; readonly renditionsVersion: string },
): Promise<unknown> {
  return store.put({
    ...location,
    body: rendition.data,
    contentType: rendition.contentType,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    metadata: { 'image-id': tags.imageId, 'renditions-version': tags.renditionsVersion },
  });
}
