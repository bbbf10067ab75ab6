import { access, writeFile } from 'node:fs/promises';
import { DynamoImageReadModel, logger, S3ObjectStore, systemClock, TABLES, type ImageEventStore } from '@imgpipe/platform';
import { DEFAULT_EVENT_BUS_NAME } from '@imgpipe/workflow';
import { recoverUnfinishedWork, type RecoveryResult } from '../pipeline/recovery';
import { startPurgeSweep, type PurgeSweep } from '../pipeline/purge-sweep';
import { startReconcileSweep, type ReconcileSweep } from './background-reconcile';
import { reapExpiredItems } from '../pipeline/ttl-reaper';
import { toObjectCreatedEntry } from '../services/s3-notifications';
import { pipelineKey, type BusAndServices } from './bus-and-services';
import type { Disposables } from './disposables';
import { LOCAL_BUCKETS, type DataLayout } from './layout';
import type { Peers } from './peers';
import type { LocalRuntimeOptions } from './types';

/**
 * S3's notifications -> "Object Created" on the default bus, as S3's EventBridge integration
 * does for the bucket that has it turned on: the originals bucket (outputs announce nothing).
 * Returns the keys announced since the start, which recovery must not announce again (until
 * it is done: then `undefined`).
 */
export function announceUploads(peers: Peers, parts: BusAndServices, disposables: Disposables) {
  const announced = { sinceStart: new Set<string>() as Set<string> | undefined };
  const unsubscribe = peers.onS3Notification((record) => {
    const entry = record.s3.bucket.name === LOCAL_BUCKETS.originals ? toObjectCreatedEntry(record) : undefined;
    if (!entry) return;
    announced.sinceStart?.add(record.s3.object.key);
    parts.bus.putEntry(DEFAULT_EVENT_BUS_NAME, entry).catch((error: unknown) => {
      logger.error('could not put an S3 notification on the bus', { key: record.s3.object.key, error: error as Error });
    });
  });
  disposables.add('the S3 notifications', unsubscribe);
  return announced;
}

/** What runs in the background once serving: crash recovery, then the purge and reconcile sweeps. */
export interface BackgroundTasks {
  /** Settles when crash recovery is done (at once when it is off). */
  readonly recovered: Promise<RecoveryResult>;
  readonly purgeSweep: PurgeSweep;
  /** Re-drives or fails `TIMED_OUT` the images stuck processing (metadata's reconciler). */
  readonly reconcileSweep: ReconcileSweep;
}

export interface BackgroundContext {
  readonly options: LocalRuntimeOptions;
  readonly layout: DataLayout;
  readonly peers: Peers;
  readonly parts: BusAndServices;
  readonly eventStore: ImageEventStore;
  readonly announced: { sinceStart: Set<string> | undefined };
}

function recover(ctx: BackgroundContext): Promise<RecoveryResult> {
  const { parts, announced, eventStore } = ctx;
  if (ctx.options.recover === false) return Promise.resolve<RecoveryResult>({ rerun: [], reannounced: [] });
  const recovered = recoverUnfinishedWork({
    eventStore,
    store: new S3ObjectStore(ctx.peers.clients.s3),
    originalsBucket: LOCAL_BUCKETS.originals,
    runPipeline: (event) => void parts.runner.submit(pipelineKey(event), event),
    announceObject: async (entry) => void (await parts.bus.putEntry(DEFAULT_EVENT_BUS_NAME, entry)),
    announcedSinceStart: (key) => announced.sinceStart?.has(key) ?? false,
    // The archive outlives the tables: a deleted image's kept original is not announced as new.
    survivingEvents: parts.archivedEvents,
  });
  recovered.then(
    () => (announced.sinceStart = undefined),
    (error: unknown) => logger.error('crash recovery failed', { error: error as Error }),
  );
  return recovered;
}

/**
 * `DynamoImageReadModel.backfillNameSearch` on the local read model, until it has once run to
 * the end: then the data directory's marker (`nameSearchBackfilled`) says so, and later starts
 * skip its Scan of the whole table (every record written since carries the key). A failure is
 * logged, never thrown, and leaves no marker: the next start tries again.
 */
async function backfillNameSearch(peers: Peers, layout: DataLayout): Promise<void> {
  if (await pathExists(layout.nameSearchBackfilled)) return;
  try {
    const { written } = await new DynamoImageReadModel(peers.clients.documents, TABLES.imageMetadata.defaultName).backfillNameSearch();
    if (written > 0) logger.info('read model: the name search key written on older records', { records: written });
    await writeFile(layout.nameSearchBackfilled, `${JSON.stringify({ at: new Date().toISOString(), records: written })}\n`, { mode: 0o600 });
  } catch (error) {
    logger.error('read model: the name search backfill failed', { error: error as Error });
  }
}

const pathExists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Crash recovery (unless `recover: false`), then the name search backfill of older read-model
 * records, and after them the purge sweep: deleted images
 * whose undo window is over are erased, as the schedule does on AWS, and what AWS lets expire
 * by TTL (dynalite has none) is reaped; and the reconcile sweep: images stuck processing past
 * `RECONCILE_AFTER_MINUTES` are re-driven or failed `TIMED_OUT`, as on AWS.
 */
export function startBackgroundTasks(ctx: BackgroundContext): BackgroundTasks {
  const { options, peers, parts } = ctx;
  // Then the read model's records from before the name search get its key (once: a marker after).
  const recovered = recover(ctx).then(async (result) => {
    await backfillNameSearch(peers, ctx.layout);
    return result;
  });
  const purgeClock = options.purgeClock ?? systemClock;
  const purgeSweep = startPurgeSweep({
    purge: async () => {
      const now = purgeClock.now();
      const result = await parts.services.metadata.purgeDeletedImages({ now });
      await reapExpiredItems(
        peers.clients.documents,
        Object.values(TABLES).map((definition) => ({ definition, name: definition.defaultName })),
        now,
      );
      return result;
    },
    after: recovered,
    ...(options.purgeIntervalMs !== undefined ? { intervalMs: options.purgeIntervalMs } : {}),
  });
  // Beside the purge, on the same clock: the reconciler the AWS schedule runs every 5 minutes.
  const reconcileSweep = startReconcileSweep({ reconcile: parts.services.reconcileStuckImages, clock: purgeClock, after: recovered });
  return { recovered, purgeSweep, reconcileSweep };
}
