import { isRecordedBeforePublished } from '@imgpipe/metadata';
import { logger } from '@imgpipe/platform';
import { EVENT_BUS_NAME } from '@imgpipe/workflow';
import type { BusEvent } from '../bus/bus-event';
import type { DeliveryOutcome } from '../bus/local-bus';
import { EventStreamHub } from '../http/event-stream';
import type { RunnerCounts } from '../pipeline/pipeline-runner';
import { PipelineStats, type DashboardStats } from '../stats/pipeline-stats';
import type { RuntimeProgress } from './types';

/**
 * Metadata's rule (`isRecordedBeforePublished`): `ThumbnailsGenerated` (`RecordThumbnails`) and
 * `ImageProcessed` (`PublishProcessed`) are recorded before they are put on the bus, so their live
 * update goes out when the bus takes them, as on AWS, where the push rule runs beside metadata's
 * instead of after it; metadata's consumer only finds them already recorded. A replayed copy may
 * not be recorded yet (a rebuild from the archive), so it is told after metadata, like every other event.
 */
const recordedBeforePublished = (event: BusEvent) => isRecordedBeforePublished(event['detail-type'], event);

/** What the figures read from the parts that do the work. */
export interface FigureSources {
  readonly counts: () => RunnerCounts;
  /** Messages in the notify DLQ plus bus deliveries dead-lettered. */
  readonly dlqDepth: () => number;
}

/**
 * The dashboard's figures and the live updates: every event on the imgpipe bus folded into
 * {@link PipelineStats} (after the archive, read once in the background: events that arrive
 * meanwhile wait), a `stats` event per burst, an image update once metadata recorded an event,
 * and the progress line.
 */
export class LiveFigures {
  readonly stats = new PipelineStats();
  readonly hub = new EventStreamHub();
  private liveBeforeArchiveRead: BusEvent[] | undefined = [];
  private timer: NodeJS.Timeout | undefined;
  private sources: FigureSources = { counts: () => ({ queued: 0, running: 0, succeeded: 0, failed: 0 }), dlqDepth: () => 0 };

  constructor(private readonly onProgress?: (progress: RuntimeProgress) => void) {}

  /** Reads the counts and dead letters from the runner and queues, once they exist. */
  attach(sources: FigureSources): void {
    this.sources = sources;
  }

  /** An event the bus accepted. */
  onBusEvent(busName: string, event: BusEvent): void {
    if (busName !== EVENT_BUS_NAME) return;
    if (this.liveBeforeArchiveRead) this.liveBeforeArchiveRead.push(event);
    else if (this.stats.apply(event)) this.changed();
    // Recorded before it was published: the owner is told now, not after metadata's consumer finds it a duplicate.
    if (recordedBeforePublished(event)) this.tellOwner(event);
  }

  /** Folds the archived events, then those that arrived while they were read. */
  async loadArchive(archived: AsyncIterable<BusEvent>): Promise<void> {
    try {
      for await (const event of archived) this.stats.apply(event);
    } catch (error) {
      logger.error('could not read the archive for the dashboard figures', { error: error as Error });
    }
    for (const event of this.liveBeforeArchiveRead ?? []) this.stats.apply(event);
    this.liveBeforeArchiveRead = undefined;
    this.changed();
  }

  snapshot(): DashboardStats {
    return this.stats.snapshot(this.sources.dlqDepth());
  }

  progress(): RuntimeProgress {
    const figures = this.stats.snapshot(0);
    return {
      ...this.sources.counts(),
      processed: figures.processed,
      failedImages: figures.failed,
      processing: figures.processing,
      dlqDepth: this.sources.dlqDepth(),
    };
  }

  progressChanged(): void {
    this.onProgress?.(this.progress());
  }

  /** The figures changed: the progress line now, one `stats` event per burst. */
  changed(): void {
    this.progressChanged();
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.hub.stats(this.snapshot());
    }, 100);
    this.timer.unref();
  }

  /** A bus delivery settled: a failure is logged, a metadata delivery tells the image's owner. */
  delivered(outcome: DeliveryOutcome): void {
    if (outcome.error !== undefined) {
      logger.error('event delivery failed; dead-lettered', {
        target: outcome.rule.target,
        detailType: outcome.event['detail-type'],
        eventId: outcome.event.id,
        error: outcome.error as Error,
      });
      this.changed();
    }
    // The UI reloads an image when told it changed: tell it once metadata has recorded the event
    // (an event recorded before it was published was told on the bus already).
    // A delivery metadata failed carries no record: the fold would show one the read model never got.
    if (outcome.rule.target !== 'metadata' || recordedBeforePublished(outcome.event)) return;
    this.tellOwner(outcome.event, outcome.error === undefined);
  }

  private tellOwner(event: BusEvent, recorded = true): void {
    const detail = event.detail as { data?: { imageId?: unknown; userId?: unknown }; occurredAt?: unknown };
    const { imageId, userId } = detail.data ?? {};
    if (typeof imageId !== 'string' || typeof userId !== 'string') return;
    // The figures fold every event on the bus with metadata's fold: the status the read model now holds,
    // and, while the image processes, the record itself (the page draws the card, then its early
    // renditions, without reading the record first). Not while the archive is still being folded: the fold lags.
    const status = this.stats.statusOf(imageId);
    const image = this.liveBeforeArchiveRead || !recorded ? undefined : this.stats.processingRecordOf(imageId);
    this.hub.image(userId, {
      imageId,
      detailType: event['detail-type'],
      ...(status ? { status } : {}),
      ...(typeof detail.occurredAt === 'string' ? { occurredAt: detail.occurredAt } : {}),
      ...(image ? { image } : {}),
    });
  }

  /** No `stats` event after the stop. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
