import { AsyncLocalStorage } from 'node:async_hooks';
import type { Console } from 'node:console';
import { getServiceName } from '@aws-lambda-powertools/commons/utils/env';
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
// Before the tracer loads the X-Ray SDK: outside Lambda, no process-wide async hook (see the module).
import './xray-outside-lambda';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { ApiRateClass } from './ports/rate-limiter.port';

/** The CloudWatch namespace of imgpipe's metrics where no stage names one (the local runtime, tests). */
export const METRICS_NAMESPACE = 'imgpipe';

/**
 * The namespace of one stage's metrics, `imgpipe/<stage>`: two stages in one account keep their
 * figures, and the alarms on them, apart. Infra gives it to every function as
 * `POWERTOOLS_METRICS_NAMESPACE` and builds its alarms and dashboards on it.
 */
export function metricsNamespace(stage: string): string {
  return `${METRICS_NAMESPACE}/${stage}`;
}

/** `POWERTOOLS_SERVICE_NAME` (each function sets it), else `imgpipe`. */
export const SERVICE_NAME = getServiceName() || 'imgpipe';

/** What ties a log line to an image's trip through the pipeline. */
export interface ImageLogContext {
  readonly imageId?: string;
  readonly correlationId?: string;
}

const imageContext = new AsyncLocalStorage<ImageLogContext>();

/**
 * Runs `fn` with `imageId`/`correlationId` added to every log line written inside it,
 * including from awaited calls. The context lives in AsyncLocalStorage, not on the shared
 * logger, so concurrent invocations in one process (the local runtime) never mix their
 * keys. Nested calls add to the outer context.
 *
 * @example
 * await withImageContext({ imageId, correlationId }, () => useCase(input));
 */
export function withImageContext<T>(context: ImageLogContext, fn: () => T): T {
  const outer = imageContext.getStore() ?? {};
  return imageContext.run({ ...outer, ...definedOnly(context) }, fn);
}

/** The context set by the innermost {@link withImageContext}, if any. */
export function currentImageContext(): ImageLogContext | undefined {
  return imageContext.getStore();
}

function definedOnly(context: ImageLogContext): ImageLogContext {
  return Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) as ImageLogContext;
}

/** The Lambda context fields a log line carries (Powertools' own subset of the `Context`, with `coldStart`). */
export type InvocationLogContext = NonNullable<UnformattedAttributes['lambdaContext']>;

const invocationContext = new AsyncLocalStorage<InvocationLogContext>();

/**
 * Runs `fn` as one invocation: every log line written inside it, including from awaited calls,
 * carries this invocation's function name, request id, ARN, memory size and cold start.
 * Powertools' `injectLambdaContext` keeps the context on the logger itself (`addContext`), one
 * slot for the process: the local runtime runs many invocations of several functions at once,
 * and each line named whichever invocation had started last. `instrumentHandler` wraps every
 * invocation in this. A line outside any invocation (the local runtime's own: recovery, the
 * sweeps, the bus; on Lambda, the init phase) carries no Lambda fields, rather than those of
 * whichever invocation the logger was last given.
 */
export function withInvocationContext<T>(context: InvocationLogContext, fn: () => T): T {
  return invocationContext.run(context, fn);
}

/** The context set by the enclosing {@link withInvocationContext}, if any. */
export function currentInvocationContext(): InvocationLogContext | undefined {
  return invocationContext.getStore();
}

/**
 * Powertools' standard JSON log line, its Lambda fields from the current invocation
 * ({@link withInvocationContext}), plus the current {@link ImageLogContext}
 * (`imageId`, `correlationId`) on every line.
 */
export class ImageContextLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    // Not `attributes.lambdaContext`: the logger's one slot, the invocation that started last.
    const lambda = invocationContext.getStore();
    const base = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: lambda?.coldStart,
      function_arn: lambda?.invokedFunctionArn,
      function_memory_size: lambda?.memoryLimitInMB,
      function_name: lambda?.functionName,
      function_request_id: lambda?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
      ...(imageContext.getStore() ?? {}),
    };
    return new LogItem({ attributes: base }).addAttributes(additional);
  }
}

