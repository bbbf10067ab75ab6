import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sleep } from '../cli-io';
import { CliError, EXIT } from '../errors';

/** The statuses after which a message move task does nothing more. */
export const FINAL_MOVE_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

export interface DlqRedriveOptions {
  /** Messages moved per second (SQS's default when absent: as fast as it can, up to 500). */
  readonly maxPerSecond?: number;
  /** Between `ListMessageMoveTasks` calls (default 5 s). */
  readonly pollIntervalMs?: number;
  readonly onProgress?: (task: ListMessageMoveTasksResultEntry) => void;
}

export interface DlqRedriveResult {
  readonly sourceArn: string;
  readonly taskHandle?: string;
  /** RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED (or UNKNOWN). */
  readonly status: string;
  readonly moved?: number;
  readonly toMove?: number;
  readonly failureReason?: string;
}

/** How far SQS's clock may be behind ours when telling this task from an older one. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Whether the queue's latest task is the one just started: SQS fills `TaskHandle` in
 * listings of RUNNING tasks only, so a finished one is told by its start time.
 */
function isThisTask(task: ListMessageMoveTasksResultEntry, handle: string | undefined, requestedAt: number): boolean {
  if (task.TaskHandle) return handle === undefined || task.TaskHandle === handle;
  return task.StartedTimestamp === undefined || task.StartedTimestamp >= requestedAt - CLOCK_SKEW_MS;
}

/** A queue's ARN and approximate depth (`GetQueueAttributes`). */
export async function describeQueue(sqs: SQSClient, queueUrl: string): Promise<{ readonly arn: string; readonly depth: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }),
  );
  return { arn: Attributes?.QueueArn ?? '', depth: Number(Attributes?.ApproximateNumberOfMessages ?? 0) };
}

/**
 * Moves the messages of a dead-letter queue back to the queues they came from
 * (`StartMessageMoveTask` without a destination), then follows the task with
 * `ListMessageMoveTasks` until it is COMPLETED, CANCELLED or FAILED. SQS lists a queue's
 * most recent task first, and runs one at a time per queue, so the latest task is this one.
 * Only DLQs of SQS queues can be moved this way (SQS's rule), not those EventBridge or
 * Lambda write to.
 */
export async function redriveDlq(sqs: SQSClient, sourceArn: string, options: DlqRedriveOptions = {}): Promise<DlqRedriveResult> {
  const requestedAt = Date.now();
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: sourceArn,
      ...(options.maxPerSecond !== undefined ? { MaxNumberOfMessagesPerSecond: options.maxPerSecond } : {}),
    }),
  );
  for (;;) {
    await sleep(options.pollIntervalMs ?? 5000);
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = Results?.[0];
    if (!task || !isThisTask(task, TaskHandle, requestedAt)) continue;
    options.onProgress?.(task);
    const status = task.Status ?? 'UNKNOWN';
    if (!FINAL_MOVE_STATUSES.has(status)) continue;
    return {
      sourceArn,
      ...(TaskHandle ? { taskHandle: TaskHandle } : {}),
      status,
      ...(task.ApproximateNumberOfMessagesMoved !== undefined ? { moved: task.ApproximateNumberOfMessagesMoved } : {}),
      ...(task.ApproximateNumberOfMessagesToMove !== undefined ? { toMove: task.ApproximateNumberOfMessagesToMove } : {}),
      ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
    };
  }
}

/**
 * An async-invoke record that cannot be redriven: not JSON, not Lambda's on-failure record,
 * or naming a function outside the queue's own account and region. It stays in the queue.
 */
export class AsyncInvokeRecordError extends CliError {
  override readonly name = 'AsyncInvokeRecordError';
  constructor(message: string) {
    super({ exitCode: EXIT.FAILED, message });
  }
}

/** What Lambda's on-failure destination writes, as far as a redrive needs it. */
export interface AsyncInvokeRecord {
  /** The function that failed, unqualified (`arn:aws:lambda:<region>:<account>:function:<name>`). */
  readonly functionArn: string;
  /** The event it was invoked with, re-serialised. */
  readonly payload: string;
  /** Why Lambda gave up: `RetriesExhausted`, `EventAgeExceeded`, ... */
  readonly condition?: string;
}

const LAMBDA_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::[A-Za-z0-9$_-]+)?$/;
const SQS_ARN = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]+(?:\.fifo)?$/;

/**
 * Reads one message of the async-invokes DLQ: Lambda's invocation record
 * (`{ requestContext: { functionArn, condition }, requestPayload }`, the on-failure
 * destination's documented shape). Hand-written (a few fields of a documented JSON shape,
 * no library models it). A record may only send the CLI to a function in the queue's own
 * partition, region and account (anyone who can write to the queue could otherwise name
 * any function the operator may invoke); the qualifier Lambda adds (`$LATEST`) is dropped.
 *
 * @throws AsyncInvokeRecordError for anything else.
 */
