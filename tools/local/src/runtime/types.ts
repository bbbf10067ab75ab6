import type { Clock, Env, ImageEventStore } from '@imgpipe/platform';
import type { LocalCredentials } from '@imgpipe/platform/testing';
import type { BusEvent, BusName } from '../bus/bus-event';
import type { QueueDepth } from '../bus/local-queue';
import type { ReplayRequest, ReplayResult } from '../bus/replay-archive';
import type { RunnerCounts } from '../pipeline/pipeline-runner';
import type { PurgeSweepResult } from '../pipeline/purge-sweep';
import type { RecoveryResult } from '../pipeline/recovery';
import type { DashboardStats } from '../stats/pipeline-stats';
import type { LOCAL_BUCKETS } from './layout';

export interface LocalRuntimeOptions {
  /** Where everything is kept (default `.imgpipe`); kept across restarts. */
  readonly dataDir?: string;
  /** HTTP port (default 3000; 0 picks a free one). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** State machine executions at once (default: one per two cores, at least one: `defaultExecutionsAtOnce`). */
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
  /**
   * Where SSIMULACRA2 is scored (the AVIF step's quality search, `COMPRESS_QUALITY=auto`):
   * `worker` (default), one worker thread, off the event loop the UI/API and the peers share;
   * `in-thread`, on that event loop, as before (for comparison: scripts/measure-scoring.ts).
   */
  readonly scoring?: 'worker' | 'in-thread';
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

/** `runtime.json`: who uses the data directory. */
export interface RuntimeFile {
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  readonly startedAt: string;
  /** The local S3 and DynamoDB endpoints (loopback): for tools on this machine, e.g. the security suite. */
  readonly endpoints?: { readonly s3: string; readonly dynamodb: string };
}

