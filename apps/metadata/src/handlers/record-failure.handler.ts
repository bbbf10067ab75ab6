import { createTaskHandler, logger } from '@imgpipe/platform';
import { DISCARDED_BY_DELETE } from '../discarded-run';
import { instrumented } from '../instrument';
import { awsMetadataService, type MetadataService } from '../metadata-service';
import { RecordFailureInputSchema, type RecordFailureOutput } from '../record-failure.use-case';

/**
 * State machine task `RecordFailure` (`recordFailure`): what a Catch delivers in (see
 * `RecordFailureInputSchema`), the recorded and published `ImageProcessingFailed` out.
 */
export function createRecordFailureHandler(
  service: () => MetadataService = awsMetadataService,
): (event: unknown) => Promise<RecordFailureOutput> {
  return createTaskHandler({
    input: RecordFailureInputSchema,
    coldStart: () => {
      const { recordFailure } = service();
      return (input) =>
        instrumented({ imageId: input.uploaded.imageId, correlationId: input.correlationId }, async () => {
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
        });
    },
  });
}

/** The Lambda handler, on the AWS adapters. */
export const handler = createRecordFailureHandler();
