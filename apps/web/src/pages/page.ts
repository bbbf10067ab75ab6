import type { DashboardStats, ImageDetails } from '../api';

/** A routed page, as the app shell hosts it. */
export interface Page {
  readonly element: HTMLElement;
  /** The document title's first part. */
  readonly title: string;
  /** The page's `<h1>` (with `tabindex="-1"`): focused after a navigation. */
  readonly heading: HTMLElement;
  /** A fresh copy of one of the person's images (live event, poll or upload). */
  applyDetails?(details: ImageDetails): void;
  /**
   * The page shows images' histories: a change that carries its image's record is not shown to
   * it at once (that record's history is the last read's, or none); it reads the image first.
   */
  readonly showsHistory?: boolean;
  /** Fresh dashboard figures. */
  applyStats?(stats: DashboardStats): void;
  /** The live stream is open again after it dropped (the server may have restarted): reload what failed. */
  reconnected?(): void;
  /** Images the page wants re-read when the live stream was down. */
  watchedImageIds?(): string[];
  /** The page is being left. */
  dispose?(): void;
}
