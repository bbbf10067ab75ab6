import { ImgpipeError } from '@imgpipe/contracts/imgpipe-error';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** An Express execution may run at most five minutes; past it, nothing catches it. */
export const EXPRESS_EXECUTION_LIMIT_SECONDS = 300;

/**
 * Errors Lambda returns when it refused the invoke before any code ran (the function is at
 * its concurrency limit), so an attempt that ends with one costs an API round trip, not the
 * task's `TimeoutSeconds`. Only a retrier that matches nothing but these is costed that way.
 */
export const INVOKE_REFUSED_ERRORS = ['Lambda.TooManyRequestsException'] as const;

/** What a refused invoke is allowed to cost, generously (a Lambda API call is milliseconds). */
export const INVOKE_REFUSED_SECONDS = 1;

/**
 * Errors that mean "Lambda itself had a problem": retried with jitter, but an attempt may have
 * run the function to its timeout first (`Lambda.Unknown` is a crash; the others can follow a
 * long run), so each costs the task's full `TimeoutSeconds`.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.Unknown',
] as const;

/** Error names that mean the task ran out of time: never retried (a slow image stays slow). */
export const TIMEOUT_ERRORS = ['States.Timeout', 'Sandbox.Timedout'] as const;

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

interface StateShape {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly Next: string }[];
  readonly Retry?: readonly Retrier[];
  readonly TimeoutSeconds?: number;
  readonly Branches?: readonly { readonly StartAt: string; readonly States: Readonly<Record<string, StateShape>> }[];
}

/** Thrown when a definition's worst case cannot be bounded (a Task without `TimeoutSeconds`, a loop). */
export class UnboundedDefinitionError extends ImgpipeError<'UNBOUNDED_DEFINITION'> {
  override readonly name = 'UnboundedDefinitionError';

  constructor(message: string) {
    super({ code: 'UNBOUNDED_DEFINITION', message });
  }
}

/** ASL defaults (Amazon States Language spec) for a retrier's unset fields. */
const DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 } as const;

/** The longest a retrier can wait in all, every backoff at its cap (full jitter only ever waits less). */
export function retrierBackoffSeconds(retrier: Retrier): number {
  const attempts = retrier.MaxAttempts ?? DEFAULTS.MaxAttempts;
  const interval = retrier.IntervalSeconds ?? DEFAULTS.IntervalSeconds;
  const rate = retrier.BackoffRate ?? DEFAULTS.BackoffRate;
  let total = 0;
  for (let k = 0; k < attempts; k += 1) total += Math.min(interval * rate ** k, retrier.MaxDelaySeconds ?? Infinity);
  return total;
}

/**
 * The longest one Task state can take: the first attempt and every retry each run to
 * `TimeoutSeconds` (a refused invoke costs {@link INVOKE_REFUSED_SECONDS}), plus every
 * backoff at its cap. Retrier counters are independent in ASL, so every retrier's attempts
 * can be used up in one run: they are all added.
 *
 * @throws {UnboundedDefinitionError} when the Task has no `TimeoutSeconds`.
 */
export function taskWorstCaseSeconds(name: string, state: StateShape): number {
  const timeout = state.TimeoutSeconds;
  if (timeout === undefined) throw new UnboundedDefinitionError(`Task ${name} has no TimeoutSeconds`);
  let total = timeout;
  for (const retrier of state.Retry ?? []) {
    const attempts = retrier.MaxAttempts ?? DEFAULTS.MaxAttempts;
    const refusedOnly = retrier.ErrorEquals.every((e) => (INVOKE_REFUSED_ERRORS as readonly string[]).includes(e));
    total += attempts * (refusedOnly ? INVOKE_REFUSED_SECONDS : timeout) + retrierBackoffSeconds(retrier);
  }
  return total;
}

/** One path's cost and the states it went through. */
export interface WorstCase {
  readonly seconds: number;
  readonly path: readonly string[];
}

function longestFrom(
  states: Readonly<Record<string, StateShape>>,
  name: string,
  visiting: ReadonlySet<string>,
  memo: Map<string, WorstCase>,
): WorstCase {
  const cached = memo.get(name);
  if (cached) return cached;
  if (visiting.has(name)) throw new UnboundedDefinitionError(`the definition loops through ${name}`);
  const state = states[name];
  if (!state) throw new UnboundedDefinitionError(`no state named ${name}`);
  const inPath = new Set(visiting).add(name);

  let own = 0;
  if (state.Type === 'Task') own = taskWorstCaseSeconds(name, state);
  if (state.Type === 'Parallel') {
    own = Math.max(...(state.Branches ?? []).map((b) => longestFrom(b.States, b.StartAt, new Set(), new Map()).seconds));
    if ((state.Retry ?? []).length > 0) throw new UnboundedDefinitionError(`Parallel ${name} retries: not costed`);
  }
  if (state.Type === 'Wait' || state.Type === 'Map') throw new UnboundedDefinitionError(`${state.Type} ${name} is not costed`);

  const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)]
    .filter((n): n is string => n !== undefined);
  const tails = next.map((n) => longestFrom(states, n, inPath, memo));
  const tail = tails.reduce<WorstCase>((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, path: [] });
  const result = { seconds: own + tail.seconds, path: [name, ...tail.path] };
  memo.set(name, result);
  return result;
}

/**
 * The longest any execution of `definition` can run, from the definition itself: the most
 * expensive path through its states (Catch edges included), each Task at
 * {@link taskWorstCaseSeconds}, each Parallel at its slowest branch. Pass, Choice, Succeed
 * and Fail cost nothing.
 *
 * @example
 * ```ts
 * expect(pipelineWorstCase(loadPipelineDefinition()).seconds).toBeLessThan(EXPRESS_EXECUTION_LIMIT_SECONDS);
 * ```
 */
export function pipelineWorstCase(definition: StateMachineDefinition): WorstCase {
  const d = definition as unknown as { StartAt: string; States: Readonly<Record<string, StateShape>> };
  return longestFrom(d.States, d.StartAt, new Set(), new Map());
}

/** Every Task state's `TimeoutSeconds`, branches included, by state name (infra sizes function timeouts from it). */
export function taskTimeoutsSeconds(definition: StateMachineDefinition): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  const walk = (states: Readonly<Record<string, StateShape>>): void => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        if (state.TimeoutSeconds === undefined) throw new UnboundedDefinitionError(`Task ${name} has no TimeoutSeconds`);
        out[name] = state.TimeoutSeconds;
      }
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk((definition as unknown as { States: Readonly<Record<string, StateShape>> }).States);
  return out;
}
