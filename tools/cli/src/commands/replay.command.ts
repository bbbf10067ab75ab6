import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { dataLayout, describeSkipped, parseReplayTime, replayOnDataDir, type ReplayResult } from '@imgpipe/local';
import { oneOf, parseCommandLine } from '../args';
import type { CliIo } from '../cli-io';
import { EXIT, UsageError } from '../errors';
import { progressBar } from '@imgpipe/local/process-cli';
import { defaultReplayName, replayOnAws, type AwsReplayProgress } from '../aws/replay.aws';
import { requireOutput } from '../aws/stack-outputs';
import { connectRuntime } from '../local/connection';
import { AWS_OPTIONS, AWS_OPTIONS_USAGE, clientConfig, pollInterval, stackOutputs } from './aws-options';
import { EXIT_CODES_USAGE, RUNTIME_OPTIONS, RUNTIME_OPTIONS_USAGE, runtimeOptions, type Command } from './common';

const REPLAY_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

const OPTIONS = {
  ...RUNTIME_OPTIONS,
  ...AWS_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  'detail-type': { type: 'string', multiple: true },
  name: { type: 'string' },
  target: { type: 'string' },
  'archive-arn': { type: 'string' },
  'bus-arn': { type: 'string' },
  'rule-arn': { type: 'string', multiple: true },
  'no-wait': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'publish archived events again (local bus archive, or an EventBridge archive on AWS)',
  usage: `usage: imgpipe replay --from <time> [--to <time>] [--detail-type <name>]... [--target local|aws] [options]

Publishes the archived events of a window again, marked as replayed: ImageUploaded runs
the pipeline again (e.g. under a new RENDITION_SET), every event reaches metadata again
(recorded once, by event id). Times: ISO 8601, "now", or -<n>s|m|h|d (ago).

  --target local (default): through the running runtime's POST /admin/replay, or a runtime
      started for it (stopped once the replayed work is done).
  --target aws: EventBridge StartReplay of the archive onto its bus, followed with
      DescribeReplay until COMPLETED, FAILED or CANCELLED. EventBridge filters a replay by
      rule, not by event: --detail-type picks the bus's rules whose pattern accepts it
      (ListRules), and every archived event of the window goes to those rules.

options:
  --from <time>           start of the window, inclusive (required)
  --to <time>             end of the window, exclusive (default now)
  --detail-type <name>    only these events (repeatable), e.g. ImageUploaded
  --name <name>           the replay's name (1-64 of . - _ A-Z a-z 0-9)
  --target <local|aws>    default local
  -h, --help              this text
local:
${RUNTIME_OPTIONS_USAGE}
aws:
  --archive-arn <arn>     the archive (or --stack: its EventArchiveArn output)
  --bus-arn <arn>         the bus to replay onto (default: the archive's source bus)
  --rule-arn <arn>        deliver to these rules only (repeatable; overrides --detail-type)
  --no-wait               print the replay's name and return once it has started
${AWS_OPTIONS_USAGE}

${EXIT_CODES_USAGE}
(1 here: the AWS replay ended FAILED or CANCELLED)`,

  async run(argv, io) {
    const { values } = parseCommandLine(argv, OPTIONS);
    if (values.help) {
      io.stdout.write(`${replayCommand.usage}\n`);
      return EXIT.OK;
    }
    const target = oneOf('target', values.target, ['local', 'aws'] as const, 'local');
    if (!values.from) throw new UsageError('--from is required (ISO 8601, "now" or e.g. -2h)');
    if (values.name !== undefined && !REPLAY_NAME.test(values.name)) throw new UsageError('--name must be 1-64 of . - _ A-Z a-z 0-9');
    const now = new Date();
    let from: Date;
    let to: Date;
    try {
      from = parseReplayTime(values.from, now);
      to = parseReplayTime(values.to ?? 'now', now);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (!(from.getTime() < to.getTime())) throw new UsageError(`the window is empty: --from ${from.toISOString()} is not before --to ${to.toISOString()}`);
    const detailTypes = values['detail-type'] ?? [];
    return target === 'aws' ? replayAws(values, io, { from, to, detailTypes, now }) : replayLocal(values, io, { from, to, detailTypes });
  },
};

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];
interface Window {
  readonly from: Date;
  readonly to: Date;
  readonly detailTypes: readonly string[];
}

