import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { localLambdaContext } from '../idempotency';
import { createLogger, createMetrics, metrics as sharedMetrics, MetricNames, recordImageFailed, recordMetric } from '../powertools';
import { instrumentHandler, lambdaEntry } from './instrument';
import { createTaskHandler } from './task-handler';

/** Captures what Powertools writes to stdout and stderr, one parsed JSON document per line. */
function captureOutput() {
  const lines: string[] = [];
  const write = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(write), jest.spyOn(process.stderr, 'write').mockImplementation(write)];
  return {
    json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

const input = z.object({ imageId: z.string(), correlationId: z.string().optional() });

describe('instrumentHandler (Powertools applied the one way)', () => {
  const disabled = process.env['POWERTOOLS_METRICS_DISABLED'];
  beforeAll(() => delete process.env['POWERTOOLS_METRICS_DISABLED']);
  afterAll(() => {
    if (disabled !== undefined) process.env['POWERTOOLS_METRICS_DISABLED'] = disabled;
  });

  function pipelineStep() {
    const logger = createLogger({ serviceName: 'thumbnail' });
    const metrics = createMetrics({ serviceName: 'thumbnail', notices: logger });
    const task = createTaskHandler({
      input,
      stage: 'thumbnail',
      imageContext: (i) => ({ imageId: i.imageId, correlationId: i.correlationId ?? i.imageId }),
      coldStart: () => async (i: z.infer<typeof input>) => {
        logger.info('step ran');
        if (i.imageId === 'img-metric') metrics.addMetric('ThumbnailFailures', MetricUnit.Count, 1);
        if (i.imageId === 'img-bad') throw new Error('boom');
        return i.imageId;
      },
    });
    return { logger, metrics, handler: instrumentHandler(task, { name: 'thumbnail', powertools: { logger, metrics } }) };
  }

  it('puts imageId and correlationId on every line of a pipeline step, and clears them after the invocation', async () => {
    const { logger, handler } = pipelineStep();
    const out = captureOutput();
    try {
      await handler({ imageId: 'img-1', correlationId: 'corr-1' }, localLambdaContext({ functionName: 'imgpipe-thumbnail' }));
      await handler({ imageId: 'img-2', correlationId: 'corr-2' });
      logger.info('between invocations');
    } finally {
      out.restore();
    }

    const lines = out.json().filter((l) => 'message' in l);
    expect(lines.map((l) => [l['message'], l['imageId'], l['correlationId'], l['function_name']])).toEqual([
      ['step ran', 'img-1', 'corr-1', 'imgpipe-thumbnail'],
      ['step ran', 'img-2', 'corr-2', 'imgpipe-local-thumbnail'],
      // Outside any invocation: no function's name (Powertools' own slot would say the last one's).
      ['between invocations', undefined, undefined, undefined],
    ]);
  });

  it('keeps concurrent invocations apart (the local runtime runs them in one process)', async () => {
    const { handler } = pipelineStep();
    const out = captureOutput();
    try {
      await Promise.all(['a', 'b', 'c'].map((id) => handler({ imageId: `img-${id}`, correlationId: `corr-${id}` })));
    } finally {
      out.restore();
    }
    for (const line of out.json().filter((l) => l['message'] === 'step ran')) {
      expect(String(line['correlationId'])).toBe(String(line['imageId']).replace('img-', 'corr-'));
    }
  });

  it('puts each invocation’s own function name and request id on its lines while another function’s invocation overlaps it', async () => {
    // Two functions over one logger, as the local runtime runs compress and thumbnail at once.
    const logger = createLogger({ serviceName: 'pipeline' });
    const gate = { open: () => undefined as void };
    const opened = new Promise<void>((resolve) => (gate.open = resolve));
    const step = (name: string, wait: boolean) =>
      instrumentHandler(
        async (event: { label: string }) => {
          logger.info('started', { label: event.label });
          if (wait) await opened;
          logger.info('finished', { label: event.label });
          return event.label;
        },
        { name, powertools: { logger, metrics: createMetrics({ serviceName: 'pipeline', notices: logger }) } },
      );
    const compress = step('compress', true);
    const thumbnail = step('thumbnail', false);
    const compressContext = localLambdaContext({ functionName: 'imgpipe-compress' });
    const thumbnailContext = localLambdaContext({ functionName: 'imgpipe-thumbnail' });
    const out = captureOutput();
    try {
      const first = compress({ label: 'first' }, compressContext); // waits at the gate
      await thumbnail({ label: 'second' }, thumbnailContext); // starts later, ends first
      gate.open();
      await first;
    } finally {
      out.restore();
    }

    const lines = out.json().filter((l) => 'label' in l);
    expect(lines.map((l) => [l['message'], l['label'], l['function_name'], l['function_request_id'], l['function_arn']])).toEqual([
      ['started', 'first', 'imgpipe-compress', compressContext.awsRequestId, compressContext.invokedFunctionArn],
      ['started', 'second', 'imgpipe-thumbnail', thumbnailContext.awsRequestId, thumbnailContext.invokedFunctionArn],
      ['finished', 'second', 'imgpipe-thumbnail', thumbnailContext.awsRequestId, thumbnailContext.invokedFunctionArn],
      ['finished', 'first', 'imgpipe-compress', compressContext.awsRequestId, compressContext.invokedFunctionArn],
    ]);
  });

  it('marks only a handler’s first invocation as its cold start (on-demand initialisation), and no invocation otherwise', async () => {
    const initialisation = process.env['AWS_LAMBDA_INITIALIZATION_TYPE'];
    const logger = createLogger({ serviceName: 'pipeline' });
    const build = () =>
      instrumentHandler(async () => void logger.info('ran'), { name: 'cold', powertools: { logger, metrics: createMetrics({ notices: logger }) } });
    const out = captureOutput();
    try {
      process.env['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'on-demand';
      const onDemand = build();
      await onDemand({});
      await onDemand({});
      process.env['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'provisioned-concurrency';
      await build()({});
    } finally {
      out.restore();
      if (initialisation === undefined) delete process.env['AWS_LAMBDA_INITIALIZATION_TYPE'];
      else process.env['AWS_LAMBDA_INITIALIZATION_TYPE'] = initialisation;
    }
    expect(out.json().filter((l) => l['message'] === 'ran').map((l) => l['cold_start'])).toEqual([true, false, false]);
  });

  it('flushes the metrics after every invocation, also when it fails: no handler flushes by hand', async () => {
    const { handler } = pipelineStep();
    const out = captureOutput();
    try {
      await handler({ imageId: 'img-metric' });
      await expect(handler({ imageId: 'img-bad' })).rejects.toThrow();
      await handler({ imageId: 'img-quiet' });
    } finally {
      out.restore();
    }
    const emf = out.json().filter((l) => '_aws' in l);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ ThumbnailFailures: 1, service: 'thumbnail' });
  });

  /** Two invocations over one metrics instance, the first still running when the second ends. */
  async function overlappingInvocations(metrics: Metrics, record: (metrics: Metrics, value: number) => void) {
    const gate = { open: () => undefined as void };
    const opened = new Promise<void>((resolve) => (gate.open = resolve));
    const handler = instrumentHandler(
      async (event: { label: string; value: number; wait: boolean }) => {
        metrics.addDimension('label', event.label);
        record(metrics, event.value);
        if (event.wait) await opened;
        return event.label;
      },
      { name: 'pipeline', powertools: { metrics } },
    );
    const out = captureOutput();
    try {
      const first = handler({ label: 'first', value: 1, wait: true });
      await handler({ label: 'second', value: 2, wait: false }); // ends (and flushes) first
      gate.open();
      await first;
    } finally {
      out.restore();
    }
    return out.json().filter((l) => '_aws' in l);
  }

  it('gives each of two overlapping invocations its own metrics: each flush carries only its own data points and dimensions', async () => {
    const metrics = createMetrics({ serviceName: 'pipeline', notices: createLogger() });
    const emf = await overlappingInvocations(metrics, (m, value) => m.addMetric('ThumbnailFailures', MetricUnit.Count, value));
    // With one buffer, the second invocation's flush carried [1, 2] under label "second", and the first flushed nothing.
    expect(emf.map((l) => [l['label'], l['ThumbnailFailures']])).toEqual([
      ['second', 2],
      ['first', 1],
    ]);
  });

  it('scopes the shared metrics and recordMetric per invocation too (what every service uses)', async () => {
    const emf = await overlappingInvocations(sharedMetrics, (_m, value) => recordMetric(MetricNames.ImagesRedriven, value));
    expect(emf.map((l) => [l['label'], l['ImagesRedriven']])).toEqual([
      ['second', 2],
      ['first', 1],
    ]);
  });

  it('flushes a single metric at once and metrics added outside any invocation after the next one, on their own', async () => {
    const metrics = createMetrics({ serviceName: 'pipeline', notices: createLogger() });
    const handler = instrumentHandler(
      async () => {
        metrics.addDimension('label', 'inside');
        recordImageFailed('TIMED_OUT', metrics);
        recordMetric(MetricNames.ImagesProcessed, 1, metrics);
      },
      { name: 'pipeline', powertools: { metrics } },
    );
    const out = captureOutput();
    try {
      recordMetric(MetricNames.ImagesRedriven, 3, metrics); // a sweep outside any invocation
      await handler({});
    } finally {
      out.restore();
    }
    const emf = out.json().filter((l) => '_aws' in l);
    expect(emf.map((l) => [l['label'], l['code'], l['ImagesFailed'], l['ImagesProcessed'], l['ImagesRedriven']])).toEqual([
      [undefined, 'TIMED_OUT', 1, undefined, undefined],
      ['inside', undefined, undefined, 1, undefined],
      [undefined, undefined, undefined, undefined, 3],
    ]);
  });
});

describe('lambdaEntry', () => {
  it('reads the configuration and builds the handler on the first invocation only', async () => {
    const loadConfig = jest.fn(() => ({ greeting: 'hi' }));
    const ports = jest.fn((config: { greeting: string }) => ({ say: (name: string) => `${config.greeting} ${name}` }));
    const handler = lambdaEntry(loadConfig, ports, (p) => async (event: { name: string }) => p.say(event.name));

    expect(loadConfig).not.toHaveBeenCalled();
    await expect(handler({ name: 'a' })).resolves.toBe('hi a');
    await expect(handler({ name: 'b' })).resolves.toBe('hi b');
    expect(loadConfig).toHaveBeenCalledTimes(1);
    expect(ports).toHaveBeenCalledTimes(1);
  });
});
