import type { HistoryEntry } from '@imgpipe/contracts/views';
import type { ImageRecord, ImageRecordKey, StoredImageEvent } from '@imgpipe/platform';

/**
 * An image as the API shows it: the read-model record (whatever the metadata projection
 * stores: keys, status, sizes, thumbnails...) without its internal `revision`. A deleted
 * image carries `deletedAt` and `undoUntil` (until when `POST /images/{id}/restore` undoes it).
 */
export type ImageView = ImageRecordKey & {
  readonly deletedAt?: string;
  readonly undoUntil?: string;
  readonly [attribute: string]: unknown;
};

export type { HistoryEntry };

export function toImageView(record: ImageRecord): ImageView {
  const { revision: _revision, ...view } = record;
  return view;
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
