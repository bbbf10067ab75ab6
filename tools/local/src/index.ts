/**
 * `@imgpipe/local`: the local runtime behind `npm start` — the whole pipeline on one machine
 * with the web UI — plus replay of the bus archive and the offline batch mode. The CLI
 * (tools/cli) drives it through this API.
 */
export {
  startLocalRuntime,
  runningRuntime,
  dataLayout,
  LOCAL_BUCKETS,
  RuntimeAlreadyRunningError,
  type LocalRuntime,
  type LocalRuntimeOptions,
  type RuntimeProgress,
  type StartupTimings,
} from './runtime';
export { prepareDataDirectory, UnsafeDataDirectoryError, DATA_DIRECTORY_MODE } from './data-directory';
export {
  replayArchive,
  replayOnDataDir,
  parseReplayTime,
  describeSkipped,
  type ReplayRequest,
  type ReplayResult,
  type ReplayOptions,
  type ReplaySkipReason,
  type ReplayTarget,
  type ReplayOnDataDirOptions,
  type ReplayOnDataDirResult,
} from './replay';
export { EventArchive, type ArchivedEvent, type ArchiveQuery } from './bus/archive';
export type { BusEvent, BusName } from './bus/bus-event';
export type { DashboardStats, ImageStatus } from './stats/pipeline-stats';
export type { ImageChange } from './http/event-stream';
export { readAdminToken, AdminTokenUnavailableError } from './http/auth';
export type { RecoveryResult } from './pipeline/recovery';
export { runBatch, collectFiles, type BatchOptions, type BatchRow } from './batch';
export { formatTable, formatBytes } from './table';
export { parseCommandLineArgs, joinDashedValues } from './command-line';
