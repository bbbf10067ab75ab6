import type { FailureCode, ImageProcessedData } from '@imgpipe/contracts';
import { metrics as sharedMetrics, MetricNames, recordImageFailed, recordMetric } from '@imgpipe/platform';

/** The platform's Powertools `Metrics` instance type. */
type Metrics = typeof sharedMetrics;

/**
 * What the metadata service counts, as a port: the use cases say what happened, the
 * adapter turns it into the dashboard metrics. Called once per recorded fact (a newly
 * appended `ImageProcessed` or `ImageProcessingFailed`), never for a duplicate.
 */
export interface PipelineMetrics {
  imageProcessed(data: ImageProcessedData): void;
  imageFailed(code: FailureCode): void;
}

/** Counts nothing (tools and tests that do not look). */
export const noPipelineMetrics: PipelineMetrics = {
  imageProcessed: () => undefined,
  imageFailed: () => undefined,
};

/**
 * {@link PipelineMetrics} on the platform's Powertools metrics (EMF): `ImagesProcessed`,
 * `ProcessingTimeMs`, `BytesSaved` (original - primary variant; negative when the variant
 * is bigger), `CompressionRatio` (original / primary variant) and `ImagesFailed` with the
 * dimension `code`. The buffer is flushed after every invocation by `instrumentHandler`
 * (Powertools' `logMetrics`) of @imgpipe/platform.
 */
export function powertoolsPipelineMetrics(target: Metrics = sharedMetrics): PipelineMetrics {
  return {
    imageProcessed(data) {
      recordMetric(MetricNames.ImagesProcessed, 1, target);
      recordMetric(MetricNames.ProcessingTimeMs, data.processingTimeMs, target);
      recordMetric(MetricNames.BytesSaved, data.originalSize - data.compressedSize, target);
      if (data.compressedSize > 0) {
        recordMetric(MetricNames.CompressionRatio, round(data.originalSize / data.compressedSize, 4), target);
      }
    },
    imageFailed(code) {
      recordImageFailed(code, target);
    },
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