export function parseAsyncInvokeRecord(body: string, queueArn: string): AsyncInvokeRecord {
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch {
    throw new AsyncInvokeRecordError('not JSON: not an async-invoke record');
  }
  const context = (record as { requestContext?: { functionArn?: unknown; condition?: unknown } } | null)?.requestContext;
  const functionArn = context?.functionArn;
  if (typeof functionArn !== 'string' || !(record as object | null) || !('requestPayload' in (record as object))) {
    throw new AsyncInvokeRecordError('not an async-invoke record (no requestContext.functionArn or requestPayload)');
  }
  const fn = LAMBDA_ARN.exec(functionArn);
  const queue = SQS_ARN.exec(queueArn);
  if (!fn) throw new AsyncInvokeRecordError(`requestContext.functionArn is not a Lambda function ARN: ${JSON.stringify(functionArn.slice(0, 200))}`);
  if (!queue || fn[1] !== queue[1] || fn[2] !== queue[2] || fn[3] !== queue[3]) {
    throw new AsyncInvokeRecordError(`refused: ${functionArn} is not in the DLQ's own account and region (${queueArn})`);
  }
  const payload = (record as { requestPayload: unknown }).requestPayload;
  return {
    functionArn: `arn:${fn[1]}:lambda:${fn[2]}:${fn[3]}:function:${fn[4]}`,
    payload: JSON.stringify(payload ?? null),
    ...(typeof context?.condition === 'string' ? { condition: context.condition } : {}),
  };
}

export interface AsyncRedriveOptions {
  /** Receive, re-invoke and delete nothing: report what would be re-invoked. */
  readonly dryRun?: boolean;
  /** At most this many messages (default: the queue's depth when the redrive starts). */
  readonly limit?: number;
  /** How long a received message stays hidden while it is re-invoked (default 60 s). */
  readonly visibilityTimeoutSeconds?: number;
  readonly onMessage?: (outcome: AsyncRedriveOutcome) => void;
}

/** What happened to one message. */
export type AsyncRedriveOutcome =
  | { readonly messageId: string; readonly status: 'invoked' | 'would-invoke'; readonly functionArn: string; readonly condition?: string }
  | { readonly messageId: string; readonly status: 'left'; readonly reason: string };

export interface AsyncRedriveResult {
  readonly queueArn: string;
  readonly outcomes: readonly AsyncRedriveOutcome[];
}

/**
 * Redrives the async-invokes DLQ: SQS cannot move these messages back (they came from
 * Lambda's on-failure destination, not a queue), so each record's event is sent again to
 * its function as an asynchronous invoke (`InvocationType: Event`, Lambda's own retries and
 * the same destination apply), and the message is deleted once Lambda accepted it (202).
 * A message that is not a valid record, or whose invoke Lambda refuses, is left in the
 * queue (it reappears after the visibility timeout) and reported. At most the queue's depth
 * at the start is read, so records that fail again and come back are not looped on.
 * Handlers are idempotent, so an invoke whose delete failed does no harm when run twice.
 */
export async function redriveAsyncInvokes(
  sqs: SQSClient,
  lambda: LambdaClient,
  queueUrl: string,
  options: AsyncRedriveOptions = {},
): Promise<AsyncRedriveResult> {
  const { arn: queueArn, depth } = await describeQueue(sqs, queueUrl);
  const limit = options.limit ?? depth;
  const outcomes: AsyncRedriveOutcome[] = [];
  const seen = new Set<string>();
  const report = (outcome: AsyncRedriveOutcome): void => {
    outcomes.push(outcome);
    options.onMessage?.(outcome);
  };
  while (outcomes.length < limit) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, limit - outcomes.length),
        // A dry run only peeks: the messages are visible again at once.
        VisibilityTimeout: options.dryRun ? 0 : (options.visibilityTimeoutSeconds ?? 60),
        WaitTimeSeconds: 1,
      }),
    );
    if (!Messages || Messages.length === 0) break;
    // A dry run sees the same messages again: stop at the first one already reported.
    if (Messages.every((m) => seen.has(m.MessageId ?? ''))) break;
    for (const message of Messages) {
      const messageId = message.MessageId ?? '?';
      if (seen.has(messageId)) continue;
      seen.add(messageId);
      let record: AsyncInvokeRecord;
      try {
        record = parseAsyncInvokeRecord(message.Body ?? '', queueArn);
      } catch (error) {
        if (!(error instanceof AsyncInvokeRecordError)) throw error;
        report({ messageId, status: 'left', reason: error.message });
        continue;
      }
      const invoked = { messageId, functionArn: record.functionArn, ...(record.condition ? { condition: record.condition } : {}) };
      if (options.dryRun) {
        report({ ...invoked, status: 'would-invoke' });
        continue;
      }
      let statusCode: number | undefined;
      try {
        ({ StatusCode: statusCode } = await lambda.send(
          new InvokeCommand({ FunctionName: record.functionArn, InvocationType: 'Event', Payload: new TextEncoder().encode(record.payload) }),
        ));
      } catch (error) {
        // Refused by Lambda (no such function, access denied, throttled): the message stays for a later run.
        report({ messageId, status: 'left', reason: `Lambda refused the invoke: ${(error as Error).name}: ${(error as Error).message}` });
        continue;
      }
      if (statusCode !== 202) {
        report({ messageId, status: 'left', reason: `Lambda answered ${statusCode ?? '?'}, not 202` });
        continue;
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      report({ ...invoked, status: 'invoked' });
    }
  }
  return { queueArn, outcomes };
}
