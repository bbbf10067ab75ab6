import { createEnvelope, ImageRestoredV1, ImageUploadedV1, type ImageUploadedData } from '@imgpipe/contracts';
import type { NewImageEvent, StoredImageEvent } from '@imgpipe/platform';
import { parseStoredEvent } from './projection';
import { runEventId, toNewImageEvent } from './stored-events';

/**
 * `events`, preceded by the upload itself when the history has no `ImageUploaded` of this
 * upload (same content hash and rendition set) yet.
 *
 * Why: the bus delivers `ImageUploaded` to the state machine and to `onPipelineEvent` at
 * the same time, with no order between them, and the record tasks can win. Recording the
 * upload from the task's input (id derived from the upload, `occurredAt` its upload time)
 * keys the read-model record by the real upload time from the start; the bus delivery,
 * when it arrives, is recognised by the projection as the same upload and changes nothing.
 */
export function withRecordedUpload(
  history: readonly StoredImageEvent[],
  uploaded: ImageUploadedData,
  correlationId: string,
  events: readonly NewImageEvent[],
  generation = 0,
): readonly NewImageEvent[] {
  return hasUpload(history, uploaded) ? events : [uploadFromInput(uploaded, correlationId, generation), ...events];
}

/** Whether the history has this upload since the last restore (a restore starts a new run of the same original). */
function hasUpload(history: readonly StoredImageEvent[], uploaded: ImageUploadedData): boolean {
  const ordered = [...history].sort((a, b) => a.sequence - b.sequence);
  const lastRestore = ordered.map((e) => e.detailType).lastIndexOf(ImageRestoredV1.detailType);
  return ordered.slice(lastRestore + 1).some((stored) => {
    if (stored.detailType !== ImageUploadedV1.detailType) return false;
    const event = parseStoredEvent(stored);
    return (
      event.detailType === 'ImageUploaded' &&
      event.envelope.data.original.contentHash === uploaded.original.contentHash &&
      event.envelope.data.renditionsVersion === uploaded.renditionsVersion
    );
  });
}

function uploadFromInput(uploaded: ImageUploadedData, correlationId: string, generation: number): NewImageEvent {
  const run = {
    imageId: uploaded.imageId,
    contentHash: uploaded.original.contentHash,
    renditionsVersion: uploaded.renditionsVersion,
    generation,
  };
  return toNewImageEvent(
    ImageUploadedV1,
    createEnvelope(ImageUploadedV1, uploaded, {
      eventId: runEventId(run, 'uploaded'),
      correlationId,
      occurredAt: uploaded.uploadedAt,
    }),
  );
}
