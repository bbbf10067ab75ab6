import type { ZodType } from 'zod';
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
  /** The pipeline stage this task is (`compress`, `thumbnail`, ...), carried in every failure's cause. */
  readonly stage?: string;
}

/**
 * The thin Lambda adapter every state machine task shares: parse the input with its
 * contract (a malformed payload is `InvalidEvent`, never retried), run the use case, and map
 * a classified invalid-input error to `InvalidImage` with its code and reason. Anything else
 * keeps its name (the state machine retries it as transient) and, when the task names its
 * stage, carries that stage in its cause.
 */
export function createTaskHandler<I, O>(options: TaskHandlerOptions<I, O>): (event: unknown) => Promise<O> {
  let useCase: ((input: I) => Promise<O>) | undefined;
  return async (event: unknown): Promise<O> => {
    const parsed = options.input.safeParse(event);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new TaskError('InvalidEvent', 'INVALID_EVENT', `task input does not match its contract: ${fields}`, {
        stage: options.stage,
      });
    }
    useCase ??= options.coldStart();
    try {
      return await useCase(parsed.data);
    } catch (error) {
      if (options.isInvalidInput?.(error)) {
        throw new TaskError('InvalidImage', error.code, error.message, { cause: error, stage: options.stage });
      }
      if (options.stage && !(error instanceof TaskError)) throw withTaskStage(error, options.stage);
      throw error;
    }
  };
}
