import { createTaskHandler, logger } from '@imgpipe/platform';
import { DISCARDED_BY_DELETE } from '../discarded-run';
import type { MetadataService } from '../metadata-service';
import type { RecordFailureOutput } from '../record-failure.use-case';
import { RecordFailureTaskInputSchema } from '@imgpipe/workflow/task-io';

/**
 * State machine task `RecordFailure` (`recordFailure`): what a Catch delivers in (see
 * `RecordFailureTaskInputSchema` of @imgpipe/workflow), the recorded and published `ImageProcessingFailed` out.
 */
export function createRecordFailureHandler(
  service: () => MetadataService,
): (event: unknown) => Promise<RecordFailureOutput> {
  return createTaskHandler({
    input: RecordFailureTaskInputSchema,
    stage: 'record',
    imageContext: (input) => ({ imageId: input.uploaded.imageId, correlationId: input.correlationId ?? input.uploaded.imageId }),
    coldStart: () => {
      const { recordFailure } = service();
      return async (input) => {
        const result = await recordFailure(input);
        if (result.discarded) {
          logger.info('image was deleted while processing: failure not recorded, nobody notified', {
            revision: result.record?.revision,
          });
          return DISCARDED_BY_DELETE;
        }
        const { record, recorded, discarded: _discarded, ...output } = result;
        const { code, stage, errorName, retryable } = output.detail.data;
        logger.warn(recorded ? 'image processing failed' : 'image failure was already recorded', {
          code,
          stage,
          errorName,
          retryable,
          revision: record?.revision,
        });
        return output;
      };
    },
  });
}

