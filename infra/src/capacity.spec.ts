import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPACITY_DEFAULTS } from '@imgpipe/infra-shared';
import { capacityMarkdown, capacityReport, configuredCapacity } from './capacity';

const DOCS = join(__dirname, '..', '..', 'docs', 'deploy.md');

function failing(overrides: Record<string, unknown>): string[] {
  return capacityReport(configuredCapacity(overrides))
    .checks.filter((c) => !c.ok)
    .map((c) => c.name);
}

describe('the capacity table, derived from the configured limits', () => {
  it('holds the design’s load with the limits infra/cdk.json configures', () => {
    const report = capacityReport(configuredCapacity());

    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toHaveLength(6);
  });

  it('is what docs/deploy.md shows, between its capacity markers (regenerate with npm run capacity -w infra)', () => {
    const docs = readFileSync(DOCS, 'utf8');
    const table = /<!-- capacity:start -->\n([\s\S]*?)\n<!-- capacity:end -->/.exec(docs)?.[1];

    expect(table).toBe(capacityMarkdown(capacityReport(configuredCapacity())));
  });

  it('fails when a limit change breaks the burst', () => {
    expect(failing({ 'imgpipe:apiBurstLimit': 500 })).toEqual(['the stage admits the burst']);
    expect(failing({ 'imgpipe:uploadsRouteBurstLimit': 100 })).toEqual(['the stage admits the burst']);
    expect(failing({ 'imgpipe:apiReservedConcurrency': 50 })).toEqual(['the API function has the concurrency for the burst']);
    // 1,000 images at 2 s each through 50 instances: 40 s, longer than the throttle retries wait.
    expect(failing({ 'imgpipe:compressReservedConcurrency': 50 })).toEqual(['throttle retries outlast the burst']);
    expect(failing({ 'imgpipe:thumbnailReservedConcurrency': 600 })).toEqual(['the reservations fit the account']);
    expect(failing({ 'imgpipe:apiRateLimit': 100, 'imgpipe:uploadsRouteRateLimit': 100 })).toEqual(['the stage rate carries the steady load 10x over']);
  });

  it('reads the knobs, not the defaults', () => {
    expect(configuredCapacity({ 'imgpipe:compressReservedConcurrency': 400 }).compressReservedConcurrency).toBe(400);
    expect(configuredCapacity()).toEqual(CAPACITY_DEFAULTS);
  });
});
