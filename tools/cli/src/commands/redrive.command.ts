import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { dataLayout, EventArchive, formatTable, type ReplayResult } from '@imgpipe/local';
import { oneOf, parseCommandLine, positiveInteger, seconds } from '../args';
import type { CliIo } from '../cli-io';
import { EXIT, UsageError } from '../errors';
import { describeQueue, redriveAsyncInvokes, redriveDlq, type AsyncRedriveOutcome, type DlqRedriveResult } from '../aws/redrive.aws';
import { connectRuntime } from '../local/connection';
import { awaitOutcomes, planLocalRedrive, redriveRequests, replayedCount, type FailedImage, type RedriveOutcome } from '../local/redrive.local';
import { AWS_OPTIONS, AWS_OPTIONS_USAGE, clientConfig, pollInterval, stackOutputs } from './aws-options';
import { EXIT_CODES_USAGE, reportEmbedded, RUNTIME_OPTIONS, RUNTIME_OPTIONS_USAGE, runtimeOptions, type Command } from './common';

const DEFAULT_TIMEOUT_SECONDS = 300;

const OPTIONS = {
  ...RUNTIME_OPTIONS,
  ...AWS_OPTIONS,
  target: { type: 'string' },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'dlq-arn': { type: 'string', multiple: true },
  'async-dlq-url': { type: 'string' },
  'max-per-second': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const redriveCommand: Command = {
  name: 'redrive',
  summary: 're-run failed work after a fix (local failed images, or AWS DLQ messages)',
  usage: `usage: imgpipe redrive [--target local|aws] [options]

  --target local (default): finds, in the bus archive of --data-dir, every image whose last
      outcome is ImageProcessingFailed with retryable: true (transient errors that ran out
      of retries, internal errors), publishes its archived ImageUploaded again through the
      runtime's replay (POST /admin/replay, one 1 ms window per upload time, ImageUploaded
      only, named redrive-<uuid>), and waits for each image's new outcome. Bad input
      (InvalidImage codes) is listed, never re-run: it would fail the same way.
  --target aws: moves the messages of each dead-letter queue back to the queue they came
      from (SQS StartMessageMoveTask) and follows each task (ListMessageMoveTasks). SQS does
      this for DLQs of SQS queues only: with --stack, the notify DLQ; the rule-targets DLQ
      holds failed EventBridge deliveries, which \`imgpipe replay --target aws\` re-runs.
      The async-invokes DLQ (--stack: AsyncInvokesDlqUrl, or --async-dlq-url) holds what
      Lambda gave up on (ingest's validator, metadata's bus consumer, the purge): each
      record's event is invoked again on its function (InvocationType Event; only functions
      of the queue's own account and region) and the message deleted once Lambda accepts it;
      a record that is not valid, or refused, stays in the queue and is listed.

options:
  --target <local|aws>    default local
  -h, --help              this text
local:
${RUNTIME_OPTIONS_USAGE}
  --timeout <s>           how long to wait for the redriven images (default ${DEFAULT_TIMEOUT_SECONDS})
  --dry-run               list what would be redriven, change nothing
aws:
  --dlq-arn <arn>         a dead-letter queue to move back (repeatable; or --stack: NotifyDlqUrl)
  --max-per-second <n>    messages moved per second (default: SQS's, up to 500)
  --async-dlq-url <url>   the async-invokes DLQ to re-invoke from (or --stack: AsyncInvokesDlqUrl)
  --dry-run               list the async-invoke records that would be re-invoked, change nothing
${AWS_OPTIONS_USAGE}

${EXIT_CODES_USAGE}
(1 here: a redriven image failed again or timed out; a move task FAILED or was CANCELLED;
an async-invoke record was left in its queue)`,

  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
    if (values.help) {
      io.stdout.write(`${redriveCommand.usage}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0] ?? ''}`);
    const target = oneOf('target', values.target, ['local', 'aws'] as const, 'local');
    return target === 'aws' ? redriveAws(values, io) : redriveLocal(values, io);
  },
};

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

function summarizeNotRetryable(images: readonly FailedImage[]): string {
  const byCode = new Map<string, number>();
  for (const image of images) byCode.set(image.code, (byCode.get(image.code) ?? 0) + 1);
  return [...byCode].map(([code, n]) => `${n} ${code}`).join(', ');
}

async function redriveLocal(values: Values, io: CliIo): Promise<number> {
  const timeoutMs = seconds('timeout', values.timeout, DEFAULT_TIMEOUT_SECONDS);
  const options = runtimeOptions(values, io);
  const archive = new EventArchive(dataLayout(options.dataDir).archive);
  const plan = await planLocalRedrive(archive);
  if (plan.notRetryable.length > 0) {
    io.stderr.write(
      `imgpipe redrive: ${plan.notRetryable.length} failed image(s) not retryable, left as they are (bad input fails the same way again): ${summarizeNotRetryable(plan.notRetryable)}\n`,
    );
  }
  if (plan.retryable.length === 0) {
    io.stdout.write('nothing to redrive: no failed image is retryable\n');
    return EXIT.OK;
  }
  const requests = redriveRequests(plan.retryable);
  if (values['dry-run']) {
    io.stdout.write(
      `would redrive ${plan.retryable.length} image(s) with ${requests.length} replay window(s):\n` +
        `${formatTable(
          ['image', 'user', 'failure', 'uploaded'],
          plan.retryable.map((i) => [i.imageId, i.userId, `${i.code} at ${i.stage}`, i.uploadedAt ?? '']),
        )}\n`,
    );
    return EXIT.OK;
  }

  const connection = await connectRuntime({ ...options, onEmbedded: reportEmbedded(io) });
  const since = new Date();
  let results: ReplayResult[] = [];
  let outcomes: RedriveOutcome[];
  try {
    for (const request of requests) results = [...results, await connection.api.replay(request)];
    io.stderr.write(`imgpipe redrive: published ${replayedCount(results)} upload(s) again as ${requests[0]?.name ?? ''}; waiting...\n`);
    outcomes = await awaitOutcomes(
      archive,
      plan.retryable.map((i) => i.imageId),
      since,
      { timeoutMs },
    );
  } finally {
    await connection.close();
  }
  const rows = plan.retryable.map((image, i) => {
    const outcome = outcomes[i];
    const now = outcome?.status === 'failed' ? `failed ${outcome.code ?? ''}`.trim() : (outcome?.status ?? 'timeout');
    return [image.imageId, image.userId, `${image.code} at ${image.stage}`, now];
  });
  io.stdout.write(`${formatTable(['image', 'user', 'was', 'now'], rows)}\n`);
  const again = outcomes.filter((o) => o.status !== 'processed');
  for (const o of again) io.stderr.write(`${o.imageId}: ${o.status === 'timeout' ? 'no outcome in time' : `${o.code ?? ''}: ${o.reason ?? ''}`}\n`);
  return again.length > 0 ? EXIT.FAILED : EXIT.OK;
}

async function redriveAws(values: Values, io: CliIo): Promise<number> {
  const maxPerSecond = values['max-per-second'] !== undefined ? positiveInteger('max-per-second', values['max-per-second'], 500, 500) : undefined;
  const stack = await stackOutputs(values);
  const sqs = new SQSClient(clientConfig(values, io));
  try {
    const sources = [...(values['dlq-arn'] ?? [])];
    if (stack) {
      const notifyUrl = stack.outputs['NotifyDlqUrl'];
      if (notifyUrl) {
        const notify = await describeQueue(sqs, notifyUrl);
        if (notify.depth > 0) sources.push(notify.arn);
        else io.stdout.write(`${notify.arn}: empty, nothing to move\n`);
      }
      const ruleTargetsUrl = stack.outputs['RuleTargetsDlqUrl'];
      if (ruleTargetsUrl) {
        const ruleTargets = await describeQueue(sqs, ruleTargetsUrl);
        if (ruleTargets.depth > 0) {
          io.stderr.write(
            `imgpipe redrive: ${ruleTargets.arn} holds ${ruleTargets.depth} failed EventBridge delivery(ies); SQS cannot move them back ` +
              '(they came from EventBridge, not a queue): re-run their window with `imgpipe replay --target aws`\n',
          );
        }
      }
    }
    const asyncDlqUrl = values['async-dlq-url'] ?? stack?.outputs['AsyncInvokesDlqUrl'];
    if (sources.length === 0 && !stack && !asyncDlqUrl) {
      throw new UsageError('--target aws needs --dlq-arn or --stack (whose outputs name the DLQs), or --async-dlq-url');
    }
    const asyncLeft = asyncDlqUrl ? await redriveAsyncDlq(sqs, asyncDlqUrl, values, io) : 0;
    if (values['dry-run']) return EXIT.OK;
    const results: DlqRedriveResult[] = [];
    for (const sourceArn of sources) {
      const result = await redriveDlq(sqs, sourceArn, {
        ...(maxPerSecond !== undefined ? { maxPerSecond } : {}),
        pollIntervalMs: pollInterval(values),
        onProgress: (task) => io.stderr.write(`${sourceArn}: ${task.Status ?? '?'} ${task.ApproximateNumberOfMessagesMoved ?? 0}/${task.ApproximateNumberOfMessagesToMove ?? '?'} moved\n`),
      });
      results.push(result);
      io.stdout.write(
        `${sourceArn}: ${result.status}, ${result.moved ?? 0}/${result.toMove ?? '?'} message(s) moved back${result.failureReason ? ` (${result.failureReason})` : ''}\n`,
      );
    }
    return results.some((r) => r.status !== 'COMPLETED') || asyncLeft > 0 ? EXIT.FAILED : EXIT.OK;
  } finally {
    sqs.destroy();
  }
}

/** Re-invokes the async-invokes DLQ's records; returns how many were left in the queue. */
async function redriveAsyncDlq(sqs: SQSClient, queueUrl: string, values: Values, io: CliIo): Promise<number> {
  const lambda = new LambdaClient(clientConfig(values, io));
  try {
    const describe = (o: AsyncRedriveOutcome): string =>
      o.status === 'left' ? `left in the queue: ${o.reason}` : `${o.status} ${o.functionArn}${o.condition ? ` (was ${o.condition})` : ''}`;
    const { queueArn, outcomes } = await redriveAsyncInvokes(sqs, lambda, queueUrl, {
      dryRun: values['dry-run'] === true,
      onMessage: (o) => io.stderr.write(`${o.messageId}: ${describe(o)}\n`),
    });
    const left = outcomes.filter((o) => o.status === 'left').length;
    const done = outcomes.length - left;
    io.stdout.write(
      outcomes.length === 0
        ? `${queueArn}: empty, nothing to re-invoke\n`
        : `${queueArn}: ${done} record(s) ${values['dry-run'] ? 'would be ' : ''}re-invoked, ${left} left in the queue\n`,
    );
    return left;
  } finally {
    lambda.destroy();
  }
}
