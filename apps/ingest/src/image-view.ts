import type { ImageRecord, ImageRecordKey, StoredImageEvent } from '@imgpipe/platform';

/**
 * An image as the API shows it: the read-model record (whatever the metadata projection
 * stores: keys, status, sizes, thumbnails...) without its internal `revision`.
 */
export type ImageView = ImageRecordKey & { readonly [attribute: string]: unknown };

/** One event of an image's history, as the API shows it. */
export interface HistoryEntry {
  /** 1 for the image's first event, then 2, 3, ... */
  readonly sequence: number;
  readonly eventId: string;
  /** The event name, e.g. `ImageUploaded`. */
  readonly detailType: string;
  readonly source: string;
  readonly occurredAt: string;
  readonly correlationId?: string;
  /** The event's `detail.data`. */
  readonly data: unknown;
}

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
