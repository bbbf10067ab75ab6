import { createTaskHandler, logger } from '@imgpipe/platform';
import { DISCARDED_BY_DELETE } from '../discarded-run';
import type { MetadataService } from '../metadata-service';
import type { RecordMetadataOutput } from '../record-metadata.use-case';
import { RecordMetadataTaskInputSchema } from '@imgpipe/workflow/task-io';

/**
 * State machine task `RecordMetadata` (`record`): the Parallel branch results in (see
 * `RecordMetadataTaskInputSchema` of @imgpipe/workflow), the recorded `ImageProcessed` out for `PublishProcessed` —
 * or `{ discarded: true, reason: 'ImageDeleted' }` when the image was deleted meanwhile.
 * A malformed input is `InvalidEvent` (not retried); a concurrency conflict that outlasts
 * the retries inside, or a DynamoDB failure, is retried by the state machine.
 */
export function createRecordMetadataHandler(
  service: () => MetadataService,
): (event: unknown) => Promise<RecordMetadataOutput> {
  return createTaskHandler({
    input: RecordMetadataTaskInputSchema,
    stage: 'record',
    imageContext: (input) => ({ imageId: input.uploaded.imageId, correlationId: input.correlationId ?? input.uploaded.imageId }),
    coldStart: () => {
      const { recordMetadata } = service();
      return async (input) => {
        const result = await recordMetadata(input);
        if (result.discarded) {
          logger.info('image was deleted while processing: run discarded, its derivatives removed', {
            removedKeys: result.removedKeys.length,
            revision: result.record?.revision,
          });
          return DISCARDED_BY_DELETE;
        }
        const { record, recorded, discarded: _discarded, replacedKeys, ...output } = result;
        logger.info(recorded ? 'image recorded as processed' : 'image was already recorded as processed', {
          revision: record?.revision,
          status: record?.status,
          replacedKeys: replacedKeys.length,
        });
        return output;
      };
    },
  });
}

