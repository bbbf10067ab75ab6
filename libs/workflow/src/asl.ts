import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { EVENT_BUS_NAME } from './rules';

/**
 * Where `pipeline.asl.json` lives, for a runtime that reads the file itself (the CDK app:
 * `DefinitionBody.fromFile(PIPELINE_DEFINITION_PATH)` with `definitionSubstitutions`).
 */
export const PIPELINE_DEFINITION_PATH = join(__dirname, '..', 'pipeline.asl.json');

/**
 * The `${...}` variables of `pipeline.asl.json`: the Lambda function ARNs and the bus name.
 * The CDK app passes them as `definitionSubstitutions`; the local runtime fills them with
 * {@link renderPipelineDefinition}.
 */
export const PIPELINE_SUBSTITUTIONS = [
  'CompressFunctionArn',
  'ThumbnailFunctionArn',
  'RecordThumbnailsFunctionArn',
  'RecordFunctionArn',
  'RecordFailureFunctionArn',
  'EventBusName',
] as const;
export type PipelineSubstitution = (typeof PIPELINE_SUBSTITUTIONS)[number];
/** A value for every variable of the definition. */
export type PipelineSubstitutions = Readonly<Record<PipelineSubstitution, string>>;

/**
 * The Lambda Task states, each with the variable that names its function. The local runtime
 * maps these state names to the services' own handlers (`taskResourceLocalHandlers`); a
 * Lambda state hands its function the state's input as is and takes its return value.
 */
export const PIPELINE_LAMBDA_STATES = {
  Compress: 'CompressFunctionArn',
  Thumbnail: 'ThumbnailFunctionArn',
  RecordThumbnails: 'RecordThumbnailsFunctionArn',
  RecordMetadata: 'RecordFunctionArn',
  RecordFailure: 'RecordFailureFunctionArn',
} as const satisfies Record<string, PipelineSubstitution>;
export type PipelineLambdaState = keyof typeof PIPELINE_LAMBDA_STATES;

/**
 * The Task state that puts `ImageProcessed` on the bus through the EventBridge `PutEvents`
 * optimized integration (locally: {@link createPutEventsTask}).
 */
export const PUBLISH_PROCESSED_STATE = 'PublishProcessed';
/** Every Task state of the pipeline. */
export type PipelineTaskState = PipelineLambdaState | typeof PUBLISH_PROCESSED_STATE;

/** The error a `PutEvents` task fails with when an entry was refused (as Step Functions names it). */
export const PUT_EVENTS_FAILED_ENTRY_ERROR = 'EventBridge.FailedEntry';

/** Thrown when a definition cannot be rendered: a variable left unfilled or an unknown one given. */
export class PipelineDefinitionError extends ImgpipeError<'INVALID_DEFINITION'> {
  override readonly name = 'PipelineDefinitionError';

  constructor(message: string) {
    super({ code: 'INVALID_DEFINITION', message });
  }
}

const VARIABLE = /\$\{([A-Za-z0-9_]+)\}/g;
const known: ReadonlySet<string> = new Set(PIPELINE_SUBSTITUTIONS);

function readDefinitionText(): string {
  return readFileSync(PIPELINE_DEFINITION_PATH, 'utf8');
}

/**
 * `pipeline.asl.json`, parsed, with its `${...}` variables as they are. A fresh object on
 * every call (validators and runners may annotate what they are given).
 */
export function loadPipelineDefinition(): StateMachineDefinition {
  return JSON.parse(readDefinitionText()) as StateMachineDefinition;
}

/** The variables `text` uses, each once, in order of first use. */
export function definitionVariables(text: string = readDefinitionText()): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1] ?? ''))];
}

/**
 * The definition with every `${...}` variable filled, as Step Functions' own
 * `DefinitionSubstitutions` would (values are inserted as JSON string content, so a value
 * cannot change the document's structure).
 *
 * @throws {PipelineDefinitionError} listing every variable left unfilled (or given but
 * unknown, or given empty).
 * @example
 * ```ts
 * const definition = renderPipelineDefinition(placeholderSubstitutions());
 * new StateMachine(definition).run(event, { overrides: { taskResourceLocalHandlers } });
 * ```
 */
export function renderPipelineDefinition(substitutions: PipelineSubstitutions): StateMachineDefinition {
  const values: Readonly<Record<string, string | undefined>> = substitutions;
  const problems: string[] = [];
  const unknown = Object.keys(values).filter((name) => !known.has(name));
  if (unknown.length > 0) problems.push(`unknown variable(s): ${unknown.join(', ')}`);
  const text = readDefinitionText();
  const unfilled = definitionVariables(text).filter((name) => !values[name]);
  if (unfilled.length > 0) problems.push(`unfilled variable(s): ${unfilled.map((n) => `\${${n}}`).join(', ')}`);
  if (problems.length > 0) throw new PipelineDefinitionError(`pipeline.asl.json: ${problems.join('; ')}`);
  const rendered = text.replace(VARIABLE, (_match, name: string) => JSON.stringify(values[name]).slice(1, -1));
  return JSON.parse(rendered) as StateMachineDefinition;
}

/**
 * Well-formed stand-in values for a runtime that overrides every Task state (the local
 * runtime, tests): Lambda ARNs named after the state, in a fake account, and the bus name.
 */
export function placeholderSubstitutions(
  options: { readonly eventBusName?: string; readonly region?: string; readonly account?: string } = {},
): PipelineSubstitutions {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const arn = (name: string) => `arn:aws:lambda:${region}:${account}:function:imgpipe-local-${name}`;
  return {
    CompressFunctionArn: arn('compress'),
    ThumbnailFunctionArn: arn('thumbnail'),
    RecordThumbnailsFunctionArn: arn('record-thumbnails'),
    RecordFunctionArn: arn('record-metadata'),
    RecordFailureFunctionArn: arn('record-failure'),
    EventBusName: options.eventBusName ?? EVENT_BUS_NAME,
  };
}
