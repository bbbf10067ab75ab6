import { withImageContext, type ImageLogContext } from '@imgpipe/platform';
import { flushMetrics } from './metrics';

/**
 * Runs one invocation with the image's `imageId`/`correlationId` on every log line and
 * flushes the metrics it buffered, whether it succeeds or throws.
 */
export async function instrumented<T>(context: ImageLogContext, run: () => Promise<T>): Promise<T> {
  return withImageContext(context, async () => {
    try {
      return await run();
    } finally {
      flushMetrics();
    }
  });
}
