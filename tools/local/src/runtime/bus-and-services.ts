import { join } from 'node:path';
import type { StateMachine } from 'aws-local-stepfunctions';
import { canReleaseFreedMemory, releaseFreedMemory } from '@imgpipe/image-ops';
import { createWorkerScorer } from '@imgpipe/image-ops/scoring-worker';
import { AVIF_STEP_TIMEOUT_SECONDS, DynamoImageEventStore, logger, TABLES, type Env } from '@imgpipe/platform';
import { compileTaskInputSchemas } from '@imgpipe/metadata';
import { EVENT_BUS_NAME, eventRules, type RuleTarget } from '@imgpipe/workflow';
import { EventArchive } from '../bus/archive';
import type { BusEvent, BusName } from '../bus/bus-event';
import { LocalBus, type TargetDelivery } from '../bus/local-bus';
import { LocalQueue } from '../bus/local-queue';
import { redactArchiveOnPurge } from '../bus/purge-redaction';
import { imageIdOf } from '../bus/replay-archive';
import { OneAtATime } from '../pipeline/one-at-a-time';
import { PipelineRunner } from '../pipeline/pipeline-runner';
import { historiesWithArchive } from '../pipeline/recovery';
import { createLocalServices, FileNotifier, type LocalServices } from '../services/local-services';
import type { Disposables } from './disposables';
import type { LiveFigures } from './figures';
import { LOCAL_BUCKETS, type DataLayout } from './layout';
import type { Peers } from './peers';
import type { LocalRuntimeOptions } from './types';

/** The bus, the services behind its targets, the notify queue and the state machine runner. */
export interface BusAndServices {
  readonly archive: EventArchive;
  readonly bus: LocalBus;
  readonly queue: LocalQueue;
  readonly runner: PipelineRunner;
  readonly services: LocalServices;
  /** Every event the bus accepts goes to these too. */
  readonly listeners: Set<(bus: BusName, event: BusEvent) => void>;
  /** Hands the runner its state machine once loaded (executions wait for it). */
  readonly loadMachine: (machine: Promise<StateMachine>) => void;
  /** The archived events of the imgpipe bus, oldest first. */
  readonly archivedEvents: () => AsyncIterable<BusEvent>;
}

export interface BusAndServicesContext {
  readonly options: LocalRuntimeOptions;
  readonly layout: DataLayout;
  readonly concurrency: number;
  readonly env: Env;
  readonly peers: Peers;
  readonly figures: LiveFigures;
  readonly disposables: Disposables;
}

/** The key an execution runs under: the envelope's `eventId`, so a re-delivery is one run. */
export const pipelineKey = (event: BusEvent): string => {
  const eventId = (event.detail as { eventId?: unknown } | null)?.eventId;
  return typeof eventId === 'string' ? eventId : event.id;
};

/**
 * The bus's targets are the services, which publish back onto the bus: the bus is built
 * first with targets that look the services up here, filled in before anything is published.
 */
class LateTargets {
  services?: LocalServices;
  runner?: PipelineRunner;
  queue?: LocalQueue;

  deliveries(): Record<RuleTarget, TargetDelivery> {
    return {
      pipeline: async (event) => void this.need(this.runner).submit(pipelineKey(event), event),
      'notify-queue': async (event) => void this.need(this.queue).send(JSON.stringify(event)),
      'ingest-on-object-created': (event) => this.need(this.services).onObjectCreated(event),
      metadata: (event) => this.need(this.services).onPipelineEvent(event),
      // One AVIF encode at a time (on AWS, the function's reserved concurrency): after a burst
      // the follow-up encodes queue here instead of decoding every image at once beside the pipeline,
      // and each runs alone, with no execution beside it; runner.followUp decides when its turn comes.
      // Before each, the finished images' Buffers are collected and their pages trimmed: the AVIF
      // encoder's working set (~300 MiB at 12 MP) is the runtime's peak, so nothing else should sit under it.
      // An encode cannot be cancelled, so one past the step's timeout (its Lambda's, which AWS would
      // stop) goes on here and still adds its variant, but no longer holds the executions back
      // (runner.followUp's hold) nor the next AVIF step (OneAtATime: one overrunning step at a time).
      avif: (event) =>
        this.avifSteps.run((overran) =>
          this.stopping
            ? Promise.resolve(undefined)
            : this.need(this.runner).followUp(
                () => {
                  releaseFreedMemory({ collectGarbage: true });
                  return this.need(this.services).addAvifVariant(event);
                },
                {
                  holdMs: AVIF_STEP_TIMEOUT_SECONDS * 1000,
                  onHoldExpired: () => {
                    logger.warn('the AVIF step passed its timeout; the pipeline goes on beside it', {
                      imageId: imageIdOf(event),
                      timeoutSeconds: AVIF_STEP_TIMEOUT_SECONDS,
                    });
                    overran();
                  },
                },
              ),
        ),
    };
  }

