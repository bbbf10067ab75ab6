import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instrumentHandler, MetricNames, recordImageFailed, recordMetric } from '@imgpipe/platform';
import { redirectPowertoolsOutput } from './logs';

describe('redirectPowertoolsOutput', () => {
  const disabled = process.env['POWERTOOLS_METRICS_DISABLED'];
  beforeAll(() => delete process.env['POWERTOOLS_METRICS_DISABLED']);
  afterAll(() => {
    if (disabled !== undefined) process.env['POWERTOOLS_METRICS_DISABLED'] = disabled;
  });

  it('sends each invocation’s own metrics and its single metrics to the file, none to the terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgpipe-logs-'));
    const stdout = jest.spyOn(process.stdout, 'write');
    try {
      const path = join(dir, 'imgpipe.log');
      const restore = redirectPowertoolsOutput(path);
      const handler = instrumentHandler(
        async (event: { processed: number }) => {
          recordImageFailed('TIMED_OUT');
          recordMetric(MetricNames.ImagesProcessed, event.processed);
        },
        { name: 'logs-spec' },
      );
      await Promise.all([handler({ processed: 1 }), handler({ processed: 2 })]);
      await restore();

      const emf = readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"_aws"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(emf.filter((l) => l['code'] === 'TIMED_OUT')).toHaveLength(2);
      // One flush per invocation, each with its own data point.
      expect(emf.filter((l) => MetricNames.ImagesProcessed in l).map((l) => l[MetricNames.ImagesProcessed])).toEqual([1, 2]);
      expect(stdout.mock.calls.map(([chunk]) => String(chunk)).filter((c) => c.includes('"_aws"'))).toEqual([]);
    } finally {
      stdout.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
