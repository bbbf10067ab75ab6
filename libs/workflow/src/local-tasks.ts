import type { RunOptions } from 'aws-local-stepfunctions';
import type { PipelineTaskState } from './asl';

/** The `taskResourceLocalHandlers` option of aws-local-stepfunctions' `run`. */
export type LocalTaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/** A task's local implementation: a Lambda handler's shape (`event => result`). */
export type LocalTask = (input: unknown) => Promise<unknown>;

type JsonValue = Parameters<LocalTaskHandlers[string]>[0];

/**
 * Maps every Task state of the pipeline to a local function, for
 * `run(input, { overrides: { taskResourceLocalHandlers } })`. Input and output cross a JSON
 * boundary, as a Lambda payload does: the task gets its own copy of the input and whatever
 * it returns is what `JSON.stringify` keeps (an `undefined` result becomes `null`). Errors
 * pass through unchanged; their `name` is the error Retry and Catch match on, as a Lambda
 * function's `errorType` is on AWS.
 *
 * @example
 * ```ts
 * const taskResourceLocalHandlers = toLocalTaskHandlers({
 *   Compress: compressHandler, Thumbnail: thumbnailHandler,
 *   RecordMetadata: recordMetadataHandler, RecordFailure: recordFailureHandler,
 *   PublishProcessed: createPutEventsTask(bus, { eventBusName: EVENT_BUS_NAME }),
 * });
 * ```
 */
export function toLocalTaskHandlers(tasks: Readonly<Record<PipelineTaskState, LocalTask>>): LocalTaskHandlers {
  const handlers: LocalTaskHandlers = {};
  for (const [state, task] of Object.entries(tasks) as [PipelineTaskState, LocalTask][]) {
    handlers[state] = async (input) => toJson(await task(toJson(input)));
  }
  return handlers;
}

function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}
