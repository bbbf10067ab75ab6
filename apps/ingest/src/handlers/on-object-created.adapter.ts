import { redactObjectKey } from '@imgpipe/contracts';
import { logger, MetricNames, recordMetric, withImageContext } from '@imgpipe/platform';
import type { CheckUpload, CheckUploadOutcome } from '../check-upload.use-case';
import { parseObjectCreatedEvent } from '../object-created-event';

export interface ObjectCreatedHandlerOptions {
  /** Called with every outcome (metrics, logs); the default handler counts and logs. */
  readonly observe?: (outcome: CheckUploadOutcome) => void;
}

/**
 * `onObjectCreated`: the S3 "Object Created" event as EventBridge delivers it -> the
 * upload check. A malformed event throws (a wiring mistake: to the DLQ); a publish
 * failure throws retryable, so EventBridge delivers again.
 */
export function createObjectCreatedHandler(checkUpload: () => CheckUpload, options: ObjectCreatedHandlerOptions = {}) {
  return async function onObjectCreated(event: unknown): Promise<CheckUploadOutcome> {
    const object = parseObjectCreatedEvent(event);
    const outcome = await checkUpload()(object);
    const imageId = 'imageId' in outcome ? outcome.imageId : undefined;
    withImageContext({ imageId, correlationId: imageId }, () => options.observe?.(outcome));
    return outcome;
  };
}

/** Counts and logs an outcome with the shared Powertools logger and metrics. */
export function recordOutcome(outcome: CheckUploadOutcome): void {
  switch (outcome.outcome) {
    case 'accepted':
      recordMetric(MetricNames.ImagesUploaded, 1);
      logger.info('upload accepted', { format: outcome.event.data.format, size: outcome.event.data.original.size });
      break;
    case 'rejected':
      // `ImagesFailed` is counted once, by metadata, when the failure enters the history.
      logger.warn('upload rejected', { code: outcome.code, reason: outcome.event.data.reason });
      break;
    case 'refused':
      logger.warn('upload refused and removed', {
        code: outcome.code,
        key: outcome.event.data.key,
        reason: outcome.event.data.reason,
      });
      break;
    case 'readmitted':
      // No key in the line: it holds the file name, which the purge erases from everything else.
      logger.info('proven upload without a grant readmitted', { republished: outcome.republished });
      break;
    case 'missing':
      // The key's file name is personal data the purge erases everywhere else (an object gone
      // is often a purged one): the line keeps the owner and image segments only.
      logger.warn('object no longer exists', { key: redactObjectKey(outcome.key) });
      break;
    case 'ignored':
      logger.info('object ignored', { key: outcome.key, reason: outcome.reason });
      break;
  }
}
