import { createTaskHandler, logger } from '@imgpipe/platform';
import { DISCARDED_BY_DELETE } from '../discarded-run';
import { instrumented } from '../instrument';
import { awsMetadataService, type MetadataService } from '../metadata-service';
import { RecordMetadataInputSchema, type RecordMetadataOutput } from '../record-metadata.use-case';

/**
 * State machine task `RecordMetadata` (`record`): the Parallel branch results in (see
 * `RecordMetadataInputSchema`), the recorded `ImageProcessed` out for `PublishProcessed` —
 * or `{ discarded: true, reason: 'ImageDeleted' }` when the image was deleted meanwhile.
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
          const result = await recordMetadata(input);
          if (result.discarded) {
            logger.info('image was deleted while processing: run discarded, its derivatives removed', {
              removedKeys: result.removedKeys.length,
              revision: result.record?.revision,
            });
            return DISCARDED_BY_DELETE;
          }
          const { record, recorded, discarded: _discarded, ...output } = result;
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
