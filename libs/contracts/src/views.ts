/**
 * `@imgpipe/contracts/views`: the shapes the read side shows — what the metadata projection
 * stores, the API returns and the web UI renders. Plain types and one constant, no imports,
 * so the browser bundle can take them without zod or the event contracts.
 */

/** Where an image is in the pipeline (the read model's `status`). */
export const IMAGE_STATUSES = ['processing', 'processed', 'failed', 'deleted'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** One event of an image's history as the API shows it (`GET /images/{id}`), oldest first. */
export interface HistoryEntry {
  /** 1 for the image's first event, then 2, 3, ... */
  readonly sequence: number;
  readonly eventId: string;
  /** The event name, e.g. `ImageUploaded`. */
  readonly detailType: string;
  /** The producer, e.g. `imgpipe.compress`. */
  readonly source: string;
  readonly occurredAt: string;
  readonly correlationId?: string;
  /** The event's `detail.data`, as the contract of `detailType` describes it. */
  readonly data: unknown;
}

/** Pipeline-wide figures: `GET /api/stats` and the `stats` events of `/api/events`. */
export interface DashboardStats {
  readonly processed: number;
  readonly failed: number;
  readonly failedByCode: Readonly<Record<string, number>>;
  readonly processing: number;
  /** Processing time percentiles (upload to record) of processed images; `null` before the first. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  /** Σ (original − compressed) over processed images. */
  readonly bytesSaved: number;
  /** Σ original over processed images. */
  readonly originalBytes: number;
  /** Messages waiting in the dead-letter queues (the notify queue's and the bus targets'). */
  readonly dlqDepth: number;
}

/** An `image` event of `/api/events`: one of the caller's images changed. */
export interface ImageChange {
  readonly imageId: string;
  readonly detailType: string;
  /** The image's status after the change, when the server says. */
  readonly status?: ImageStatus;
  readonly occurredAt?: string;
}
