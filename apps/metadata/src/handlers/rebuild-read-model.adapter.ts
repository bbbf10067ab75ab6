import { z } from 'zod';
import { ImageId } from '@imgpipe/contracts';
import { createTaskHandler, logger } from '@imgpipe/platform';
import type { MetadataService } from '../metadata-service';
import type { RebuildOutcome } from '../rebuild-read-model.use-case';

/** `{ "imageId": "..." }` rebuilds one image's record; `{}` rebuilds every image's. */
export const RebuildReadModelInputSchema = z.object({ imageId: ImageId.optional() });
export type RebuildReadModelInput = z.infer<typeof RebuildReadModelInputSchema>;

export type RebuildReadModelOutput =
  | { readonly imageId: string; readonly outcome: RebuildOutcome; readonly revision: number }
  | {
      readonly images: number;
      readonly rebuilt: number;
      readonly unchanged: number;
      readonly failed: ReadonlyArray<{ readonly imageId: string; readonly error: string }>;
    };

/**
 * Operations entry point (the CLI, a console test invoke): re-projects the read model from
 * the event store, for one image or for all.
 */
export function createRebuildReadModelHandler(
  service: () => MetadataService,
): (event: unknown) => Promise<RebuildReadModelOutput> {
  return createTaskHandler({
    input: RebuildReadModelInputSchema,
    stage: null,
    imageContext: ({ imageId }) => (imageId ? { imageId } : {}),
    coldStart: () => {
      const { rebuildReadModel, rebuildAll } = service();
      return async ({ imageId }): Promise<RebuildReadModelOutput> => {
        if (imageId) return rebuildReadModel(imageId);
        const result = await rebuildAll();
        const failed = result.failed.map((f) => ({ imageId: f.imageId, error: `${f.error.name}: ${f.error.message}` }));
        logger.info('read model rebuilt', { images: result.images, rebuilt: result.rebuilt, failed: failed.length });
        return { ...result, failed };
      };
    },
  });
}

