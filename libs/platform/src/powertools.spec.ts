import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  createLogger,
  currentImageContext,
  METRICS_NAMESPACE,
  MetricNames,
  recordImageFailed,
  recordMetric,
  withImageContext,
} from './powertools';

/** Captures what Powertools writes to stdout and stderr, one parsed JSON document per line. */
function captureStdout() {
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

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('withImageContext', () => {
  it('puts imageId and correlationId on every line written inside, also after awaits', async () => {
    const logger = createLogger({ serviceName: 'test' });
    const out = captureStdout();
    try {
      logger.info('outside');
      await withImageContext({ imageId: 'img-1', correlationId: 'corr-1' }, async () => {
        logger.info('first');
        await tick();
        logger.warn('after an await', { extra: 1 });
      });
      logger.info('outside again');
    } finally {
      out.restore();
    }

    const lines = out.json();
    expect(lines.map((l) => [l['message'], l['imageId'], l['correlationId']])).toEqual([
      ['outside', undefined, undefined],
      ['first', 'img-1', 'corr-1'],
      ['after an await', 'img-1', 'corr-1'],
      ['outside again', undefined, undefined],
    ]);
    expect(lines[2]).toMatchObject({ level: 'WARN', service: 'test', extra: 1 });
  });

  it('keeps concurrent invocations apart and lets an inner context add to the outer one', async () => {
    const logger = createLogger({ serviceName: 'test' });
    const out = captureStdout();
    try {
      await Promise.all(
        ['a', 'b', 'c'].map((id) =>
          withImageContext({ imageId: id, correlationId: `corr-${id}` }, async () => {
            await tick();
            logger.info(`work ${id}`);
            await tick();
            logger.info(`more ${id}`);
          }),
        ),
      );
      withImageContext({ correlationId: 'outer' }, () =>
        withImageContext({ imageId: 'inner' }, () => {
          expect(currentImageContext()).toEqual({ correlationId: 'outer', imageId: 'inner' });
        }),
      );
    } finally {
      out.restore();
    }

    expect(out.json()).toHaveLength(6);
    for (const line of out.json()) {
      const id = String(line['message']).split(' ')[1];
      expect([line['imageId'], line['correlationId']]).toEqual([id, `corr-${id}`]);
    }
  });
});

describe('metrics', () => {
  it('names the dashboard metrics once', () => {
    expect(Object.values(MetricNames).sort()).toEqual(
      ['BytesSaved', 'CompressionRatio', 'ImagesFailed', 'ImagesProcessed', 'ImagesRedriven', 'ImagesTimedOut', 'ImagesUploaded', 'ProcessingTimeMs', 'RequestsRateLimited', 'ThumbnailFailures'].sort(),
    );
  });

  it('emits EMF in the imgpipe namespace with units, and ImagesFailed alone under its code', () => {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' });
    const out = captureStdout();
    try {
      recordMetric('ProcessingTimeMs', 420, metrics);
      recordMetric('BytesSaved', 1000, metrics);
      recordImageFailed('InvalidImage', metrics);
      metrics.publishStoredMetrics();
    } finally {
      out.restore();
    }

    const [failed, batch] = out.json() as Array<{ _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } } & Record<string, unknown>>;
    expect(failed?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'imgpipe',
      Dimensions: [expect.arrayContaining(['service', 'code'])],
      Metrics: [{ Name: 'ImagesFailed', Unit: 'Count' }],
    });
    expect(failed).toMatchObject({ code: 'InvalidImage', ImagesFailed: 1 });
    expect(batch?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: 'ProcessingTimeMs', Unit: 'Milliseconds' },
      { Name: 'BytesSaved', Unit: 'Bytes' },
    ]);
    expect(batch?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(batch).toMatchObject({ ProcessingTimeMs: 420, BytesSaved: 1000 });
  });
});
