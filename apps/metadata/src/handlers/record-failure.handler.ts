import { createTaskHandler, logger } from '@imgpipe/platform';
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
          const { record, recorded, ...output } = await recordFailure(input);
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