  /**
   * Set when the runtime stops: AVIF work not started yet is dropped instead of holding the
   * stop (or running on stopped peers); a replay of `ImageProcessed` makes it again.
   */
  stopping = false;

  private readonly avifSteps = new OneAtATime();

  private need<T>(part: T | undefined): T {
    if (part === undefined) throw new Error('the local bus delivered an event before the services were wired');
    return part;
  }
}

/** The archive, with the purge's redaction of it and of the local SNS file hooked to the bus. */
function openArchive(ctx: BusAndServicesContext) {
  const archive = new EventArchive(ctx.layout.archive);
  ctx.disposables.add('the bus archive', () => archive.close());
  // Its index and today's file now, not on the first upload's "Object Created" (issue 13 item 3).
  archive.prepare().catch((error: unknown) => logger.warn('could not open the bus archive ahead of the first event', { error: error as Error }));
  ctx.disposables.add('the live figures', () => ctx.figures.dispose());
  const redactOnPurge = redactArchiveOnPurge(archive, (error, imageId) =>
    logger.error('could not redact a purged image in the bus archive', { imageId, error: error as Error }),
  );
  // The local SNS topic's file holds ImageProcessed payloads (the original's key, file name included).
  const notifications = new FileNotifier(join(ctx.layout.logs, 'notifications.jsonl'));
  const redactNotificationsOnPurge = redactArchiveOnPurge(notifications, (error, imageId) =>
    logger.error('could not redact a purged image in notifications.jsonl', { imageId, error: error as Error }),
  );
  const redact = (busName: BusName, event: BusEvent) => {
    redactOnPurge(busName, event);
    redactNotificationsOnPurge(busName, event);
  };
  const archivedEvents = async function* () {
    for await (const archived of archive.read({ bus: EVENT_BUS_NAME })) yield archived.event;
  };
  return { archive, notifications, redact, archivedEvents };
}

function createQueue(options: LocalRuntimeOptions, services: LocalServices, figures: LiveFigures): LocalQueue {
  return new LocalQueue({
    name: 'imgpipe-local-notify',
    consumer: (event) => services.notifyBatch(event),
    ...(options.notifyQueue?.visibilityTimeoutMs !== undefined ? { visibilityTimeoutMs: options.notifyQueue.visibilityTimeoutMs } : {}),
    ...(options.notifyQueue?.maxReceiveCount !== undefined ? { maxReceiveCount: options.notifyQueue.maxReceiveCount } : {}),
    onDeadLetter: (message) => {
      logger.error('notify message moved to the dead-letter queue', { messageId: message.messageId, receiveCount: message.receiveCount });
      figures.changed();
    },
  });
}

function createRunner(ctx: BusAndServicesContext, services: LocalServices, machine: Promise<StateMachine>): PipelineRunner {
  const { options, figures } = ctx;
  return new PipelineRunner({
    machine,
    taskHandlers: services.taskHandlers,
    concurrency: ctx.concurrency,
    ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    onChange: () => figures.progressChanged(),
    onSettled: (outcome) => {
      if (outcome.status === 'failed') {
        logger.warn('pipeline execution failed', { key: outcome.key, ms: outcome.ms, error: outcome.error as Error });
      }
    },
  });
}