function printLocal(io: CliIo, result: ReplayResult, via: string): void {
  const counts = Object.entries(result.byDetailType)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  io.stdout.write(
    `${result.replayName}: replayed ${result.replayed} event(s) from ${result.from} to ${result.to}${counts ? ` (${counts})` : ''}${describeSkipped(result)} via ${via}\n`,
  );
  if (result.replayed === 0 && !result.skipped) io.stderr.write('imgpipe replay: the archive holds no such event in that window\n');
}

async function replayLocal(values: Values, io: CliIo, window: Window): Promise<number> {
  const options = runtimeOptions(values, io);
  const request = {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    ...(window.detailTypes.length > 0 ? { detailTypes: window.detailTypes } : {}),
    ...(values.name ? { name: values.name } : {}),
  };
  if (options.url) {
    const connection = await connectRuntime(options);
    printLocal(io, await connection.api.replay(request), `the runtime at ${connection.url}`);
    return EXIT.OK;
  }
  const result = await replayOnDataDir({ ...request, dataDir: dataLayout(options.dataDir).root });
  printLocal(io, result, result.via === 'running' ? 'the running runtime' : 'a runtime started for it (its work is done)');
  return EXIT.OK;
}

function reportReplayProgress(io: CliIo) {
  let last = '';
  return (progress: AwsReplayProgress) => {
    const percent = progress.fraction !== undefined ? ` ${progressBar(progress.fraction, 20)} ${Math.round(progress.fraction * 100)}%` : '';
    const through = progress.lastReplayed ? ` (events up to ${progress.lastReplayed.toISOString()})` : '';
    const line = `${progress.state}${percent}${through}`;
    if (io.stderr.isTTY) io.stderr.write(`\r\x1b[2K${line}`);
    else if (line !== last) io.stderr.write(`${line}\n`);
    last = line;
  };
}

async function replayAws(values: Values, io: CliIo, window: Window & { readonly now: Date }): Promise<number> {
  const stack = await stackOutputs(values);
  const archiveArn = values['archive-arn'] ?? (stack ? requireOutput(stack.outputs, 'EventArchiveArn', stack.stack) : undefined);
  if (!archiveArn) throw new UsageError('--target aws needs --archive-arn or --stack (whose outputs name the archive)');
  const name = values.name ?? defaultReplayName(window.now);
  const client = new EventBridgeClient(clientConfig(values, io));
  try {
    const result = await replayOnAws(
      client,
      {
        name,
        archiveArn,
        ...(values['bus-arn'] ? { busArn: values['bus-arn'] } : {}),
        from: window.from,
        to: window.to,
        ...(window.detailTypes.length > 0 ? { detailTypes: window.detailTypes } : {}),
        ...(values['rule-arn'] ? { ruleArns: values['rule-arn'] } : {}),
        description: `imgpipe replay ${window.from.toISOString()} to ${window.to.toISOString()}${window.detailTypes.length > 0 ? ` of ${window.detailTypes.join(', ')}` : ''}`,
      },
      { pollIntervalMs: pollInterval(values), wait: !values['no-wait'], onProgress: reportReplayProgress(io) },
    );
    if (io.stderr.isTTY && !values['no-wait']) io.stderr.write('\n');
    const rules = result.filterArns.length > 0 ? ` to ${result.filterArns.length} rule(s): ${result.filterArns.join(', ')}` : ' to every rule';
    io.stdout.write(`${result.name}: ${result.state}${result.stateReason ? ` (${result.stateReason})` : ''}\n`);
    io.stdout.write(`  ${result.from} to ${result.to} from ${archiveArn} onto ${result.busArn}${rules}\n`);
    return result.state === 'FAILED' || result.state === 'CANCELLED' ? EXIT.FAILED : EXIT.OK;
  } finally {
    client.destroy();
  }
}
