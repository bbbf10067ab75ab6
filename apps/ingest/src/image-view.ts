import type { HistoryEntry, ImageRecordView } from '@imgpipe/contracts/views';
import type { ImageRecord, StoredImageEvent } from '@imgpipe/platform';

/**
 * An image as the API shows it: THE image record of the contracts' views (`ImageRecordView`,
 * the one declaration the web UI, the CLI and the test clients read too). A deleted image
 * carries `deletedAt` and `undoUntil` (until when `POST /images/{id}/restore` undoes it).
 */
export type ImageView = ImageRecordView;

export type { HistoryEntry };

/** The read-model record without its internal `revision`. */
export function toImageView(record: ImageRecord): ImageView {
  const { revision: _revision, ...view } = record;
  // The read model stores what metadata's projection folds (`ImageFoldRecord`, which extends
  // `ImageRecordView`); its port types the attributes loosely, as a table would.
  return view as ImageView;
}

export function toHistoryEntry(event: StoredImageEvent): HistoryEntry {
  const correlationId = event.detail['correlationId'];
  return {
    sequence: event.sequence,
    eventId: event.eventId,
    detailType: event.detailType,
    source: event.source,
    occurredAt: event.occurredAt,
    ...(typeof correlationId === 'string' ? { correlationId } : {}),
    data: event.detail['data'] ?? null,
  };
}