/** A promise of the state machine and the function that settles it (it loads once the UI is served). */
function machineLoader() {
  let loadMachine: (machine: Promise<StateMachine>) => void = () => undefined;
  const machine = new Promise<StateMachine>((resolveMachine) => (loadMachine = (m) => resolveMachine(m)));
  machine.catch((error: unknown) => logger.error('could not load the state machine', { error: error as Error }));
  return { machine, loadMachine };
}

/**
 * The bus with libs/workflow's rules and an archive, every service mounted on the local peers
 * (`createLocalServices`: a bad setting throws here), the notify queue and the runner of
 * `pipeline.asl.json`. Registers, in this order, the archive's close, the figures' timer, the
 * drain of the bus and queue and the runner's stop: undone the other way round.
 */
export function startBusAndServices(ctx: BusAndServicesContext): BusAndServices {
  const { peers, figures, disposables } = ctx;
  const { archive, notifications, redact, archivedEvents } = openArchive(ctx);
  const listeners = new Set<(bus: BusName, event: BusEvent) => void>();
  const late = new LateTargets();
  const bus = new LocalBus({
    rules: eventRules({ originalsBucketName: LOCAL_BUCKETS.originals }),
    targets: late.deliveries(),
    archive,
    onEvent: (busName, event) => {
      redact(busName, event);
      for (const listener of listeners) listener(busName, event);
      figures.onBusEvent(busName, event);
    },
    onDelivered: (outcome) => figures.delivered(outcome),
  });
  // SSIMULACRA2 (the AVIF step's quality search, COMPRESS_QUALITY=auto) on one worker thread,
  // off the event loop the UI/API and the S3 and DynamoDB peers share; started at the first
  // score, ended after the runner and the bus (registered before them: disposables run backwards).
  // Threads that cannot start (a broken install) turn it to the event loop, once, with the reason logged.
  const onFallback = (error: Error) => logger.warn('SSIMULACRA2 scores on the event loop: its worker thread could not start', { error });
  const scorer = ctx.options.scoring === 'in-thread' ? undefined : createWorkerScorer({ onFallback });
  if (scorer) disposables.add('the SSIMULACRA2 worker thread', () => scorer.close());
  // The trim after every image task binds malloc_trim on first use (a process report to tell
  // glibc, then koffi's load): ~17 ms on the event loop at the end of the first upload's
  // thumbnail task, just before RecordThumbnails (CPU profile, issue 13). Bound here, at start.
  canReleaseFreedMemory();
  // zod compiles a schema at its first parse: RecordThumbnails' input (2-10 ms) is compiled here,
  // not by the first upload's task on its way to the card.
  compileTaskInputSchemas();
  const services = createLocalServices({
    env: ctx.env,
    ...(scorer ? { scorer } : {}),
    clients: peers.clients,
    publisher: bus.publisher(EVENT_BUS_NAME),
    notifier: notifications,
    // An original whose grant was lost with the tables is still its image's proven upload
    // when the surviving archive accepted it: ingest keeps it instead of refusing it.
    uploadHistories: historiesWithArchive(new DynamoImageEventStore(peers.clients.documents, TABLES.imageEvents.defaultName), archivedEvents),
  });
  const queue = createQueue(ctx.options, services, figures);
  // Deliveries of what the executions published last, within a short grace.
  disposables.add('the bus and the notify queue', async () => {
    late.stopping = true;
    await Promise.race([Promise.all([bus.idle(), queue.idle()]), new Promise((r) => setTimeout(r, 2000).unref())]);
    bus.stop();
    await queue.stop();
  });
  const { machine, loadMachine } = machineLoader();
  const runner = createRunner(ctx, services, machine);
  disposables.add('the pipeline runner', () => runner.stop(ctx.options.stopGraceMs ?? 10_000));
  Object.assign(late, { services, runner, queue });
  figures.attach({ counts: () => runner.counts, dlqDepth: () => queue.depth.deadLetters + bus.deadLetters });
  return { archive, bus, queue, runner, services, listeners, loadMachine, archivedEvents };
}