/** A logger with the image-context formatter (tests build their own; services share {@link logger}). */
export function createLogger(options: { serviceName?: string; logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' } = {}): Logger {
  return new Logger({
    serviceName: options.serviceName ?? SERVICE_NAME,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    logFormatter: new ImageContextLogFormatter(),
  });
}

/** The one logger of the process; level from `POWERTOOLS_LOG_LEVEL`. */
export const logger = createLogger();

/** The one tracer of the process (disabled outside Lambda; `POWERTOOLS_TRACE_ENABLED=false` turns it off). */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/**
 * A metrics buffer (EMF to stdout, namespace `imgpipe`) whose own notices go to `notices`
 * (default the shared logger) at DEBUG. `logMetrics` flushes after every invocation (see
 * `instrumentHandler`) and Powertools warns on each flush of an empty buffer, which is the
 * normal case for a step that counts nothing (compress, thumbnail, an ignored object); the
 * metric names and units are fixed in {@link METRIC_DEFINITIONS}, so its other notices (a
 * malformed metric) do not arise at run time. Tests build their own; services share {@link metrics}.
 *
 * The instance returned is scoped per invocation: inside {@link withInvocationMetrics} (which
 * `instrumentHandler` wraps every invocation in) every call on it goes to that invocation's own
 * `Metrics`, built alike and flushed when the invocation ends; outside any invocation, to the
 * instance itself. The local runtime runs many invocations in one process at once, and with one
 * buffer an invocation's flush carried (with its dimensions) whatever another had added so far,
 * and left that one's own flush empty. On Lambda (one invocation at a time) the output is the
 * same as with one buffer. Powertools has no per-request scope for metrics (its `Metrics` keeps
 * the buffer in private fields), hence this hand-written AsyncLocalStorage proxy, the same
 * mechanism as {@link withInvocationContext} for log lines.
 */
export function createMetrics(options: { serviceName?: string; notices?: Logger } = {}): Metrics {
  const notices = options.notices ?? logger;
  const debug = (...content: unknown[]) => notices.debug(String(content[0]), { notice: content.slice(1) });
  const build = (): Metrics =>
    withSingleMetricConsole(
      new Metrics({
        // The stage's namespace where infra set one ({@link metricsNamespace}), else `imgpipe`.
        namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] || METRICS_NAMESPACE,
        serviceName: options.serviceName ?? SERVICE_NAME,
        logger: { debug, info: debug, warn: debug, error: (...content: unknown[]) => notices.error(String(content[0]), { notice: content.slice(1) }) },
      }),
    );
  const base = build();
  const current = new AsyncLocalStorage<Metrics>();
  const active = (): Metrics => current.getStore() ?? base;
  const scoped = new Proxy(base, {
    // Bound to the active instance: Metrics keeps its buffer in `#private` fields, which a proxy cannot reach.
    get(_target, property) {
      const target = active();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_target, property, value: unknown) {
      const target = active();
      return Reflect.set(target, property, value, target);
    },
  });
  invocationScopes.set(scoped, {
    base,
    current,
    // Writes where the instance writes (the local runtime sends it to its log file: tools/local logs.ts).
    fork: () => writingTo(build(), consoleOf(base)),
  });
  return scoped;
}

interface InvocationMetricsScope {
  /** The instance outside any invocation. */
  readonly base: Metrics;
  /** The current invocation's own instance. */
  readonly current: AsyncLocalStorage<Metrics>;
  /** A new instance like `base`, for one invocation. */
  readonly fork: () => Metrics;
}

/** The scope of every instance {@link createMetrics} returned. */
const invocationScopes = new WeakMap<Metrics, InvocationMetricsScope>();

/** Powertools' `Metrics` writes EMF through a `console` of its own (private in its types, public at run time). */
type WithConsole = { console: Console };
const consoleOf = (target: Metrics): Console => (target as unknown as WithConsole).console;
const writingTo = (target: Metrics, console: Console): Metrics => {
  (target as unknown as WithConsole).console = console;
  return target;
};

/**
 * `singleMetric()` builds a new `Metrics` over a new stdout console; this one's single metrics
 * write where it writes (a redirected console stays redirected, for the failure count too).
 */
function withSingleMetricConsole(target: Metrics): Metrics {
  const single = target.singleMetric.bind(target);
  target.singleMetric = () => writingTo(single(), consoleOf(target));
  return target;
}

