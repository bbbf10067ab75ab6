import { ImagePurgedV1, redactEvent } from '@imgpipe/contracts';
import { EVENT_BUS_NAME } from '@imgpipe/workflow';
import type { EventRedaction } from './archive';
import type { BusEvent, BusName } from './bus-event';

/**
 * The bus archive's side of a purge: when an image's `ImagePurged` goes through the bus, the
 * archive's copies of that image's events are rewritten with the rule that redacted its
 * history in the event store (`redactEvent` of @imgpipe/contracts), so no file name outlives
 * the undo window in `archive/` either. (An EventBridge archive cannot be rewritten: on AWS its
 * retention bounds how long such copies last.)
 *
 * Any copy with the archive's `redactImage` is redacted the same way (the local SNS file,
 * `FileNotifier`, too).
 *
 * @returns a listener for the bus's `onEvent` (called after the event is archived, so the
 * redaction runs after the `ImagePurged` line is written).
 */
export function redactArchiveOnPurge(
  archive: { redactImage(imageId: string, redact: EventRedaction): Promise<number> },
  onError: (error: unknown, imageId: string) => void,
): (bus: BusName, event: BusEvent) => void {
  return (bus, event) => {
    if (bus !== EVENT_BUS_NAME || event['detail-type'] !== ImagePurgedV1.detailType || event.source !== ImagePurgedV1.source) return;
    const imageId = (event.detail as { data?: { imageId?: unknown } } | null)?.data?.imageId;
    if (typeof imageId !== 'string') return;
    archive.redactImage(imageId, redactEvent).catch((error: unknown) => onError(error, imageId));
  };
}
