import { createServer, type Server } from 'node:http';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { StateMachine } from 'aws-local-stepfunctions';
import { PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import {
  createAwsClients,
  logger,
  S3ObjectStore,
  TABLES,
  systemClock,
  type Clock,
  type Env,
  type ImageEventStore,
  DynamoImageEventStore,
} from '@imgpipe/platform';
import {
  loadOrCreateLocalCredentials,
  localCorsRule,
  LOCAL_REGION,
  startLocalDynamo,
  startLocalS3,
  type LocalCredentials,
} from '@imgpipe/platform/testing';
import {
  DEFAULT_EVENT_BUS_NAME,
  EVENT_BUS_NAME,
  eventRules,
  placeholderSubstitutions,
  polyfillPromiseWithResolvers,
  renderPipelineDefinition,
  type RuleTarget,
} from '@imgpipe/workflow';
import { EventArchive } from './bus/archive';
import { prepareDataDirectory } from './data-directory';
import { redactArchiveOnPurge } from './bus/purge-redaction';
import type { BusEvent, BusName } from './bus/bus-event';
import { LocalBus, type DeliveryOutcome, type TargetDelivery } from './bus/local-bus';
import { LocalQueue, type QueueDepth } from './bus/local-queue';
import { replayArchive, type ReplayRequest, type ReplayResult } from './bus/replay-archive';
import { createAdminToken, DEFAULT_DEV_USER, LocalAuth, loadOrCreateSecret } from './http/auth';
import { EventStreamHub } from './http/event-stream';
import { createRequestListener } from './http/http-server';
import { buildWebBundle, type WebBundle } from './http/static-web';
import { redirectPowertoolsOutput } from './logs';
import { PipelineRunner, type RunnerCounts } from './pipeline/pipeline-runner';
import { historiesWithArchive, recoverUnfinishedWork, type RecoveryResult } from './pipeline/recovery';
import { startPurgeSweep, type PurgeSweepResult } from './pipeline/purge-sweep';
import { reapExpiredItems } from './pipeline/ttl-reaper';
import { createLocalServices, FileNotifier, type LocalServices } from './services/local-services';
import { onS3Notifications, prepareS3Notifications, toObjectCreatedEntry } from './services/s3-notifications';
import { PipelineStats, type DashboardStats } from './stats/pipeline-stats';

/** The buckets of the local runtime. */
export const LOCAL_BUCKETS = { originals: 'originals', processed: 'processed' } as const;

/** What lives where under the data directory (`.imgpipe/`). */
export function dataLayout(dataDir: string) {
  const root = resolve(dataDir);
  return {
    root,
    s3: join(root, 's3'),
    dynamodb: join(root, 'dynamodb'),
    archive: join(root, 'archive'),
    logs: join(root, 'logs'),
    web: join(root, 'web'),
    secret: join(root, 'secret'),
    /** The key pair the local S3 and DynamoDB servers accept (random, mode 0600, kept across restarts). */
    credentials: join(root, 'credentials.json'),
    /** The operator credential of `POST /admin/replay` (mode 0600), made anew on every start. */
    adminToken: join(root, 'admin-token'),
    /** `{ pid, url, port, endpoints }` of the runtime using this directory, while it runs. */
    runtimeFile: join(root, 'runtime.json'),
  } as const;
}

export interface LocalRuntimeOptions {
  /** Where everything is kept (default `.imgpipe`); kept across restarts. */
  readonly dataDir?: string;
  /** HTTP port (default 3000; 0 picks a free one). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** State machine executions at once (default: the number of cores). */
  readonly concurrency?: number;
  /** Build and serve the web UI (default true). */
  readonly web?: boolean;
  /** The user the printed sign-in URL signs in (default `dev`). */
  readonly devUser?: string;
  /** Service settings (`COMPRESS_FORMATS`, `RENDITION_SET`, `MAX_UPLOAD_BYTES`, `WEBHOOKS`...); default `process.env`. Resource names and endpoints are the runtime's own. */
  readonly env?: Env;
  /** Run unfinished work again on start (default true). */
  readonly recover?: boolean;
  /** `file` (default): Powertools logs and metrics to `<dataDir>/logs/imgpipe.log`; `inherit`: the terminal. */
  readonly logs?: 'file' | 'inherit';
  /** How long `stop()` lets running executions finish before abandoning them (default 10 s). */
  readonly stopGraceMs?: number;
  /** The notify queue's visibility timeout and redrive (defaults 30 s, 3). */
  readonly notifyQueue?: { readonly visibilityTimeoutMs?: number; readonly maxReceiveCount?: number };
  /** Retry pauses of the state machine in ms, by state name, instead of the definition's (tests). */
  readonly retryIntervalOverrides?: Readonly<Record<string, number>>;
  /** Called whenever the progress figures change. */
  readonly onProgress?: (progress: RuntimeProgress) => void;
  /** Seconds a delete can be undone before the purge erases the original (`UNDO_WINDOW_SECONDS`; default the env's, else 7 days). */
  readonly undoWindowSeconds?: number;
  /** Between purge sweeps (default 60 s); the first runs after crash recovery. */
  readonly purgeIntervalMs?: number;
  /** The time the purge sweep reads (default the system clock): tests look past the purge's grace period instead of waiting. */
  readonly purgeClock?: Clock;
}

/** The progress line's figures. */
export interface RuntimeProgress extends RunnerCounts {
  /** Images processed / failed / in processing, all time (the dashboard's figures). */
  readonly processed: number;
  readonly failedImages: number;
  readonly processing: number;
  readonly dlqDepth: number;
}

/** How long each part of the start took, in ms. */
export interface StartupTimings {
  readonly servers: number;
  readonly web: number;
  /** From the call to the HTTP server listening. */
  readonly total: number;
}

/** A running local runtime. */
export interface LocalRuntime {
  /** `http://<host>:<port>`: the UI, `/api`, `/cdn`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The URL that signs in the development user. */
  readonly signInUrl: string;
  /** The local S3 and DynamoDB endpoints. */
  readonly endpoints: { readonly s3: string; readonly dynamodb: string };
  /** The key pair those endpoints accept (also in `dataLayout(dataDir).credentials`). */
  readonly credentials: LocalCredentials;
  readonly buckets: typeof LOCAL_BUCKETS;
  readonly startup: StartupTimings;
  /** Settles when crash recovery (run on start) is done. */
  readonly recovered: Promise<RecoveryResult>;
  /** What the UI said when it could not be built, if it could not. */
  readonly webProblem?: string;
  /** The event store, for tools that read histories. */
  readonly eventStore: ImageEventStore;
  progress(): RuntimeProgress;
  stats(): DashboardStats;
  queueDepth(): QueueDepth;
  /** A token for `user`, as `POST /auth/dev-login` issues. */
  issueToken(user: string): Promise<string>;
  /** Runs the purge sweep now (it also runs after recovery and every `purgeIntervalMs`). */
  purge(): Promise<PurgeSweepResult>;
  /** Re-publishes archived events (see `replayArchive`). */
  replay(request: ReplayRequest): Promise<ReplayResult>;
  /** Every event the bus accepts, as it accepts it. Returns the unsubscribe function. */
  onEvent(listener: (bus: BusName, event: BusEvent) => void): () => void;
  /** Resolves when no execution, delivery or queued message is left. */
  idle(): Promise<void>;
  /** Stops gracefully: no new work, running executions get `stopGraceMs`, the rest is run again on the next start. */
  stop(): Promise<void>;
}

/** Another runtime already uses this data directory. */
export class RuntimeAlreadyRunningError extends ImgpipeError<'ALREADY_RUNNING'> {
  override readonly name = 'RuntimeAlreadyRunningError';
  constructor(
    readonly url: string,
    readonly pid: number,
  ) {
    super({ code: 'ALREADY_RUNNING', message: `imgpipe is already running on this data directory (pid ${pid}, ${url})` });
  }
}

interface RuntimeFile {
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  readonly startedAt: string;
  /** The local S3 and DynamoDB endpoints (loopback): for tools on this machine, e.g. the security suite. */
  readonly endpoints?: { readonly s3: string; readonly dynamodb: string };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The runtime using `dataDir`, when one is running. */
export async function runningRuntime(dataDir: string): Promise<RuntimeFile | undefined> {
  try {
    const file = JSON.parse(await readFile(dataLayout(dataDir).runtimeFile, 'utf8')) as RuntimeFile;
    return typeof file.pid === 'number' && typeof file.url === 'string' && isAlive(file.pid) ? file : undefined;
  } catch {
    return undefined;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

const pipelineKey = (event: BusEvent): string => {
  const eventId = (event.detail as { eventId?: unknown } | null)?.eventId;
  return typeof eventId === 'string' ? eventId : event.id;
};

/**
 * Starts the whole pipeline on this machine: the local S3 (s3rver) and DynamoDB (dynalite)
 * servers with the platform's buckets and tables, the bus with libs/workflow's rules and an
 * archive, `pipeline.asl.json` on aws-local-stepfunctions with its Task states mapped to the
 * services' handlers, the notify queue, and one HTTP server for the UI, the API and `/cdn`.
 * Data lives under `dataDir` and survives restarts; unfinished work is run again.
 *
 * @throws RuntimeAlreadyRunningError when another live process uses `dataDir`.
 * @example
 * const runtime = await startLocalRuntime({ dataDir: '.imgpipe', port: 3000 });
 * console.log(runtime.signInUrl);
 * await runtime.stop();
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const started = performance.now();
  const layout = dataLayout(options.dataDir ?? '.imgpipe');
  const host = options.host ?? '127.0.0.1';
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  // 0700, ours: another local user must not read the originals, tables, archive or logs in it.
  await prepareDataDirectory(layout.root);
  const other = await runningRuntime(layout.root);
  if (other && other.pid !== process.pid) throw new RuntimeAlreadyRunningError(other.url, other.pid);

  const restoreLogs = (options.logs ?? 'file') === 'file' ? redirectPowertoolsOutput(join(layout.logs, 'imgpipe.log')) : undefined;
  polyfillPromiseWithResolvers();
  prepareS3Notifications();

  // Everything slow at once: the two servers, the UI build, the signing secret.
  const webStarted = performance.now();
  let webMs = 0;
  const webBuild =
    options.web === false
      ? Promise.resolve<WebBundle>({ kind: 'missing', reason: 'the runtime was started without the UI.' })
      : buildWebBundle(layout.web).finally(() => (webMs = Math.round(performance.now() - webStarted)));
  const serversStarted = performance.now();
  // The S3 and DynamoDB servers listen on 127.0.0.1 whatever `host` is, and accept only these.
  const credentials = await loadOrCreateLocalCredentials(layout.credentials).catch(async (error: unknown) => {
    await restoreLogs?.();
    throw error;
  });
  const settled = await Promise.allSettled([
    startLocalS3({ buckets: Object.values(LOCAL_BUCKETS), directory: layout.s3, credentials, refusePostOverwrite: true }),
    startLocalDynamo({ path: layout.dynamodb, credentials, tables: Object.values(TABLES).map((definition) => ({ definition })) }),
    loadOrCreateSecret(layout.secret),
  ] as const);
  const [s3Started, dynamoStarted, secretLoaded] = settled;
  if (s3Started.status === 'rejected' || dynamoStarted.status === 'rejected' || secretLoaded.status === 'rejected') {
    await Promise.allSettled(settled.map((r) => (r.status === 'fulfilled' && 'stop' in r.value ? r.value.stop() : undefined)));
    await restoreLogs?.();
    throw settled.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined)).find((e) => e !== undefined);
  }
  const [s3, dynamo, secret] = [s3Started.value, dynamoStarted.value, secretLoaded.value];
  const serversMs = Math.round(performance.now() - serversStarted);
  /** Undoes what started so far when the start fails halfway (a bad setting, a port in use). */
  const abandonStart = async (error: unknown): Promise<never> => {
    clients.destroy();
    await Promise.allSettled([s3.stop(), dynamo.stop(), archive.close()]);
    await restoreLogs?.();
    throw error;
  };

  const clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint },
    credentials,
  });
  const env: Env = {
    ...(options.env ?? process.env),
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    IMGPIPE_AWS_ENDPOINT: undefined,
    IMGPIPE_S3_ENDPOINT: s3.endpoint,
    IMGPIPE_DYNAMODB_ENDPOINT: dynamo.endpoint,
    ORIGINALS_BUCKET: LOCAL_BUCKETS.originals,
    PROCESSED_BUCKET: LOCAL_BUCKETS.processed,
    IMAGES_TABLE: TABLES.imageMetadata.defaultName,
    EVENTS_TABLE: TABLES.imageEvents.defaultName,
    GRANTS_TABLE: TABLES.uploadGrants.defaultName,
    IDEMPOTENCY_TABLE: TABLES.idempotency.defaultName,
    EVENT_BUS_NAME,
    NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:imgpipe-local-notifications',
    // /cdn reads the bucket on every request: there is no CDN cache to invalidate.
    CDN_DISTRIBUTION_ID: undefined,
    ...(options.undoWindowSeconds !== undefined ? { UNDO_WINDOW_SECONDS: String(options.undoWindowSeconds) } : {}),
  };

  const archive = new EventArchive(layout.archive);
  const redactOnPurge = redactArchiveOnPurge(archive, (error, imageId) =>
    logger.error('could not redact a purged image in the bus archive', { imageId, error: error as Error }),
  );
  // The local SNS topic's file holds ImageProcessed payloads (the original's key, file name included).
  const notifications = new FileNotifier(join(layout.logs, 'notifications.jsonl'));
  const redactNotificationsOnPurge = redactArchiveOnPurge(notifications, (error, imageId) =>
    logger.error('could not redact a purged image in notifications.jsonl', { imageId, error: error as Error }),
  );
  const stats = new PipelineStats();
  const hub = new EventStreamHub();
  const listeners = new Set<(bus: BusName, event: BusEvent) => void>();
  let liveBeforeArchiveRead: BusEvent[] | undefined = [];

  // The bus's targets are the services below; they publish back onto the bus.
  const targets: Record<RuleTarget, TargetDelivery> = {
    pipeline: async (event) => void runner.submit(pipelineKey(event), event),
    'notify-queue': async (event) => void queue.send(JSON.stringify(event)),
    'ingest-on-object-created': (event) => services.onObjectCreated(event),
    metadata: (event) => services.onPipelineEvent(event),
  };
  const bus = new LocalBus({
    rules: eventRules({ originalsBucketName: LOCAL_BUCKETS.originals }),
    targets,
    archive,
    onEvent: (busName, event) => {
      redactOnPurge(busName, event);
      redactNotificationsOnPurge(busName, event);
      for (const listener of listeners) listener(busName, event);
      if (busName !== EVENT_BUS_NAME) return;
      if (liveBeforeArchiveRead) liveBeforeArchiveRead.push(event);
      else if (stats.apply(event)) statsChanged();
    },
    onDelivered: (outcome) => delivered(outcome),
  });
  let services: LocalServices;
  try {
    services = createLocalServices({
      env,
      clients,
      publisher: bus.publisher(EVENT_BUS_NAME),
      notifier: notifications,
      // An original whose grant was lost with the tables is still its image's proven upload
      // when the surviving archive accepted it: ingest keeps it instead of refusing it.
      uploadHistories: historiesWithArchive(
        new DynamoImageEventStore(clients.documents, TABLES.imageEvents.defaultName),
        async function* () {
          for await (const archived of archive.read({ bus: EVENT_BUS_NAME })) yield archived.event;
        },
      ),
    });
  } catch (error) {
    return abandonStart(error);
  }
  const queue = new LocalQueue({
    name: 'imgpipe-local-notify',
    consumer: (event) => services.notifyBatch(event),
    ...(options.notifyQueue?.visibilityTimeoutMs !== undefined ? { visibilityTimeoutMs: options.notifyQueue.visibilityTimeoutMs } : {}),
    ...(options.notifyQueue?.maxReceiveCount !== undefined ? { maxReceiveCount: options.notifyQueue.maxReceiveCount } : {}),
    onDeadLetter: (message) => {
      logger.error('notify message moved to the dead-letter queue', { messageId: message.messageId, receiveCount: message.receiveCount });
      statsChanged();
    },
  });
  // Loaded once the UI is served (the module takes ~0.5 s to load); executions wait for it.
  // Validated by asl-validator in libs/workflow's tests; validating again here costs ~1 s.
  let loadMachine: (machine: Promise<StateMachine>) => void = () => undefined;
  const machine = new Promise<StateMachine>((resolveMachine) => (loadMachine = (m) => resolveMachine(m)));
  machine.catch((error: unknown) => logger.error('could not load the state machine', { error: error as Error }));
  const runner = new PipelineRunner({
    machine,
    taskHandlers: services.taskHandlers,
    concurrency,
    ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    onChange: () => progressChanged(),
    onSettled: (outcome) => {
      if (outcome.status === 'failed') {
        logger.warn('pipeline execution failed', { key: outcome.key, ms: outcome.ms, error: outcome.error as Error });
      }
    },
  });

  const dlqDepth = () => queue.depth.deadLetters + bus.deadLetters;
  const progress = (): RuntimeProgress => {
    const figures = stats.snapshot(0);
    return {
      ...runner.counts,
      processed: figures.processed,
      failedImages: figures.failed,
      processing: figures.processing,
      dlqDepth: dlqDepth(),
    };
  };
  let statsTimer: NodeJS.Timeout | undefined;
  function statsChanged(): void {
    progressChanged();
    if (statsTimer) return;
    // Bursts of events make one `stats` event.
    statsTimer = setTimeout(() => {
      statsTimer = undefined;
      hub.stats(stats.snapshot(dlqDepth()));
    }, 100);
    statsTimer.unref();
  }
  function progressChanged(): void {
    options.onProgress?.(progress());
  }
  function delivered(outcome: DeliveryOutcome): void {
    if (outcome.error !== undefined) {
      logger.error('event delivery failed; dead-lettered', {
        target: outcome.rule.target,
        detailType: outcome.event['detail-type'],
        eventId: outcome.event.id,
        error: outcome.error as Error,
      });
      statsChanged();
    }
    // The UI reloads an image when told it changed: tell it once metadata has recorded the event.
    if (outcome.rule.target !== 'metadata') return;
    const detail = outcome.event.detail as { data?: { imageId?: unknown; userId?: unknown }; occurredAt?: unknown };
    const { imageId, userId } = detail.data ?? {};
    if (typeof imageId !== 'string' || typeof userId !== 'string') return;
    // The figures fold every event on the bus with metadata's fold: the status the read model now holds.
    const status = stats.statusOf(imageId);
    hub.image(userId, {
      imageId,
      detailType: outcome.event['detail-type'],
      ...(status ? { status } : {}),
      ...(typeof detail.occurredAt === 'string' ? { occurredAt: detail.occurredAt } : {}),
    });
  }

  // S3's notifications -> "Object Created" on the default bus, as S3's EventBridge integration
  // does for the bucket that has it turned on: the originals bucket (outputs announce nothing).
  let announcedSinceStart: Set<string> | undefined = new Set<string>();
  const unsubscribeS3 = onS3Notifications(s3.port, (record) => {
    const entry = record.s3.bucket.name === LOCAL_BUCKETS.originals ? toObjectCreatedEntry(record) : undefined;
    if (!entry) return;
    announcedSinceStart?.add(record.s3.object.key);
    bus.putEntry(DEFAULT_EVENT_BUS_NAME, entry).catch((error: unknown) => {
      logger.error('could not put an S3 notification on the bus', { key: record.s3.object.key, error: error as Error });
    });
  });

  const auth = new LocalAuth(secret);
  const adminToken = await createAdminToken(layout.adminToken);
  const web = await webBuild;
  const store = new S3ObjectStore(clients.s3);
  // A deleted image's events are skipped: its history (the event store, below) says so.
  const replay = (request: ReplayRequest) => replayArchive(archive, bus, request, { histories: eventStore });
  const server = createServer(
    createRequestListener({
      auth,
      api: services.httpApi,
      hub,
      stats: () => stats.snapshot(dlqDepth()),
      processed: { store, bucket: LOCAL_BUCKETS.processed },
      web: () => web,
      replay: (body) => replay(toReplayRequest(body)),
      adminToken,
      uploadOrigins: [s3.endpoint],
      onError: (error) => logger.error('request failed', { error: error as Error }),
    }),
  );
  let port: number;
  try {
    port = await listen(server, options.port ?? 3000, host);
    // The UI posts uploads straight to the originals bucket: allow its origins (known only now).
    const corsRule = localCorsRule([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
    await clients.s3
      .send(new PutBucketCorsCommand({ Bucket: LOCAL_BUCKETS.originals, CORSConfiguration: { CORSRules: [corsRule] } }))
      .catch((error: unknown) => {
        server.close();
        throw error;
      });
  } catch (error) {
    unsubscribeS3();
    hub.close();
    return abandonStart(error);
  }
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${displayHost}:${port}`;
  const total = Math.round(performance.now() - started);
  await writeFile(
    layout.runtimeFile,
    JSON.stringify(
      { pid: process.pid, url, port, startedAt: new Date().toISOString(), endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint } } satisfies RuntimeFile,
      null,
      2,
    ),
  );
  const signInUrl = `${url}/#token=${await auth.issue(options.devUser ?? DEFAULT_DEV_USER)}`;

  loadMachine(
    import('aws-local-stepfunctions').then(
      ({ StateMachine: Machine }) =>
        new Machine(renderPipelineDefinition(placeholderSubstitutions()), { validationOptions: { noValidate: true } }),
    ),
  );

  // In the background, once serving: the figures from the archive, then crash recovery.
  void (async () => {
    try {
      for await (const archived of archive.read({ bus: EVENT_BUS_NAME })) stats.apply(archived.event);
    } catch (error) {
      logger.error('could not read the archive for the dashboard figures', { error: error as Error });
    }
    for (const event of liveBeforeArchiveRead ?? []) stats.apply(event);
    liveBeforeArchiveRead = undefined;
    statsChanged();
  })();
  const eventStore = new DynamoImageEventStore(clients.documents, TABLES.imageEvents.defaultName);
  const recovered =
    options.recover === false
      ? Promise.resolve<RecoveryResult>({ rerun: [], reannounced: [] })
      : recoverUnfinishedWork({
          eventStore,
          store,
          originalsBucket: LOCAL_BUCKETS.originals,
          runPipeline: (event) => void runner.submit(pipelineKey(event), event),
          announceObject: async (entry) => void (await bus.putEntry(DEFAULT_EVENT_BUS_NAME, entry)),
          announcedSinceStart: (key) => announcedSinceStart?.has(key) ?? false,
          // The archive outlives the tables: a deleted image's kept original is not announced as new.
          survivingEvents: async function* () {
            for await (const archived of archive.read({ bus: EVENT_BUS_NAME })) yield archived.event;
          },
        });
  recovered.then(
    () => (announcedSinceStart = undefined),
    (error: unknown) => logger.error('crash recovery failed', { error: error as Error }),
  );
  // Deleted images whose undo window is over are erased, as the schedule does on AWS.
  const purgeClock = options.purgeClock ?? systemClock;
  const purgeSweep = startPurgeSweep({
    purge: async () => {
      const now = purgeClock.now();
      const result = await services.metadata.purgeDeletedImages({ now });
      // dynalite has no TTL: what AWS lets expire (grants, idempotency records) goes here.
      await reapExpiredItems(
        clients.documents,
        Object.values(TABLES).map((definition) => ({ definition, name: definition.defaultName })),
        now,
      );
      return result;
    },
    after: recovered,
    ...(options.purgeIntervalMs !== undefined ? { intervalMs: options.purgeIntervalMs } : {}),
  });

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    unsubscribeS3();
    const closed = new Promise<void>((done) => server.close(() => done()));
    hub.close();
    server.closeAllConnections();
    await closed;
    await recovered.catch(() => undefined);
    await purgeSweep.stop();
    await runner.stop(options.stopGraceMs ?? 10_000);
    // Deliveries of what the executions published last, within a short grace.
    await Promise.race([Promise.all([bus.idle(), queue.idle()]), new Promise((r) => setTimeout(r, 2000).unref())]);
    bus.stop();
    await queue.stop();
    if (statsTimer) clearTimeout(statsTimer);
    await archive.close();
    clients.destroy();
    await Promise.all([s3.stop(), dynamo.stop()]);
    await rm(layout.runtimeFile, { force: true });
    await rm(layout.adminToken, { force: true });
    await restoreLogs?.();
  };

  return {
    url,
    port,
    dataDir: layout.root,
    signInUrl,
    endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint },
    credentials,
    buckets: LOCAL_BUCKETS,
    startup: { servers: serversMs, web: webMs, total },
    recovered,
    ...(web.kind === 'missing' && options.web !== false ? { webProblem: web.reason } : {}),
    eventStore,
    progress,
    stats: () => stats.snapshot(dlqDepth()),
    queueDepth: () => queue.depth,
    issueToken: (user) => auth.issue(user),
    purge: () => purgeSweep.runNow(),
    replay,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async idle() {
      await recovered.catch(() => undefined);
      for (;;) {
        await runner.idle();
        await bus.idle();
        await queue.idle();
        const counts = runner.counts;
        if (counts.queued === 0 && counts.running === 0 && bus.pending === 0) return;
      }
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** A replay request from JSON (the `/admin/replay` body). */
function toReplayRequest(body: unknown): ReplayRequest {
  if (typeof body !== 'object' || body === null) throw new RangeError('the body must be a JSON object');
  const { from, to, detailTypes, name } = body as Record<string, unknown>;
  if (typeof from !== 'string') throw new RangeError('from is required: ISO 8601, "now" or e.g. "-2h"');
  if (to !== undefined && typeof to !== 'string') throw new RangeError('to must be a string');
  if (detailTypes !== undefined && !(Array.isArray(detailTypes) && detailTypes.every((t) => typeof t === 'string'))) {
    throw new RangeError('detailTypes must be a list of event names');
  }
  if (name !== undefined && (typeof name !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(name))) {
    throw new RangeError('name must be 1-64 of . - _ A-Z a-z 0-9');
  }
  return {
    from,
    ...(typeof to === 'string' ? { to } : {}),
    ...(Array.isArray(detailTypes) ? { detailTypes: detailTypes as string[] } : {}),
    ...(typeof name === 'string' ? { name } : {}),
  };
}
