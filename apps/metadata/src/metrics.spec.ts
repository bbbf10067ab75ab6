import { Metrics } from '@aws-lambda-powertools/metrics';
import { powertoolsPipelineMetrics } from './metrics';
import { processed } from './testing/fixtures';

/** The EMF documents a Metrics instance writes while `run` runs. */
function emitted(run: (metrics: Metrics) => void): Array<Record<string, unknown>> {
  const disabled = process.env['POWERTOOLS_METRICS_DISABLED'];
  delete process.env['POWERTOOLS_METRICS_DISABLED'];
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run(new Metrics({ namespace: 'imgpipe', serviceName: 'metadata' }));
  } finally {
    write.mockRestore();
    if (disabled !== undefined) process.env['POWERTOOLS_METRICS_DISABLED'] = disabled;
  }
  return lines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('powertoolsPipelineMetrics', () => {
  it('a processed image: count, processing time, bytes saved and compression ratio', () => {
    const [doc] = emitted((metrics) => {
      powertoolsPipelineMetrics(metrics).imageProcessed(processed);
      metrics.publishStoredMetrics();
    });

    expect(doc).toMatchObject({
      ImagesProcessed: 1,
      ProcessingTimeMs: 1710,
      BytesSaved: 4_812_331 - 1_204_117,
      CompressionRatio: 3.9966,
      service: 'metadata',
    });
    const [directive] = (doc?.['_aws'] as { CloudWatchMetrics: Array<{ Namespace: string; Metrics: unknown[] }> })
      .CloudWatchMetrics;
    expect(directive?.Namespace).toBe('imgpipe');
    expect(directive?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'ProcessingTimeMs', Unit: 'Milliseconds' },
        { Name: 'BytesSaved', Unit: 'Bytes' },
      ]),
    );
  });

  it('a failed image is counted under its code, on its own line', () => {
    const docs = emitted((metrics) => powertoolsPipelineMetrics(metrics).imageFailed('TOO_LARGE'));

    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ ImagesFailed: 1, code: 'TOO_LARGE' });
  });

  it('flushes nothing when nothing was recorded (what logMetrics does after every invocation)', () => {
    expect(emitted((metrics) => metrics.publishStoredMetrics())).toEqual([]);
  });
});