/**
 * Runs `fn` as one invocation of `metrics`: if it came from {@link createMetrics}, every call on
 * it inside `fn` (also after awaits, also through {@link recordMetric}) goes to an instance of this
 * invocation's own, which `fn` is given to flush (`instrumentHandler` applies Powertools'
 * `logMetrics` to it). Metrics added outside any invocation (a local runtime's sweep) are flushed
 * on their own after it, as one buffer used to flush them with the next invocation's. Any other
 * `Metrics` is given to `fn` as it is.
 *
 * @example
 * await withInvocationMetrics(metrics, (own) => handlerFlushingInto(own)(event, context));
 */
export async function withInvocationMetrics<T>(metrics: Metrics, fn: (own: Metrics) => Promise<T>): Promise<T> {
  const scope = invocationScopes.get(metrics);
  if (!scope) return fn(metrics);
  const own = scope.fork();
  try {
    return await scope.current.run(own, () => fn(own));
  } finally {
    if (scope.base.hasStoredMetrics()) scope.base.publishStoredMetrics();
  }
}

/** The one metrics buffer of the process, its own for each invocation ({@link createMetrics}). */
export const metrics = createMetrics();

/** The metric names shared with the dashboards and alarms, with their units. */
export const METRIC_DEFINITIONS = {
  ImagesUploaded: { unit: MetricUnit.Count },
  ImagesProcessed: { unit: MetricUnit.Count },
  /** Has the dimension `code` (the failure classification). */
  ImagesFailed: { unit: MetricUnit.Count },
  ProcessingTimeMs: { unit: MetricUnit.Milliseconds },
  BytesSaved: { unit: MetricUnit.Bytes },
  /** Original bytes / compressed bytes. */
  CompressionRatio: { unit: MetricUnit.NoUnit },
  ThumbnailFailures: { unit: MetricUnit.Count },
  /** Stuck images whose run the reconciler started again (apps/metadata reconcile-stuck). */
  ImagesRedriven: { unit: MetricUnit.Count },
  /** Stuck images the reconciler failed `TIMED_OUT`. */
  ImagesTimedOut: { unit: MetricUnit.Count },
  /**
   * API requests refused with 429 (a user over their budget, apps/ingest rate-limit). Has the
   * dimension `rateClass` (`uploads`, `changes`, `reads`).
   */
  RequestsRateLimited: { unit: MetricUnit.Count },
} as const;

export type MetricName = keyof typeof METRIC_DEFINITIONS;

/** `MetricNames.ImagesProcessed === 'ImagesProcessed'`: names as values, for infra and dashboards. */
export const MetricNames = Object.fromEntries(Object.keys(METRIC_DEFINITIONS).map((name) => [name, name])) as {
  readonly [N in MetricName]: N;
};

/** The metrics written with a dimension of their own, each by its own function. */
type DimensionedMetricName = typeof MetricNames.ImagesFailed | typeof MetricNames.RequestsRateLimited;

/** Adds one data point (with its defined unit) to the buffer; published with the next flush. */
export function recordMetric(name: Exclude<MetricName, DimensionedMetricName>, value: number, target: Metrics = metrics): void {
  target.addMetric(name, METRIC_DEFINITIONS[name].unit, value);
}

/**
 * Counts one failed image under its `code` dimension. Written as a single metric (its own
 * EMF line) so the `code` dimension does not attach to the other metrics in the buffer.
 */
export function recordImageFailed(code: string, target: Metrics = metrics): void {
  const single = target.singleMetric();
  single.addDimension('code', code);
  single.addMetric(MetricNames.ImagesFailed, METRIC_DEFINITIONS.ImagesFailed.unit, 1);
}

/**
 * Counts one API request refused with 429 under its `rateClass` dimension, as a single metric
 * (its own EMF line, like {@link recordImageFailed}).
 */
export function recordRequestRateLimited(rateClass: ApiRateClass, target: Metrics = metrics): void {
  const single = target.singleMetric();
  single.addDimension('rateClass', rateClass);
  single.addMetric(MetricNames.RequestsRateLimited, METRIC_DEFINITIONS.RequestsRateLimited.unit, 1);
}
