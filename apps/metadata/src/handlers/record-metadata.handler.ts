import { createTaskHandler, logger } from '@imgpipe/platform';
import { instrumented } from '../instrument';
import { awsMetadataService, type MetadataService } from '../metadata-service';
import { RecordMetadataInputSchema, type RecordMetadataOutput } from '../record-metadata.use-case';

/**
 * State machine task `RecordMetadata` (`record`): the Parallel branch results in (see
 * `RecordMetadataInputSchema`), the recorded `ImageProcessed` out for `PublishProcessed`.
 * A malformed input is `InvalidEvent` (not retried); a concurrency conflict that outlasts
 * the retries inside, or a DynamoDB failure, is retried by the state machine.
 */
export function createRecordMetadataHandler(
  service: () => MetadataService = awsMetadataService,
): (event: unknown) => Promise<RecordMetadataOutput> {
  return createTaskHandler({
    input: RecordMetadataInputSchema,
    coldStart: () => {
      const { recordMetadata } = service();
      return (input) =>
        instrumented({ imageId: input.uploaded.imageId, correlationId: input.correlationId }, async () => {
          const { record, recorded, ...output } = await recordMetadata(input);
          logger.info(recorded ? 'image recorded as processed' : 'image was already recorded as processed', {
            revision: record?.revision,
            status: record?.status,
          });
          return output;
        });
    },
  });
}

/** The Lambda handler, on the AWS adapters. */
export const handler = createRecordMetadataHandler();
