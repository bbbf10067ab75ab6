import type { ZodType } from 'zod';
import type { FailureStage } from '@imgpipe/contracts';
import { withImageContext, type ImageLogContext } from '../powertools';
import { TaskError, withTaskStage } from '../task-error';

/** An error the task's own domain classified as bad input: never retried. */
export interface ClassifiedInputError {
  readonly code: string;
  readonly message: string;
}

export interface TaskHandlerOptions<I, O> {
  /** The contract of the task's input (the state machine hands it over as is). */
  readonly input: ZodType<I>;
  /** Builds the use case once per cold start, on the first invocation (config read then). */
  readonly coldStart: () => (input: I) => Promise<O>;
  /** Recognises the domain's invalid-input error, e.g. `isInvalidImageError`. */
  readonly isInvalidInput?: (error: unknown) => error is ClassifiedInputError;
  /**
   * The pipeline stage this task is (`compress`, `thumbnail`, `record`, ...), carried in
   * every failure's cause: that is how `RecordFailure` knows which branch of the Parallel
   * state failed (its Catch cannot tell, on AWS or locally). `null` for a task outside the
   * pipeline (metadata's purge and rebuild), whose failures are never an image's.
   */
  readonly stage: FailureStage | null;
  /** The image the parsed input is about: its `imageId`/`correlationId` go on every log line of the run. */
  readonly imageContext?: (input: I) => ImageLogContext;
}

/**
 * The thin Lambda adapter every state machine task shares: parse the input with its
 * contract (a malformed payload is `InvalidEvent`, never retried), run the use case, and map
 * a classified invalid-input error to `InvalidImage` with its code and reason. Anything else
 * keeps its name (the state machine retries it as transient) and carries the task's stage
 * in its cause.
 */
export function createTaskHandler<I, O>(options: TaskHandlerOptions<I, O>): (event: unknown) => Promise<O> {
  let useCase: ((input: I) => Promise<O>) | undefined;
  return async (event: unknown): Promise<O> => {
    const parsed = options.input.safeParse(event);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new TaskError('InvalidEvent', 'INVALID_EVENT', `task input does not match its contract: ${fields}`, stageOf(options));
    }
    useCase ??= options.coldStart();
    const run = useCase;
    try {
      return await withImageContext(options.imageContext?.(parsed.data) ?? {}, () => run(parsed.data));
    } catch (error) {
      if (options.isInvalidInput?.(error)) {
        throw new TaskError('InvalidImage', error.code, error.message, { cause: error, ...stageOf(options) });
      }
      if (options.stage !== null && !(error instanceof TaskError)) throw withTaskStage(error, options.stage);
      throw error;
    }
  };
}

function stageOf(options: { readonly stage: FailureStage | null }): { stage?: FailureStage } {
  return options.stage === null ? {} : { stage: options.stage };
}
