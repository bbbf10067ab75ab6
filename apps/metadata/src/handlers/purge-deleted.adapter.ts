import { z } from 'zod';
import { createTaskHandler, logger, systemClock, type Clock } from '@imgpipe/platform';
import type { MetadataService } from '../metadata-service';

/**
 * The input: the EventBridge Scheduler's (or a schedule rule's) event, whatever it holds.
 * The time comes from the clock, never from the event: a replayed or forged event cannot
 * move the purge's deadline.
 */
export const PurgeDeletedInputSchema = z.looseObject({});

export interface PurgeDeletedOutput {
  readonly purged: number;
  readonly skipped: number;
  readonly failed: ReadonlyArray<{ readonly imageId: string; readonly error: string }>;
}

/**
 * Scheduled purge (hourly on AWS): erases the originals of images deleted longer ago than the
 * undo window and leaves a tombstone (see `purgeDeletedImages`). An image that fails is
 * reported and logged; the others are still purged, and the next run tries it again.
 */
export function createPurgeDeletedHandler(
  service: () => MetadataService,
  clock: Clock = systemClock,
): (event: unknown) => Promise<PurgeDeletedOutput> {
  return createTaskHandler({
    input: PurgeDeletedInputSchema,
    stage: null,
    coldStart: () => {
      const { purgeDeletedImages } = service();
      return async (): Promise<PurgeDeletedOutput> => {
        const result = await purgeDeletedImages({ now: clock.now() });
        for (const { imageId } of result.purged) logger.info('deleted image purged', { imageId });
        for (const { imageId, error } of result.failed) logger.error('could not purge a deleted image', { imageId, error });
        const failed = result.failed.map((f) => ({ imageId: f.imageId, error: `${f.error.name}: ${f.error.message}` }));
        logger.info('purge done', { purged: result.purged.length, skipped: result.skipped.length, failed: failed.length });
        return { purged: result.purged.length, skipped: result.skipped.length, failed };
      };
    },
  });
}

