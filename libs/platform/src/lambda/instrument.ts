import { Utility } from '@aws-lambda-powertools/commons';
import type { AsyncHandler, LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, Handler } from 'aws-lambda';
import { localLambdaContext } from '../idempotency';
import {
  logger as sharedLogger,
  metrics as sharedMetrics,
  tracer as sharedTracer,
  withInvocationContext,
  withInvocationMetrics,
  type InvocationLogContext,
} from '../powertools';
import { createTaskHandler, type TaskHandlerOptions } from './task-handler';

/** A Lambda handler as every imgpipe function exports it; the context is optional for local callers. */
export type InstrumentedHandler<E, R> = (event: E, context?: Context) => Promise<R>;

export interface InstrumentOptions {
  /** The function's name when no Lambda context is given (the local runtime, tests): `imgpipe-local-<name>`. */
  readonly name: string;
  /** The Powertools instances (tests pass their own to capture the output); default the shared ones. */
  readonly powertools?: { readonly logger?: Logger; readonly tracer?: Tracer; readonly metrics?: Metrics };
}

/**
 * The one way every imgpipe function applies Powertools: the library's own handler
 * decorators, outermost first as its middy middlewares stack them —
 * `logger.injectLambdaContext({ resetKeys: true })` (the Lambda context on every line,
 * temporary keys cleared after the invocation), `tracer.captureLambdaHandler()` (the
 * handler's segment; off outside Lambda) and `metrics.logMetrics()` (the buffer flushed
 * after every invocation, success or error: no handler flushes by hand). The metrics buffer is
 * the invocation's own (`withInvocationMetrics`): the shared `metrics` and every `createMetrics`
 * instance route each invocation's calls to a buffer of its own.
 *
 * The decorators are applied as functions to the handler's property descriptor, which is
 * what the `@decorator` syntax does under `experimentalDecorators`: the workspace compiles
 * with standard decorators, which Powertools 2.x's decorators do not support, and
 * `@middy/core` (for the equivalent middlewares) is not a dependency.
 *
 * `imageId`/`correlationId` are not appended with `appendKeys`: the local runtime runs many
 * invocations over one shared logger at once, and appended keys would leak between them.
 * The adapter sets them with `withImageContext` (AsyncLocalStorage) once it has parsed the
 * event (`createTaskHandler`'s `imageContext`, notify per record), and they end with the
 * invocation. For the same reason each invocation runs in {@link withInvocationContext}: its
 * lines carry its own function name and request id, not those of the invocation that
 * `injectLambdaContext` stored on the shared logger last. Its cold start is this handler's
 * first invocation, by Powertools' own rule (`Utility.getColdStart`: on-demand initialisation only).
 *
 * @example
 * const handler = instrumentHandler(async (event: SQSEvent, context) => ..., { name: 'notify' });
 */
export function instrumentHandler<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  options: InstrumentOptions,
): InstrumentedHandler<E, R> {
  const logger = options.powertools?.logger ?? sharedLogger;
  const tracer = options.powertools?.tracer ?? sharedTracer;
  const metrics = options.powertools?.metrics ?? sharedMetrics;
  const target: LambdaInterface = { handler: handler as AsyncHandler<Handler> };
  // Innermost first: metrics, then tracer, then logger (the order of `@` decorators read bottom-up).
  // `logMetrics` on this invocation's own instance (`withInvocationMetrics`), so concurrent
  // invocations in one process (the local runtime) never flush each other's metrics.
  const flushingMetrics = (event: unknown, context: Context) =>
    withInvocationMetrics(metrics, (own) => {
      const perInvocation: TypedPropertyDescriptor<AsyncHandler<Handler>> = { value: handler as AsyncHandler<Handler> };
      own.logMetrics()(target, 'handler', perInvocation);
      return (perInvocation.value as unknown as (event: unknown, context: Context) => Promise<unknown>).call(target, event, context);
    });
  const descriptor: TypedPropertyDescriptor<AsyncHandler<Handler>> = { value: flushingMetrics as AsyncHandler<Handler> };
  tracer.captureLambdaHandler()(target, 'handler', descriptor);
  logger.injectLambdaContext({ resetKeys: true })(target, 'handler', descriptor);
  const decorated = descriptor.value as unknown as (event: E, context: Context) => Promise<R>;
  const coldStart = new ColdStart();
  return (event, context) => {
    const lambdaContext = context ?? localLambdaContext({ functionName: `imgpipe-local-${options.name}` });
    return withInvocationContext(invocationLogContext(lambdaContext, coldStart.next()), () => decorated.call(target, event, lambdaContext));
  };
}

/** Powertools' cold-start rule (`true` once, on an on-demand initialisation), per handler. */
class ColdStart extends Utility {
  next(): boolean {
    return this.getColdStart();
  }
}

/** The fields Powertools' `addContext` keeps of a Lambda context, for {@link withInvocationContext}. */
function invocationLogContext(context: Context, coldStart: boolean): InvocationLogContext {
  return {
    invokedFunctionArn: context.invokedFunctionArn,
    coldStart,
    awsRequestId: context.awsRequestId,
    memoryLimitInMB: context.memoryLimitInMB,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    ...(context.tenantId !== undefined ? { tenantId: context.tenantId } : {}),
  };
}

/**
 * A Lambda entry point built on its first invocation (the configuration is read then,
 * once per cold start, and fails fast), from the service's own composition root: its
 * configuration loader, its AWS ports and its handler factory. Every entry file is this
 * one line; the local runtime calls the same factory with its own ports.
 *
 * @example
 * export const handler = lambdaEntry(loadCompressConfig, awsCompressPorts, createCompressHandler);
 */
export function lambdaEntry<C, P, E, R>(
  loadConfig: () => C,
  awsPorts: (config: C) => P,
  create: (ports: P, config: C) => InstrumentedHandler<E, R>,
): InstrumentedHandler<E, R> {
  let built: InstrumentedHandler<E, R> | undefined;
  return (event, context) => {
    built ??= ((config: C) => create(awsPorts(config), config))(loadConfig());
    return built(event, context);
  };
}

/**
 * A state machine task as a Lambda handler: {@link createTaskHandler} (the input parsed with
 * its schema, the stage in every failure's cause, the image on every log line) with
 * Powertools applied by {@link instrumentHandler}.
 */
export function createPipelineTaskHandler<I, O>(options: TaskHandlerOptions<I, O> & { readonly name: string }): InstrumentedHandler<unknown, O> {
  const { name, ...task } = options;
  return instrumentHandler(createTaskHandler(task), { name });
}
