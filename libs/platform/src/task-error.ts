import type { FailureStage } from '@imgpipe/contracts';
import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { z } from 'zod';

/**
 * Error names the state machine sees. `InvalidImage` and `InvalidEvent` are never retried
 * (bad input stays bad); anything else a task throws counts as transient and is retried.
 */
export const TASK_ERROR_NAMES = ['InvalidImage', 'InvalidEvent'] as const;
export type TaskErrorName = (typeof TASK_ERROR_NAMES)[number];

const causeSchema = z.object({
  code: z.string().min(1).max(64),
  reason: z.string().max(2000),
  stage: z.string().min(1).max(32).optional(),
});

/**
 * A non-retryable task failure. Lambda reports `name` as the error type, which the ASL
 * Retry/Catch match on; the message is a small JSON document `{ code, reason }` so the
 * failure recorder can read the classification back without parsing prose.
 */
export class TaskError extends ImgpipeError {
  declare readonly retryable: false;

  constructor(
    override readonly name: TaskErrorName,
    code: string,
    readonly reason: string,
    options?: { cause?: unknown; stage?: FailureStage },
  ) {
    super({ code, message: JSON.stringify({ code, reason, stage: options?.stage }), retryable: false, cause: options?.cause });
  }
}

/**
 * Re-labels an unclassified (transient) error with the stage that threw it, keeping its
 * name so Retry still treats it as transient. A Catch on a Parallel state cannot tell
 * which branch failed; the cause can.
 */
export function withTaskStage(error: unknown, stage: FailureStage): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const staged = new Error(
    JSON.stringify({ code: 'TRANSIENT_EXHAUSTED', reason: original.message.slice(0, 2000), stage }),
    { cause: original },
  );
  staged.name = original.name;
  return staged;
}

export interface TaskFailureCause {
  readonly errorName: string;
  readonly code: string;
  readonly reason: string;
  readonly retryable: boolean;
  /** The stage that threw, when the task said so. */
  readonly stage?: string;
}

/**
 * Reads back what a Step Functions Catch hands over: `Error` (the error name) and `Cause`
 * (for a Lambda task, `{"errorType","errorMessage",...}` as JSON). Unknown shapes become an
 * `INTERNAL` failure that keeps the raw text as its reason.
 */
export function parseTaskFailure(error: string, cause: string | undefined): TaskFailureCause {
  const result = readTaskFailure(error, cause);
  // Reasons end up in events and UIs: no terminal escapes or other control characters.
  // eslint-disable-next-line no-control-regex
  return { ...result, reason: result.reason.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').slice(0, 2000) };
}

/** What Step Functions names a Task that outlived its `TimeoutSeconds` (or a Lambda that hit its own timeout). */
const TIMEOUT_ERROR_NAMES: readonly string[] = ['States.Timeout', 'Sandbox.Timedout'];

function readTaskFailure(error: string, cause: string | undefined): TaskFailureCause {
  const retryable = !(TASK_ERROR_NAMES as readonly string[]).includes(error);
  if (TIMEOUT_ERROR_NAMES.includes(error)) {
    // Not bad input: the same image may well go through on a re-drive, so it stays retryable.
    return { errorName: error, code: 'TIMED_OUT', reason: (cause || `${error}: the step did not finish within its time limit`).slice(0, 2000), retryable: true };
  }
  let message = cause ?? '';
  try {
    const outer: unknown = JSON.parse(message);
    if (outer && typeof outer === 'object' && 'errorMessage' in outer && typeof outer.errorMessage === 'string') {
      message = outer.errorMessage;
    }
  } catch {
    // not a Lambda cause document: keep the text as it is
  }
  try {
    const inner = causeSchema.safeParse(JSON.parse(message));
    if (inner.success) return { errorName: error, retryable, ...inner.data };
  } catch {
    // a plain message
  }
  return {
    errorName: error,
    code: retryable ? 'TRANSIENT_EXHAUSTED' : 'INTERNAL',
    reason: (message || error).slice(0, 2000),
    retryable,
  };
}
