/**
 * `@imgpipe/cli`: the `imgpipe` command (`npm run imgpipe -- <command>`): process files
 * through the local pipeline, show an image's events, replay the archive and redrive
 * failures, locally and on AWS. The commands' building blocks are exported for tools and
 * tests.
 */
export { main, runCli, COMMANDS, USAGE } from './main';
export { EXIT, EXIT_CODES, EXIT_CODES_HELP, CliError, UsageError, UnavailableError, type ExitCode } from './errors';
export type { CliIo, OutputStream } from './cli-io';
export { RuntimeApi, ApiError, type ImageDetailsView, type ImageRecordView, type ReplayBody } from './local/runtime-api';
export { connectRuntime, DEFAULT_DATA_DIR, DEFAULT_USER, type ConnectOptions, type RuntimeConnection } from './local/connection';
export {
  processImages,
  toImageResult,
  type ImageResult,
  type ImageFailure,
  type ProcessImagesOptions,
  type ProcessProgress,
  type ProcessReport,
  type FileToProcess,
} from './local/process-images.use-case';
export { guessContentType } from './local/content-type';
export { planLocalRedrive, redriveRequests, type FailedImage, type RedrivePlan } from './local/redrive.local';
export { replayOnAws, rulesAccepting, type AwsReplayRequest, type AwsReplayResult } from './aws/replay.aws';
export { redriveDlq, describeQueue, type DlqRedriveResult } from './aws/redrive.aws';
export { formatEventHistory, eventFacts } from './format/event-history';
// The process front end (table, totals, progress, input files) is shared with `npm start`: `@imgpipe/local/process-cli`.
