import { z } from 'zod';
import { createTaskHandler, logger, metrics as sharedMetrics, recordMetric, MetricNames, systemClock, type Clock } from '@imgpipe/platform';
import type { ReconcileStuckResult } from '../reconcile-stuck.use-case';

/**
 * The input: the schedule rule's event, whatever it holds. The time comes from the clock,
 * never from the event: a replayed or forged event cannot move the reconciler's cut-off.
 */
export const ReconcileStuckInputSchema = z.looseObject({});

export interface ReconcileStuckOutput {
  readonly redriven: number;
  readonly timedOut: number;
  readonly skipped: number;
  readonly failed: ReadonlyArray<{ readonly imageId: string; readonly error: string }>;
}

/**
 * The scheduled reconciler (every few minutes on AWS): re-drives or fails `TIMED_OUT` every
 * image stuck `processing` (see `reconcileStuckImages`), and counts both (`ImagesRedriven`,
 * `ImagesTimedOut`; the failures are counted as `ImagesFailed` `code=TIMED_OUT` by the
 * append too). An image that fails is reported and logged; the next run tries it again.
 */
export function createReconcileStuckHandler(
  reconcile: () => (options: { readonly now: Date }) => Promise<ReconcileStuckResult>,
  clock: Clock = systemClock,
  metrics: typeof sharedMetrics = sharedMetrics,
): (event: unknown) => Promise<ReconcileStuckOutput> {
  return createTaskHandler({
    input: ReconcileStuckInputSchema,
    stage: null,
    coldStart: () => {
      const reconcileStuckImages = reconcile();
      return async (): Promise<ReconcileStuckOutput> => {
        const result = await reconcileStuckImages({ now: clock.now() });
        for (const { imageId, attempt } of result.redriven) logger.warn('stuck image re-driven', { imageId, attempt });
        for (const imageId of result.timedOut) logger.warn('stuck image failed TIMED_OUT', { imageId });
        for (const { imageId, error } of result.failed) logger.error('could not reconcile a stuck image', { imageId, error });
        recordMetric(MetricNames.ImagesRedriven, result.redriven.length, metrics);
        recordMetric(MetricNames.ImagesTimedOut, result.timedOut.length, metrics);
        const failed = result.failed.map((f) => ({ imageId: f.imageId, error: `${f.error.name}: ${f.error.message}` }));
        const output = { redriven: result.redriven.length, timedOut: result.timedOut.length, skipped: result.skipped.length, failed };
        logger.info('reconcile done', { ...output, failed: failed.length });
        return output;
      };
    },
  });
}
