import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { DynamoImageEventStore, TABLES, type Env } from '@imgpipe/platform';
import { LOCAL_REGION } from '@imgpipe/platform/testing';
import { placeholderSubstitutions, polyfillPromiseWithResolvers, renderPipelineDefinition } from '@imgpipe/workflow';
import { prepareDataDirectory } from './data-directory';
import { replayArchive, type ReplayRequest } from './bus/replay-archive';
import { DEFAULT_DEV_USER } from './http/auth';
import { buildWebBundle, type WebBundle } from './http/static-web';
import { redirectPowertoolsOutput } from './logs';
import { defaultExecutionsAtOnce } from './pipeline/pipeline-runner';
import { announceUploads, startBackgroundTasks, type BackgroundTasks } from './runtime/background';
import { startBusAndServices, type BusAndServices } from './runtime/bus-and-services';
import { Disposables } from './runtime/disposables';
import { LiveFigures } from './runtime/figures';
import { bindHttp, serveHttp, type Serving } from './runtime/http';
import { dataLayout, LOCAL_BUCKETS, type DataLayout } from './runtime/layout';
import { startPeers, type Peers } from './runtime/peers';
import { LOCAL_RESOURCES, localCdnBaseUrl, localServiceEnv } from './runtime/service-env';
import type { LocalRuntime, LocalRuntimeOptions, RuntimeFile } from './runtime/types';

export { dataLayout, LOCAL_BUCKETS } from './runtime/layout';
export type { LocalRuntime, LocalRuntimeOptions, RuntimeProgress, StartupTimings } from './runtime/types';

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

/** What the start has settled before any part runs. */
interface Setup {
  readonly options: LocalRuntimeOptions;
  readonly layout: DataLayout;
  readonly host: string;
  readonly concurrency: number;
  readonly started: number;
  /** Every part's undo, walked backwards by `stop()` and by a failed start. */
  readonly disposables: Disposables;
  /** The UI build, started first (it is the slowest part), and how long it took. */
  readonly web: Promise<WebBundle>;
  readonly webMs: { value: number };
}

/**
 * Checks the options and the data directory (0700; no other live runtime on it), sends
 * Powertools' output to the log file, and starts the UI build. The first disposables: the
 * log redirection, and the removal of `runtime.json` and the admin token (once written).
 */
async function prepare(options: LocalRuntimeOptions): Promise<Setup> {
  const started = performance.now();
  const layout = dataLayout(options.dataDir ?? '.imgpipe');
  const concurrency = options.concurrency ?? defaultExecutionsAtOnce();
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  // 0700, ours: another local user must not read the originals, tables, archive or logs in it.
  await prepareDataDirectory(layout.root);
  const other = await runningRuntime(layout.root);
  if (other && other.pid !== process.pid) throw new RuntimeAlreadyRunningError(other.url, other.pid);

  const disposables = new Disposables();
  if ((options.logs ?? 'file') === 'file') disposables.add('the log redirection', redirectPowertoolsOutput(join(layout.logs, 'imgpipe.log')));
  // After the servers stopped (their data is flushed), the directory is free for the next runtime.
  disposables.add('runtime.json and the admin token', async () => {
    await rm(layout.runtimeFile, { force: true });
    await rm(layout.adminToken, { force: true });
  });
  polyfillPromiseWithResolvers();
  const webStarted = performance.now();
  const webMs = { value: 0 };
  const web =
    options.web === false
      ? Promise.resolve<WebBundle>({ kind: 'missing', reason: 'the runtime was started without the UI.' })
      : buildWebBundle(layout.web).finally(() => (webMs.value = Math.round(performance.now() - webStarted)));
  return { options, layout, host: options.host ?? '127.0.0.1', concurrency, started, disposables, web, webMs };
}

/**
 * The services' environment: the operator's knobs (`options.env`, default `process.env`)
 * with every resource and endpoint their declarations name set to the local ones, and the
 * peers' key pair as the SDK's credentials.
 */
function localEnvironment(options: LocalRuntimeOptions, peers: Peers, cdnBaseUrl: string): Env {
  return {
    ...localServiceEnv(options.env ?? process.env, {
      region: LOCAL_REGION,
      endpoints: { s3: peers.s3.endpoint, dynamodb: peers.dynamo.endpoint },
      resources: { ...LOCAL_RESOURCES, cdnBaseUrl },
    }),
    AWS_ACCESS_KEY_ID: peers.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: peers.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    ...(options.undoWindowSeconds !== undefined ? { UNDO_WINDOW_SECONDS: String(options.undoWindowSeconds) } : {}),
  };
}

/** The running parts a {@link LocalRuntime} answers from. */
interface Running {
  readonly setup: Setup;
  readonly peers: Peers;
  readonly parts: BusAndServices;
  readonly figures: LiveFigures;
  readonly serving: Serving;
  readonly background: BackgroundTasks;
  readonly eventStore: DynamoImageEventStore;
  readonly replay: LocalRuntime['replay'];
  readonly signInUrl: string;
  readonly totalMs: number;
  readonly serversMs: number;
}

