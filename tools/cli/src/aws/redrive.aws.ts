import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sleep } from '../cli-io';

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
