import { createTaskHandler, logger } from '@imgpipe/platform';
import { RecordThumbnailsTaskInputSchema } from '@imgpipe/workflow/task-io';
import type { MetadataService } from '../metadata-service';

/** What `RecordThumbnails` returns; the state machine drops it (`ResultPath: null`), the logs keep it. */
export interface RecordThumbnailsOutput {
  readonly recorded: boolean;
  readonly discarded: boolean;
  readonly published: boolean;
}

/**
 * State machine task `RecordThumbnails` (`record`), the thumbnail branch's second state: the
 * thumbnails in (`RecordThumbnailsTaskInputSchema` of @imgpipe/workflow), `ThumbnailsGenerated`
 * recorded and put on the bus while the full-size encode still runs (issue 13). A malformed
 * input is `InvalidEvent`; the state machine treats any failure here as "record it later"
 * (`RecordMetadata` does), so nothing it throws fails the image.
 */
export function createRecordThumbnailsHandler(service: () => MetadataService): (event: unknown) => Promise<RecordThumbnailsOutput> {
  return createTaskHandler({
    input: RecordThumbnailsTaskInputSchema,
    stage: 'record',
    imageContext: (input) => ({ imageId: input.uploaded.imageId, correlationId: input.correlationId ?? input.uploaded.imageId }),
    coldStart: () => {
      const { recordThumbnails } = service();
      return async (input) => {
        const result = await recordThumbnails(input);
        const message = result.discarded
          ? 'image was deleted while processing: thumbnails not recorded'
          : result.recorded
            ? 'thumbnails recorded before the full-size encode ended'
            : 'thumbnails were already recorded';
        logger.info(message, { revision: result.record?.revision, status: result.record?.status });
        return { recorded: result.recorded, discarded: result.discarded, published: result.published !== undefined };
      };
    },
  });
}