/**
 * The HTTP port (bound first: the services' CDN base is the absolute URL of the port,
 * `--port 0` included), peers, then the bus and the services, then HTTP's listener, then
 * the background work (the archive's figures, crash recovery, the purge sweep); each
 * registers its undo as it starts.
 */
async function startParts(setup: Setup): Promise<Running> {
  const { options, layout, disposables } = setup;
  const bound = await bindHttp(setup.host, options.port ?? 3000, disposables);
  const peers = await startPeers(layout, disposables);
  const figures = new LiveFigures(options.onProgress);
  const env = localEnvironment(options, peers, localCdnBaseUrl(setup.host, bound.port));
  const parts = startBusAndServices({ options, layout, concurrency: setup.concurrency, env, peers, figures, disposables });
  const eventStore = new DynamoImageEventStore(peers.clients.documents, TABLES.imageEvents.defaultName);
  // A deleted image's events are skipped: its history (the event store) says so.
  const replay = (request: ReplayRequest) => replayArchive(parts.archive, parts.bus, request, { histories: eventStore });
  // Stopped after HTTP (registered before it), before the runner: recovery and the sweep end first.
  const started: { background?: BackgroundTasks } = {};
  disposables.add('the background tasks', async () => {
    await started.background?.recovered.catch(() => undefined);
    await started.background?.purgeSweep.stop();
    await started.background?.reconcileSweep.stop();
  });
  const announced = announceUploads(peers, parts, disposables);
  const httpContext = { layout, host: setup.host, bound, peers, parts, figures, web: setup.web, replay, toReplayRequest, disposables };
  const serving = await serveHttp(httpContext);
  const totalMs = Math.round(performance.now() - setup.started);
  const signInUrl = `${serving.url}/#token=${await serving.auth.issue(options.devUser ?? DEFAULT_DEV_USER)}`;
  // Loaded once the UI is served (the module takes ~0.5 s to load); executions wait for it.
  // Validated by asl-validator in libs/workflow's tests; validating again here costs ~1 s.
  parts.loadMachine(
    import('aws-local-stepfunctions').then(
      ({ StateMachine: Machine }) => new Machine(renderPipelineDefinition(placeholderSubstitutions()), { validationOptions: { noValidate: true } }),
    ),
  );
  void figures.loadArchive(parts.archivedEvents());
  const background = startBackgroundTasks({ options, layout, peers, parts, eventStore, announced });
  started.background = background;
  return { setup, peers, parts, figures, serving, background, eventStore, replay, signInUrl, totalMs, serversMs: peers.startedMs };
}

/** The {@link LocalRuntime} over the running parts; `stop()` walks the disposables once. */
function runtimeHandle(running: Running): LocalRuntime {
  const { setup, peers, parts, figures, serving, background } = running;
  let stopping: Promise<void> | undefined;
  return {
    url: serving.url,
    port: serving.port,
    dataDir: setup.layout.root,
    signInUrl: running.signInUrl,
    endpoints: { s3: peers.s3.endpoint, dynamodb: peers.dynamo.endpoint },
    credentials: peers.credentials,
    buckets: LOCAL_BUCKETS,
    startup: { servers: running.serversMs, web: setup.webMs.value, total: running.totalMs },
    recovered: background.recovered,
    ...(serving.web.kind === 'missing' && setup.options.web !== false ? { webProblem: serving.web.reason } : {}),
    eventStore: running.eventStore,
    progress: () => figures.progress(),
    stats: () => figures.snapshot(),
    queueDepth: () => parts.queue.depth,
    issueToken: (user) => serving.auth.issue(user),
    purge: () => background.purgeSweep.runNow(),
    replay: running.replay,
    onEvent(listener) {
      parts.listeners.add(listener);
      return () => parts.listeners.delete(listener);
    },
    async idle() {
      await background.recovered.catch(() => undefined);
      for (;;) {
        await parts.runner.idle();
        await parts.bus.idle();
        await parts.queue.idle();
        const counts = parts.runner.counts;
        if (counts.queued === 0 && counts.running === 0 && parts.bus.pending === 0) return;
      }
    },
    stop() {
      stopping ??= setup.disposables.disposeAll();
      return stopping;
    },
  };
}

/**
 * Starts the whole pipeline on this machine: the local S3 (s3rver) and DynamoDB (dynalite)
 * servers with the platform's buckets and tables, the bus with libs/workflow's rules and an
 * archive, `pipeline.asl.json` on aws-local-stepfunctions with its Task states mapped to the
 * services' handlers, the notify queue, and one HTTP server for the UI, the API and `/cdn`.
 * Data lives under `dataDir` and survives restarts; unfinished work is run again. A start
 * that fails halfway undoes what it started, as `stop()` does.
 *
 * @throws RuntimeAlreadyRunningError when another live process uses `dataDir`.
 * @example
 * const runtime = await startLocalRuntime({ dataDir: '.imgpipe', port: 3000 });
 * console.log(runtime.signInUrl);
 * await runtime.stop();
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const setup = await prepare(options);
  try {
    return runtimeHandle(await startParts(setup));
  } catch (error) {
    await setup.disposables.disposeAll().catch(() => undefined);
    throw error;
  }
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
